//! What an API token may do: its *scope*. A token minted with a password may do all its
//! account may (`full`); a personal access token does only what its owner chose when
//! making it — buy (`buyer`), check codes in at the doors the account keeps (`door`), sell
//! to named customers where the account keeps the box office (`box_office`), or
//! everything an admin may (`admin`) — and never more than the account itself may.

use std::fmt;

/// A token's scope, as stored in `api_tokens.scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Minted with a password: everything the account may do.
    Full,
    /// Bookings, payments, resale and gifts of the account's own.
    Buyer,
    /// Check-ins at the doors the account keeps, and nothing else.
    Door,
    /// Sales to named customers where the account keeps the box office, and nothing
    /// else.
    BoxOffice,
    /// Everything an admin may do (the account must be an admin).
    Admin,
}

/// The scopes a personal access token may be given, in the order a form offers them.
pub const PERSONAL: [TokenScope; 4] = [
    TokenScope::Buyer,
    TokenScope::Door,
    TokenScope::BoxOffice,
    TokenScope::Admin,
];

/// What an account is, as far as token scopes go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    pub admin: bool,
    /// Keeps a door (of one event or of all).
    pub door: bool,
    /// Keeps a box office (of one event or of all).
    pub box_office: bool,
}

impl TokenScope {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Full => "full",
            TokenScope::Buyer => "buyer",
            TokenScope::Door => "door",
            TokenScope::BoxOffice => "box_office",
            TokenScope::Admin => "admin",
        }
    }

    /// Reads the stored spelling (`None` for an unknown one: such a token works for
    /// nothing).
    pub fn parse(text: &str) -> Option<TokenScope> {
        match text {
            "full" => Some(TokenScope::Full),
            "buyer" => Some(TokenScope::Buyer),
            "door" => Some(TokenScope::Door),
            "box_office" => Some(TokenScope::BoxOffice),
            "admin" => Some(TokenScope::Admin),
            _ => None,
        }
    }

    /// A scope a personal access token may be made with (`full` is for password
    /// log-ins only).
    pub fn parse_personal(text: &str) -> Option<TokenScope> {
        TokenScope::parse(text).filter(|scope| *scope != TokenScope::Full)
    }

    /// How a form or the account page names it.
    pub fn label(self) -> &'static str {
        match self {
            TokenScope::Full => "Everything (password log-in)",
            TokenScope::Buyer => "Buyer: bookings, resale and gifts",
            TokenScope::Door => "Door: check codes in",
            TokenScope::BoxOffice => "Box office: sell to named customers",
            TokenScope::Admin => "Admin: everything an admin may do",
        }
    }

    /// Whether it may book, pay, resell and give away.
    pub fn allows_buying(self) -> bool {
        matches!(
            self,
            TokenScope::Full | TokenScope::Buyer | TokenScope::Admin
        )
    }

    /// Whether it may check codes in (at the doors its account keeps).
    pub fn allows_door(self) -> bool {
        matches!(
            self,
            TokenScope::Full | TokenScope::Door | TokenScope::Admin
        )
    }

    /// Whether it may sell to named customers (where its account keeps the box office).
    pub fn allows_selling(self) -> bool {
        matches!(
            self,
            TokenScope::Full | TokenScope::BoxOffice | TokenScope::Admin
        )
    }

    /// Whether it may use the admin API (its account being an admin).
    pub fn allows_admin(self) -> bool {
        matches!(self, TokenScope::Full | TokenScope::Admin)
    }

    /// Whether an account with these roles may make a token of this scope: `admin`
    /// needs an admin, `door` door staff and `box_office` box office staff (or an
    /// admin), `buyer` anyone.
    pub fn grantable(self, roles: Roles) -> bool {
        match self {
            TokenScope::Full => false,
            TokenScope::Buyer => true,
            TokenScope::Door => roles.door || roles.admin,
            TokenScope::BoxOffice => roles.box_office || roles.admin,
            TokenScope::Admin => roles.admin,
        }
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scope_does_what_it_names_and_no_more() {
        use TokenScope::*;
        let can = |s: TokenScope| {
            [
                s.allows_buying(),
                s.allows_door(),
                s.allows_selling(),
                s.allows_admin(),
            ]
        };
        assert_eq!(can(Buyer), [true, false, false, false]);
        assert_eq!(can(Door), [false, true, false, false]);
        assert_eq!(can(BoxOffice), [false, false, true, false]);
        assert_eq!(can(Admin), [true, true, true, true]);
        assert_eq!(can(Full), [true, true, true, true]);
    }

    #[test]
    fn a_scope_is_granted_only_within_the_accounts_roles() {
        use TokenScope::*;
        let fan = Roles::default();
        let door = Roles { door: true, ..fan };
        let counter = Roles {
            box_office: true,
            ..fan
        };
        let admin = Roles { admin: true, ..fan };
        assert!(Buyer.grantable(fan));
        assert!(!Door.grantable(fan) && !BoxOffice.grantable(fan));
        assert!(Door.grantable(door) && !BoxOffice.grantable(door));
        assert!(BoxOffice.grantable(counter) && !Door.grantable(counter));
        assert!(Door.grantable(admin) && BoxOffice.grantable(admin));
        assert!(!Admin.grantable(door) && !Admin.grantable(counter));
        assert!(Admin.grantable(admin));
        let everything = Roles {
            admin: true,
            door: true,
            box_office: true,
        };
        assert!(
            !Full.grantable(everything),
            "full is for password log-ins only"
        );
    }

    #[test]
    fn stored_spellings_read_back() {
        for scope in [
            TokenScope::Full,
            TokenScope::Buyer,
            TokenScope::Door,
            TokenScope::BoxOffice,
            TokenScope::Admin,
        ] {
            assert_eq!(TokenScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(TokenScope::parse("root"), None);
        assert_eq!(TokenScope::parse_personal("full"), None);
        assert_eq!(TokenScope::parse_personal("door"), Some(TokenScope::Door));
    }
}
