//! Money: an amount in the currency's minor unit and an ISO 4217 currency code.

use std::fmt;

/// Currencies Stripe treats as having no minor unit: an amount of 500 JPY is ¥500.
const ZERO_DECIMAL: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// The currencies the admin form offers (any ISO code is accepted when typed).
pub const COMMON_CURRENCIES: [&str; 8] = ["EUR", "USD", "GBP", "CHF", "SEK", "DKK", "PLN", "JPY"];

/// An ISO 4217 code: three ASCII capital letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency(String);

impl Currency {
    pub fn parse(input: &str) -> Result<Currency, &'static str> {
        let code = input.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(code))
        } else {
            Err("Use a three-letter currency code such as EUR.")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many digits follow the decimal point in this currency.
    pub fn decimals(&self) -> u32 {
        if ZERO_DECIMAL.contains(&self.0.as_str()) {
            0
        } else {
            2
        }
    }
}

/// An amount in minor units ("pennies") of a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub pennies: i64,
    pub currency: Currency,
}

/// The highest price the shop accepts: one million in major units.
const MAX_MAJOR_UNITS: i64 = 1_000_000;

impl Money {
    /// Builds from stored values, which the database constraints keep valid.
    pub fn from_stored(pennies: i64, currency: &str) -> Money {
        Money {
            pennies,
            currency: Currency(currency.to_owned()),
        }
    }

    /// Parses a price typed in major units ("12.50", "12", "0") for a currency.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, &'static str> {
        let amount = amount.trim();
        if amount.is_empty() {
            return Err("Enter a price, for example 25.00.");
        }
        let decimals = currency.decimals();
        let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
        let digits_ok = !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.bytes().all(|b| b.is_ascii_digit());
        if !digits_ok || (amount.contains('.') && fraction.is_empty()) {
            return Err("Enter a price as a number, for example 25.00.");
        }
        if fraction.len() > decimals as usize {
            return Err(if decimals == 0 {
                "This currency has no decimal places."
            } else {
                "Use at most two decimal places."
            });
        }
        let whole: i64 = whole.parse().map_err(|_| "That price is too high.")?;
        if whole > MAX_MAJOR_UNITS {
            return Err("That price is too high.");
        }
        let scale = 10_i64.pow(decimals);
        let fraction_value: i64 = if fraction.is_empty() {
            0
        } else {
            let padded = format!("{fraction:0<width$}", width = decimals as usize);
            padded
                .parse()
                .map_err(|_| "Enter a price as a number, for example 25.00.")?
        };
        Ok(Money {
            pennies: whole * scale + fraction_value,
            currency,
        })
    }

    /// The amount in major units without the currency ("12.50"), as a form shows it.
    pub fn major_units(&self) -> String {
        let decimals = self.currency.decimals();
        if decimals == 0 {
            return self.pennies.to_string();
        }
        let scale = 10_i64.pow(decimals);
        format!(
            "{}.{:0width$}",
            self.pennies / scale,
            self.pennies % scale,
            width = decimals as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pennies == 0 {
            return f.write_str("Free");
        }
        let symbol = match self.currency.as_str() {
            "EUR" => Some("€"),
            "USD" => Some("$"),
            "GBP" => Some("£"),
            "JPY" => Some("¥"),
            _ => None,
        };
        match symbol {
            Some(symbol) => write!(f, "{symbol}{}", self.major_units()),
            None => write!(f, "{} {}", self.major_units(), self.currency.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("eur").unwrap()
    }

    #[test]
    fn parses_prices_in_major_units() {
        assert_eq!(Money::parse("12.5", eur()).unwrap().pennies, 1250);
        assert_eq!(Money::parse("12.05", eur()).unwrap().pennies, 1205);
        assert_eq!(Money::parse("0", eur()).unwrap().pennies, 0);
        assert_eq!(
            Money::parse("3000", Currency::parse("JPY").unwrap())
                .unwrap()
                .pennies,
            3000
        );
    }

    #[test]
    fn rejects_bad_prices() {
        for bad in ["", "-1", "1.234", "abc", "1.", ".5", "1e3", "99999999999"] {
            assert!(
                Money::parse(bad, eur()).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert!(Money::parse("10.5", Currency::parse("JPY").unwrap()).is_err());
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert_eq!(Currency::parse(" gbp ").unwrap().as_str(), "GBP");
        for bad in ["", "EU", "EURO", "E1R", "€"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn displays_for_people() {
        assert_eq!(Money::from_stored(4500, "EUR").to_string(), "€45.00");
        assert_eq!(Money::from_stored(999, "CHF").to_string(), "9.99 CHF");
        assert_eq!(Money::from_stored(3000, "JPY").to_string(), "¥3000");
        assert_eq!(Money::from_stored(0, "EUR").to_string(), "Free");
        assert_eq!(Money::from_stored(1205, "EUR").major_units(), "12.05");
    }
}
