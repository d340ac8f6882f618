//! Country codes: the book's lists, validation, and the flags2 code expansion.
//!
//! A [`Code`] is exactly two ASCII letters, stored upper case. It is the only
//! way a code reaches a URL or a file name, so `../x`, `a/b`, `CNN`, the empty
//! string and non-ASCII input are refused before any request is made.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// The 20 most populous countries, in the book's order (`POP20_CC`).
pub const POP20_CC: [&str; 20] = [
    "CN", "IN", "US", "ID", "BR", "PK", "NG", "BD", "RU", "JP", "MX", "PH", "VN", "ET", "EG", "DE",
    "IR", "TR", "CD", "FR",
];

/// The 194 codes of the book's flags (`--all`), sorted.
pub const ALL_CC: [&str; 194] = [
    "AD", "AE", "AF", "AG", "AL", "AM", "AO", "AR", "AT", "AU", "AZ", "BA", "BB", "BD", "BE", "BF",
    "BG", "BH", "BI", "BJ", "BN", "BO", "BR", "BS", "BT", "BW", "BY", "BZ", "CA", "CD", "CF", "CG",
    "CH", "CI", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CY", "CZ", "DE", "DJ", "DK", "DM", "DZ",
    "EC", "EE", "EG", "ER", "ES", "ET", "FI", "FJ", "FM", "FR", "GA", "GB", "GD", "GE", "GH", "GM",
    "GN", "GQ", "GR", "GT", "GW", "GY", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IN", "IQ", "IR",
    "IS", "IT", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KZ", "LA",
    "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MG", "MH",
    "MK", "ML", "MM", "MN", "MR", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NE", "NG", "NI",
    "NL", "NO", "NP", "NR", "NZ", "OM", "PA", "PE", "PG", "PH", "PK", "PL", "PT", "PW", "PY", "QA",
    "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SI", "SK", "SL", "SM", "SN", "SO",
    "SR", "SS", "ST", "SV", "SY", "SZ", "TD", "TG", "TH", "TJ", "TL", "TM", "TN", "TO", "TR", "TT",
    "TV", "TW", "TZ", "UA", "UG", "US", "UY", "UZ", "VA", "VC", "VE", "VN", "VU", "WS", "YE", "ZA",
    "ZM", "ZW",
];

/// A country code: exactly two ASCII letters, kept upper case (`BD`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code([u8; 2]);

/// A string that is not a country code; it names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid country code {input:?}: a code is exactly two letters A to Z, like BD")]
pub struct CodeError {
    /// What was given.
    pub input: String,
}

impl Code {
    /// Parses two ASCII letters, either case: `"bd"` and `"BD"` both give `BD`.
    pub fn parse(input: &str) -> Result<Code, CodeError> {
        match input.as_bytes() {
            &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Code([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(CodeError {
                input: input.to_owned(),
            }),
        }
    }

    /// The code in upper case, as the book prints it: `"BD"`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a Code holds two ASCII letters")
    }

    /// The code in lower case, as it appears in URLs and file names: `"bd"`.
    pub fn lower(&self) -> String {
        self.as_str().to_ascii_lowercase()
    }

    /// All 676 codes `AA` to `ZZ`, sorted (the book's `--every`).
    pub fn every() -> impl Iterator<Item = Code> {
        (b'A'..=b'Z').flat_map(|a| (b'A'..=b'Z').map(move |b| Code([a, b])))
    }

    /// The 26 codes that start with `letter` (`B` gives `BA` to `BZ`).
    fn starting_with(letter: u8) -> impl Iterator<Item = Code> {
        (b'A'..=b'Z').map(move |b| Code([letter, b]))
    }
}

impl FromStr for Code {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Code, CodeError> {
        Code::parse(s)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

fn parse_all(codes: &[&str]) -> Vec<Code> {
    codes
        .iter()
        .map(|cc| Code::parse(cc).expect("the book's lists hold valid codes"))
        .collect()
}

/// `POP20_CC` as codes, in the book's order (callers sort when the script does).
pub fn pop20() -> Vec<Code> {
    parse_all(&POP20_CC)
}

/// The 194 `--all` codes, sorted.
pub fn all() -> Vec<Code> {
    parse_all(&ALL_CC)
}

/// A `CC` argument of flags2 that is neither a letter nor two letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("each CC argument must be A to Z or AA to ZZ.")]
pub struct CcArgError {
    /// The argument as given.
    pub arg: String,
}

/// The flags2 code expansion (`expand_cc_args` in `flags2_common.py`).
///
/// `every` beats `all`, which beats the `CC` arguments; a one-letter argument
/// means the 26 codes starting with it; no arguments means `POP20_CC`. The
/// codes are collected in a set, sorted, then cut to `limit`.
pub fn expand_cc_args(
    every: bool,
    all: bool,
    cc_args: &[String],
    limit: Option<usize>,
) -> Result<Vec<Code>, CcArgError> {
    let mut codes = BTreeSet::new();
    if every {
        codes.extend(Code::every());
    } else if all {
        codes.extend(self::all());
    } else if cc_args.is_empty() {
        codes.extend(pop20());
    } else {
        for arg in cc_args {
            match arg.as_bytes() {
                &[letter] if letter.is_ascii_alphabetic() => {
                    codes.extend(Code::starting_with(letter.to_ascii_uppercase()));
                }
                _ => {
                    let code = Code::parse(arg).map_err(|_| CcArgError { arg: arg.clone() })?;
                    codes.insert(code);
                }
            }
        }
    }
    let limit = limit.unwrap_or(usize::MAX);
    Ok(codes.into_iter().take(limit).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    fn texts(codes: &[Code]) -> Vec<&str> {
        codes.iter().map(Code::as_str).collect()
    }

    #[test]
    fn lower_case_codes_are_upper_cased() {
        assert_eq!(Code::parse("bd").unwrap().as_str(), "BD");
        assert_eq!(Code::parse("Bd").unwrap().lower(), "bd");
        assert_eq!(Code::parse("BD").unwrap().to_string(), "BD");
    }

    #[test]
    fn anything_but_two_ascii_letters_is_refused_and_named() {
        for bad in [
            "", "B", "CNN", "../x", "a/b", "..", "b1", "1b", "é", "ÉÉ", "b ", "%2e", "\0a",
        ] {
            let err = Code::parse(bad).unwrap_err();
            assert_eq!(err.input, bad);
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn the_book_lists_are_valid_sorted_and_sized() {
        assert_eq!(pop20().len(), 20);
        let all = all();
        assert_eq!(all.len(), 194);
        assert!(all.windows(2).all(|w| w[0] < w[1]), "ALL_CC sorted, unique");
        assert!(pop20().iter().all(|cc| all.contains(cc)));
    }

    #[test]
    fn every_gives_676_sorted_codes() {
        let every: Vec<Code> = Code::every().collect();
        assert_eq!(every.len(), 676);
        assert_eq!(every[0].as_str(), "AA");
        assert_eq!(every[675].as_str(), "ZZ");
        assert!(every.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn no_arguments_means_pop20_sorted() {
        let codes = expand_cc_args(false, false, &[], None).unwrap();
        let mut expected = POP20_CC.to_vec();
        expected.sort();
        assert_eq!(texts(&codes), expected);
    }

    #[test]
    fn one_letter_means_26_codes() {
        let codes = expand_cc_args(false, false, &strings(&["b"]), None).unwrap();
        assert_eq!(codes.len(), 26);
        assert_eq!(codes[0].as_str(), "BA");
        assert_eq!(codes[25].as_str(), "BZ");
    }

    #[test]
    fn codes_are_a_sorted_set_cut_to_the_limit() {
        let args = strings(&["us", "BR", "b", "cn", "US"]);
        let codes = expand_cc_args(false, false, &args, None).unwrap();
        assert_eq!(codes.len(), 28, "BA..BZ plus CN and US, BR once");
        let codes = expand_cc_args(false, false, &args, Some(3)).unwrap();
        assert_eq!(texts(&codes), ["BA", "BB", "BC"]);
    }

    #[test]
    fn every_beats_all_beats_arguments() {
        let args = strings(&["cn"]);
        assert_eq!(expand_cc_args(true, true, &args, None).unwrap().len(), 676);
        assert_eq!(expand_cc_args(false, true, &args, None).unwrap().len(), 194);
        assert_eq!(expand_cc_args(true, false, &[], Some(5)).unwrap().len(), 5);
    }

    #[test]
    fn bad_cc_arguments_give_the_book_message() {
        for bad in ["CNN", "1", "", "../x", "é"] {
            let err = expand_cc_args(false, false, &strings(&["cn", bad]), None).unwrap_err();
            assert_eq!(err.arg, bad);
            assert_eq!(
                err.to_string(),
                "each CC argument must be A to Z or AA to ZZ."
            );
        }
    }
}
