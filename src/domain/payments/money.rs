//! Money: an amount in the currency's minor unit and an ISO 4217 currency code.

use std::fmt;

/// Currencies Stripe charges with no minor unit (its documented zero-decimal list): an
/// amount of 500 JPY is ¥500. MGA has two decimals in ISO 4217 but none at Stripe.
const STRIPE_ZERO_DECIMAL: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// Zero-decimal in ISO 4217 but sent to Stripe as two-decimal amounts (×100, a
/// multiple of 100) for backwards compatibility, as Stripe's currency guide says.
const STRIPE_TWO_DECIMAL_OVERRIDE: [&str; 1] = ["ISK"];

/// The currencies the admin form offers (any ISO 4217 currency is accepted when typed).
pub const COMMON_CURRENCIES: [&str; 8] = ["EUR", "USD", "GBP", "CHF", "SEK", "DKK", "PLN", "JPY"];

/// A currency of ISO 4217 that is money (no funds, precious metals, test or superseded
/// codes), with its number of minor-unit digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    code: String,
    decimals: u32,
}

impl Currency {
    pub fn parse(input: &str) -> Result<Currency, &'static str> {
        let code = input.trim().to_ascii_uppercase();
        if !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err("Use a three-letter currency code such as EUR.");
        }
        let known = iso_currency::Currency::from_code(&code)
            .filter(|c| !c.is_fund() && !c.is_special() && c.is_superseded().is_none());
        match known.and_then(|c| c.exponent()) {
            Some(exponent) => Ok(Currency {
                code,
                decimals: u32::from(exponent),
            }),
            None => Err("That is not a currency code of ISO 4217 (for example EUR, USD, JPY)."),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// How many digits follow the decimal point in this currency (ISO 4217's minor unit).
    pub fn decimals(&self) -> u32 {
        self.decimals
    }

    /// The digits after the decimal point in the amounts Stripe's API takes.
    pub fn stripe_decimals(&self) -> u32 {
        if STRIPE_ZERO_DECIMAL.contains(&self.code.as_str()) {
            0
        } else if STRIPE_TWO_DECIMAL_OVERRIDE.contains(&self.code.as_str()) {
            2
        } else {
            self.decimals
        }
    }

    /// The smallest step, in minor units, a payable price can take: Stripe charges
    /// three-decimal currencies in steps of 10 (the last digit must be 0) and charges
    /// currencies it treats as zero-decimal in whole units.
    pub fn price_step(&self) -> i64 {
        let whole = 10_i64.pow(self.decimals.saturating_sub(self.stripe_decimals()));
        if self.decimals == 3 {
            whole.max(10)
        } else {
            whole
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
        let currency = Currency::parse(currency).unwrap_or_else(|_| Currency {
            // A code saved before currencies were checked: shown as two-decimal.
            code: currency.to_owned(),
            decimals: 2,
        });
        Money { pennies, currency }
    }

    /// The amount in the unit Stripe's API expects for this currency (its "minor unit",
    /// which differs from ISO 4217 for a few currencies), or `None` when it cannot be
    /// expressed there exactly.
    pub fn stripe_amount(&self) -> Option<i64> {
        let (iso, stripe) = (self.currency.decimals(), self.currency.stripe_decimals());
        if stripe >= iso {
            self.pennies.checked_mul(10_i64.pow(stripe - iso))
        } else {
            let factor = 10_i64.pow(iso - stripe);
            (self.pennies % factor == 0).then(|| self.pennies / factor)
        }
    }

    /// The amount in this currency's ISO minor units of an amount Stripe reported.
    pub fn pennies_from_stripe(amount: i64, currency: &Currency) -> Option<i64> {
        let (iso, stripe) = (currency.decimals(), currency.stripe_decimals());
        if iso >= stripe {
            amount.checked_mul(10_i64.pow(iso - stripe))
        } else {
            let factor = 10_i64.pow(stripe - iso);
            (amount % factor == 0).then(|| amount / factor)
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
            return Err(match decimals {
                0 => "This currency has no decimal places.",
                2 => "Use at most two decimal places.",
                _ => "Use at most three decimal places.",
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
        let pennies = whole * scale + fraction_value;
        if currency.stripe_decimals() != currency.decimals() {
            // Refunds send the stored amount as it is, so only currencies whose unit
            // is the same at Stripe can be sold (all but ISK and MGA).
            return Err("Card payments in this currency are not supported yet.");
        }
        if pennies % currency.price_step() != 0 {
            return Err(if currency.decimals() == 3 {
                "Card payments in this currency go in steps of 0.010: end the price with 0."
            } else {
                "Card payments in this currency take whole units only."
            });
        }
        Ok(Money { pennies, currency })
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

/// "1,234,567": the digits of a whole number grouped in threes.
fn grouped(whole: i64) -> String {
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if whole < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

impl Money {
    /// The amount for a person to read, in major units with grouped digits and without
    /// the currency ("1,234.50"); `major_units` keeps the raw number for forms and CSV.
    pub fn readable_units(&self) -> String {
        let decimals = self.currency.decimals();
        let scale = 10_i64.pow(decimals);
        let whole = grouped(self.pennies / scale);
        let sign = if self.pennies < 0 && self.pennies / scale == 0 {
            "-"
        } else {
            ""
        };
        if decimals == 0 {
            return whole;
        }
        format!(
            "{sign}{whole}.{:0width$}",
            (self.pennies % scale).abs(),
            width = decimals as usize
        )
    }
}

/// How every page and mail shows money: "€1,234.50", "1,500 CHF", "Free" for nothing.
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
            Some(symbol) => write!(f, "{symbol}{}", self.readable_units()),
            None => write!(f, "{} {}", self.readable_units(), self.currency.as_str()),
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
    fn money_reads_with_grouped_digits_and_forms_keep_the_raw_number() {
        let show = |pennies, code| Money::from_stored(pennies, code).to_string();
        assert_eq!(show(123_450, "EUR"), "€1,234.50");
        assert_eq!(show(2500, "EUR"), "€25.00");
        assert_eq!(show(100_000_000, "USD"), "$1,000,000.00");
        assert_eq!(show(1_500_000, "JPY"), "¥1,500,000");
        assert_eq!(show(999, "JPY"), "¥999");
        assert_eq!(show(1_234_567, "KWD"), "1,234.567 KWD");
        assert_eq!(show(0, "EUR"), "Free");
        assert_eq!(show(-50, "EUR"), "€-0.50");
        assert_eq!(show(-123_450, "EUR"), "€-1,234.50");
        assert_eq!(Money::from_stored(123_450, "EUR").major_units(), "1234.50");
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
    fn only_iso_4217_money_is_a_currency() {
        for bad in ["ZZZ", "XAU", "XTS", "XXX", "CLF", "HRK"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(Currency::parse("jpy").unwrap().decimals(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().decimals(), 3);
        assert_eq!(Currency::parse("usd").unwrap().decimals(), 2);
    }

    #[test]
    fn three_decimal_currencies_parse_format_and_go_to_stripe_in_their_minor_unit() {
        let bhd = Currency::parse("BHD").unwrap();
        let price = Money::parse("12.5", bhd.clone()).unwrap();
        assert_eq!(price.pennies, 12_500);
        assert_eq!(price.major_units(), "12.500");
        assert_eq!(price.to_string(), "12.500 BHD");
        assert_eq!(price.stripe_amount(), Some(12_500));
        assert!(
            Money::parse("12.505", bhd.clone()).is_err(),
            "Stripe needs a final 0"
        );
        assert!(Money::parse("1.2345", bhd).is_err());
    }

    #[test]
    fn zero_decimal_and_special_currencies_go_to_stripe_correctly() {
        let jpy = Money::parse("3000", Currency::parse("JPY").unwrap()).unwrap();
        assert_eq!(jpy.stripe_amount(), Some(3000));
        let krw = Money::parse("15000", Currency::parse("KRW").unwrap()).unwrap();
        assert_eq!(krw.to_string(), "15,000 KRW");
        assert_eq!(krw.stripe_amount(), Some(15000));
        // ISK: no decimals in ISO 4217, two-decimal amounts at Stripe.
        let isk = Currency::parse("ISK").unwrap();
        let price = Money::from_stored(990, "ISK");
        assert_eq!(price.stripe_amount(), Some(99_000));
        assert_eq!(Money::pennies_from_stripe(99_000, &isk), Some(990));
        // MGA: two decimals in ISO 4217, none at Stripe.
        let mga = Currency::parse("MGA").unwrap();
        let price = Money::from_stored(1000, "MGA");
        assert_eq!(price.stripe_amount(), Some(10));
        assert_eq!(Money::from_stored(1050, "MGA").stripe_amount(), None);
        assert_eq!(Money::pennies_from_stripe(10, &mga), Some(1000));
        // Not for sale until refunds carry the currency.
        assert!(Money::parse("990", isk).is_err());
        assert!(Money::parse("10", mga).is_err());
        let eur = Money::parse("25.50", Currency::parse("EUR").unwrap()).unwrap();
        assert_eq!(eur.stripe_amount(), Some(2550));
    }

    #[test]
    fn displays_for_people() {
        assert_eq!(Money::from_stored(4500, "EUR").to_string(), "€45.00");
        assert_eq!(Money::from_stored(999, "CHF").to_string(), "9.99 CHF");
        assert_eq!(Money::from_stored(3000, "JPY").to_string(), "¥3,000");
        assert_eq!(Money::from_stored(0, "EUR").to_string(), "Free");
        assert_eq!(Money::from_stored(1205, "EUR").major_units(), "12.05");
    }
}
