//! Stripe's minimum charge per currency (docs.stripe.com/currencies, "Minimum and maximum
//! charge amounts"): a Checkout Session below it fails at every try, so a price below it
//! is refused where it is set, with the figure in the message.

use crate::domain::payments::money::{Currency, Money};

/// The published minimums, in each currency's major units × 100 (cents and the like);
/// for JPY (no minor unit) the figure is in yen.
const MINIMUMS: &[(&str, i64)] = &[
    ("USD", 50),
    ("AED", 200),
    ("AUD", 50),
    ("BGN", 100),
    ("BRL", 50),
    ("CAD", 50),
    ("CHF", 50),
    ("CZK", 1500),
    ("DKK", 250),
    ("EUR", 50),
    ("GBP", 30),
    ("HKD", 400),
    ("HUF", 17500),
    ("INR", 50),
    ("JPY", 50),
    ("MXN", 1000),
    ("MYR", 200),
    ("NOK", 300),
    ("NZD", 50),
    ("PLN", 200),
    ("RON", 200),
    ("SEK", 300),
    ("SGD", 50),
    ("THB", 1000),
];

/// The smallest non-zero price Stripe will charge in this currency, where Stripe
/// publishes one (other currencies are converted to the account's currency by Stripe,
/// whose minimum then applies: unknown here, so not checked).
pub fn minimum_charge(currency: &Currency) -> Option<Money> {
    let (_, hundredths) = MINIMUMS
        .iter()
        .find(|(code, _)| *code == currency.as_str())?;
    // The table is in hundredths of the major unit (whole yen for JPY); the shop stores
    // ISO 4217 minor units.
    let pennies = if currency.as_str() == "JPY" {
        *hundredths
    } else {
        hundredths * 10_i64.pow(currency.decimals()) / 100
    };
    Some(Money::from_stored(pennies, currency.as_str()))
}

/// `Err` with a message for a non-zero price below Stripe's minimum charge.
pub fn check(price: &Money) -> Result<(), String> {
    let currency = &price.currency;
    match minimum_charge(currency) {
        Some(minimum) if price.pennies > 0 && price.pennies < minimum.pennies => Err(format!(
            "Stripe cannot charge less than {minimum} in {}: set at least {minimum}, or 0 for a free ticket.",
            currency.as_str()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn price(pennies: i64, currency: &str) -> Money {
        Money::from_stored(pennies, currency)
    }

    #[test]
    fn a_price_below_the_minimum_is_refused_with_the_figure() {
        let message = check(&price(49, "EUR")).unwrap_err();
        assert!(message.contains("€0.50"), "{message}");
        assert!(check(&price(50, "EUR")).is_ok());
        assert!(check(&price(0, "EUR")).is_ok(), "free is not a charge");
        assert!(check(&price(29, "GBP")).is_err());
        assert!(check(&price(30, "GBP")).is_ok());
        assert!(check(&price(49, "JPY")).is_err());
        assert!(check(&price(50, "JPY")).is_ok());
        assert!(check(&price(17_400, "HUF")).is_err());
    }

    #[test]
    fn currencies_without_a_published_minimum_are_not_checked() {
        assert!(check(&price(1, "KWD")).is_ok());
    }
}
