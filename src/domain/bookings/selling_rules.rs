//! How many seats of a ticket type one booking may take: the cap per booking and the
//! type's selling rule, judged against the seats still available. Pure: the inventory
//! (`domain::bookings::inventory::allocate`) applies it inside the transaction, on the row its
//! optimistic update guards, and the event page asks it which quantities to offer.

use std::fmt;

use chrono::NaiveDateTime;

pub use crate::db::status::SellingRule;
use crate::domain::common::time_zone::{self, Tz};

/// The cap a new ticket type gets.
pub const DEFAULT_MAX_PER_ORDER: i32 = 10;
/// The highest cap an admin may set.
pub const MAX_PER_ORDER_LIMIT: i32 = 50;

/// Why a quantity cannot be bought now, in words a buyer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleRefusal {
    /// Fewer than one seat asked for.
    NoSeats,
    SoldOut,
    /// Above the cap per booking.
    TooMany {
        max: i32,
    },
    /// More than are left.
    NotEnough {
        left: i32,
    },
    /// `even`: an odd quantity.
    InPairs,
    /// `all_together`: anything but every seat left.
    AllTogether {
        left: i32,
    },
    /// `avoid_one`: the purchase would leave exactly one seat.
    WouldLeaveOne,
    /// Before the type's sale window (`domain::catalogue::sale_window`): opens then, written in
    /// the event's zone.
    NotYetOnSale {
        opens: NaiveDateTime,
        zone: Tz,
    },
    /// At or after the end of the type's sale window.
    SalesEnded,
}

impl RuleRefusal {
    /// The API's problem code: `not_yet_on_sale`, `sales_ended`, or `selling_rule` for
    /// the cap and the rules.
    pub fn code(&self) -> &'static str {
        match self {
            RuleRefusal::NotYetOnSale { .. } => "not_yet_on_sale",
            RuleRefusal::SalesEnded => "sales_ended",
            _ => "selling_rule",
        }
    }
}

impl fmt::Display for RuleRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleRefusal::NoSeats => f.write_str("Choose at least 1 seat."),
            RuleRefusal::SoldOut => f.write_str("Sorry, that ticket type is sold out."),
            RuleRefusal::TooMany { max } => write!(f, "Sorry, at most {max} per booking."),
            RuleRefusal::NotEnough { left: 1 } => f.write_str("Sorry, only 1 left."),
            RuleRefusal::NotEnough { left } => write!(f, "Sorry, only {left} left."),
            RuleRefusal::InPairs => {
                f.write_str("Sorry, these seats are sold in pairs: choose an even number.")
            }
            RuleRefusal::AllTogether { left } => write!(
                f,
                "Sorry, only all {left} remaining seats can be bought together."
            ),
            RuleRefusal::WouldLeaveOne => {
                f.write_str("Sorry, that would leave a single seat; choose 1 fewer or 1 more.")
            }
            RuleRefusal::NotYetOnSale { opens, zone } => write!(
                f,
                "Sorry, this ticket type is not on sale yet: on sale from {}.",
                time_zone::display(*opens, *zone)
            ),
            RuleRefusal::SalesEnded => f.write_str("Sorry, sales of this ticket type have ended."),
        }
    }
}

/// Whether `quantity` seats may be bought when `available` are left.
pub fn judge(
    rule: SellingRule,
    max_per_order: i32,
    available: i32,
    quantity: i32,
) -> Result<(), RuleRefusal> {
    if quantity < 1 {
        return Err(RuleRefusal::NoSeats);
    }
    if available <= 0 {
        return Err(RuleRefusal::SoldOut);
    }
    if quantity > max_per_order {
        return Err(RuleRefusal::TooMany { max: max_per_order });
    }
    if rule == SellingRule::AllTogether && quantity != available {
        return Err(RuleRefusal::AllTogether { left: available });
    }
    if quantity > available {
        return Err(RuleRefusal::NotEnough { left: available });
    }
    match rule {
        SellingRule::Even if quantity % 2 != 0 => Err(RuleRefusal::InPairs),
        SellingRule::AvoidOne if available - quantity == 1 => Err(RuleRefusal::WouldLeaveOne),
        _ => Ok(()),
    }
}

/// Whether `given` of a paid booking's `quantity` seats may be given back, the others
/// kept: the rule the seats were sold under still holds for what stays. `all_together`
/// seats were sold as one block and go back only whole (a cancel); `even` seats go back
/// in pairs; giving back every seat is a cancel, not a give-back. The refusal in words.
pub fn judge_give_back(rule: SellingRule, quantity: i32, given: i32) -> Result<(), &'static str> {
    if given < 1 {
        return Err("Choose at least one seat to give back.");
    }
    if given >= quantity {
        return Err("To give back every seat, cancel the whole booking instead.");
    }
    match rule {
        SellingRule::AllTogether => Err(
            "These seats were sold only all together: they can be given back only by cancelling the whole booking.",
        ),
        SellingRule::Even if given % 2 != 0 => {
            Err("These seats are sold in pairs: give back an even number of seats.")
        }
        _ => Ok(()),
    }
}

/// Whether a paid booking of `quantity` seats may give back some of them at all.
pub fn may_give_back_some(rule: SellingRule, quantity: i32) -> bool {
    (1..quantity).any(|given| judge_give_back(rule, quantity, given).is_ok())
}

/// Every quantity that may be bought now, smallest first (empty when none may).
pub fn allowed_quantities(rule: SellingRule, max_per_order: i32, available: i32) -> Vec<i32> {
    (1..=max_per_order.min(available))
        .filter(|&q| judge(rule, max_per_order, available, q).is_ok())
        .collect()
}

/// The rule in a few words, for the event page and the admin.
pub fn describe(rule: SellingRule) -> &'static str {
    match rule {
        SellingRule::Any => "any number",
        SellingRule::Even => "sold in pairs",
        SellingRule::AllTogether => "only all remaining seats together",
        SellingRule::AvoidOne => "never leaves a single seat",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SellingRule::*;

    #[test]
    fn any_takes_every_quantity_up_to_the_cap_and_what_is_left() {
        assert_eq!(judge(Any, 10, 20, 0), Err(RuleRefusal::NoSeats));
        assert_eq!(judge(Any, 10, 20, 1), Ok(()));
        assert_eq!(judge(Any, 10, 20, 10), Ok(()));
        assert_eq!(
            judge(Any, 10, 20, 11),
            Err(RuleRefusal::TooMany { max: 10 })
        );
        assert_eq!(
            judge(Any, 10, 3, 4),
            Err(RuleRefusal::NotEnough { left: 3 })
        );
        assert_eq!(judge(Any, 10, 3, 3), Ok(()));
        assert_eq!(judge(Any, 10, 0, 1), Err(RuleRefusal::SoldOut));
        assert_eq!(allowed_quantities(Any, 10, 3), vec![1, 2, 3]);
    }

    #[test]
    fn even_is_sold_in_pairs() {
        assert_eq!(judge(Even, 10, 20, 1), Err(RuleRefusal::InPairs));
        assert_eq!(judge(Even, 10, 20, 2), Ok(()));
        assert_eq!(judge(Even, 10, 20, 3), Err(RuleRefusal::InPairs));
        assert_eq!(
            judge(Even, 10, 3, 2),
            Ok(()),
            "leaving one is fine for pairs"
        );
        assert_eq!(allowed_quantities(Even, 10, 5), vec![2, 4]);
        assert_eq!(allowed_quantities(Even, 10, 1), Vec::<i32>::new());
    }

    #[test]
    fn all_together_takes_exactly_the_rest() {
        assert_eq!(judge(AllTogether, 10, 4, 4), Ok(()));
        assert_eq!(
            judge(AllTogether, 10, 4, 3),
            Err(RuleRefusal::AllTogether { left: 4 })
        );
        assert_eq!(
            judge(AllTogether, 10, 4, 5),
            Err(RuleRefusal::AllTogether { left: 4 })
        );
        assert_eq!(
            judge(AllTogether, 3, 4, 4),
            Err(RuleRefusal::TooMany { max: 3 })
        );
        assert_eq!(allowed_quantities(AllTogether, 10, 4), vec![4]);
        assert_eq!(allowed_quantities(AllTogether, 10, 40), Vec::<i32>::new());
    }

    #[test]
    fn avoid_one_never_leaves_a_single_seat() {
        assert_eq!(judge(AvoidOne, 10, 3, 2), Err(RuleRefusal::WouldLeaveOne));
        assert_eq!(judge(AvoidOne, 10, 3, 3), Ok(()), "leaving zero is fine");
        assert_eq!(judge(AvoidOne, 10, 3, 1), Ok(()));
        assert_eq!(allowed_quantities(AvoidOne, 10, 3), vec![1, 3]);
        assert_eq!(allowed_quantities(AvoidOne, 10, 2), vec![2]);
    }

    #[test]
    fn giving_back_keeps_the_rule_the_seats_were_sold_under() {
        assert_eq!(judge_give_back(Any, 3, 1), Ok(()));
        assert_eq!(judge_give_back(Any, 3, 2), Ok(()));
        assert!(
            judge_give_back(Any, 3, 3)
                .unwrap_err()
                .contains("cancel the whole booking")
        );
        assert!(judge_give_back(Any, 3, 0).is_err());
        assert_eq!(judge_give_back(AvoidOne, 3, 1), Ok(()));
        assert!(
            judge_give_back(Even, 4, 1)
                .unwrap_err()
                .contains("in pairs")
        );
        assert_eq!(judge_give_back(Even, 4, 2), Ok(()));
        assert!(
            judge_give_back(AllTogether, 4, 2)
                .unwrap_err()
                .contains("all together")
        );
        assert!(may_give_back_some(Any, 2));
        assert!(!may_give_back_some(Any, 1));
        assert!(!may_give_back_some(Even, 2));
        assert!(may_give_back_some(Even, 4));
        assert!(!may_give_back_some(AllTogether, 10));
    }

    #[test]
    fn refusals_say_why_in_words() {
        assert!(RuleRefusal::InPairs.to_string().contains("sold in pairs"));
        assert!(
            RuleRefusal::AllTogether { left: 4 }
                .to_string()
                .contains("only all 4 remaining seats can be bought together")
        );
        assert!(
            RuleRefusal::WouldLeaveOne
                .to_string()
                .contains("that would leave a single seat; choose 1 fewer or 1 more")
        );
        assert!(
            RuleRefusal::TooMany { max: 10 }
                .to_string()
                .contains("at most 10 per booking")
        );
        assert!(
            RuleRefusal::NotEnough { left: 3 }
                .to_string()
                .contains("only 3 left")
        );
    }
}
