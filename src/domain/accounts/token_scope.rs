//! What an API token may do: its *scope*. A token minted with a password may do all its
//! account may (`full`); a personal access token does only what its owner chose when
//! making it — buy (`buyer`), check codes in at the doors the account keeps (`door`), or
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
    /// Everything an admin may do (the account must be an admin).
    Admin,
}

/// The scopes a personal access token may be given, in the order a form offers them.
pub const PERSONAL: [TokenScope; 3] = [TokenScope::Buyer, TokenScope::Door, TokenScope::Admin];

impl TokenScope {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Full => "full",
            TokenScope::Buyer => "buyer",
            TokenScope::Door => "door",
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

    /// Whether it may use the admin API (its account being an admin).
    pub fn allows_admin(self) -> bool {
        matches!(self, TokenScope::Full | TokenScope::Admin)
    }

    /// Whether an account with these roles may make a token of this scope: `admin`
    /// needs an admin, `door` door staff (or an admin), `buyer` anyone.
    pub fn grantable(self, is_admin: bool, is_door: bool) -> bool {
        match self {
            TokenScope::Full => false,
            TokenScope::Buyer => true,
            TokenScope::Door => is_door || is_admin,
            TokenScope::Admin => is_admin,
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
        assert!(Buyer.allows_buying() && !Buyer.allows_door() && !Buyer.allows_admin());
        assert!(!Door.allows_buying() && Door.allows_door() && !Door.allows_admin());
        assert!(Admin.allows_buying() && Admin.allows_door() && Admin.allows_admin());
        assert!(Full.allows_buying() && Full.allows_door() && Full.allows_admin());
    }

    #[test]
    fn a_scope_is_granted_only_within_the_accounts_roles() {
        use TokenScope::*;
        assert!(Buyer.grantable(false, false));
        assert!(!Door.grantable(false, false));
        assert!(Door.grantable(false, true));
        assert!(Door.grantable(true, false));
        assert!(!Admin.grantable(false, true));
        assert!(Admin.grantable(true, false));
        assert!(
            !Full.grantable(true, true),
            "full is for password log-ins only"
        );
    }

    #[test]
    fn stored_spellings_read_back() {
        for scope in [
            TokenScope::Full,
            TokenScope::Buyer,
            TokenScope::Door,
            TokenScope::Admin,
        ] {
            assert_eq!(TokenScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(TokenScope::parse("root"), None);
        assert_eq!(TokenScope::parse_personal("full"), None);
        assert_eq!(TokenScope::parse_personal("door"), Some(TokenScope::Door));
    }
}
