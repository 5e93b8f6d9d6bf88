//! Value types generated code uses for OpenAPI string formats: `date-time`, `date` and `byte`.
//! Each serialises as the string the format prescribes and is lenient where servers are known to be
//! sloppy (a space instead of `T`, lowercase, URL-safe or unpadded base64).

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;

/// The error of parsing a [`DateTime`], [`Date`] or [`Base64`] from a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseValueError {
    message: String,
}

impl fmt::Display for ParseValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseValueError {}

fn snippet(input: &str) -> String {
    input.chars().take(40).collect()
}

/// An RFC 3339 timestamp (OpenAPI `format: date-time`).
///
/// ```
/// let t: gusset::DateTime = "2024-05-06 07:08:09.5z".parse().unwrap();
/// assert_eq!(t.to_string(), "2024-05-06T07:08:09.5Z");
/// assert_eq!(t.year(), 2024); // through `Deref` to `time::OffsetDateTime`
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(pub time::OffsetDateTime);

impl FromStr for DateTime {
    type Err = ParseValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // RFC 3339 itself allows a space or a lowercase `t`/`z` (section 5.6, note); `time` does
        // not, so normalise those before parsing.
        let mut text = s.trim().to_owned();
        if let Some(b' ' | b't') = text.as_bytes().get(10) {
            text.replace_range(10..11, "T");
        }
        if text.ends_with('z') {
            text.pop();
            text.push('Z');
        }
        time::OffsetDateTime::parse(&text, &Rfc3339)
            .map(DateTime)
            .map_err(|e| ParseValueError { message: format!("invalid date-time `{}`: {e}", snippet(s)) })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(text) => f.write_str(&text),
            // Rfc3339 cannot express years outside 0..=9999 or sub-minute offsets; fall back to
            // `time`'s own rendering rather than failing a log line.
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl From<time::OffsetDateTime> for DateTime {
    fn from(value: time::OffsetDateTime) -> Self {
        Self(value)
    }
}

impl From<DateTime> for time::OffsetDateTime {
    fn from(value: DateTime) -> Self {
        value.0
    }
}

impl Deref for DateTime {
    type Target = time::OffsetDateTime;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for DateTime {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// A calendar date, `YYYY-MM-DD` (OpenAPI `format: date`).
///
/// ```
/// let d: gusset::Date = "2024-02-29".parse().unwrap();
/// assert_eq!(d.to_string(), "2024-02-29");
/// assert!("2023-02-29".parse::<gusset::Date>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(pub time::Date);

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl FromStr for Date {
    type Err = ParseValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        time::Date::parse(s.trim(), DATE_FORMAT)
            .map(Date)
            .map_err(|e| ParseValueError { message: format!("invalid date `{}`: {e}", snippet(s)) })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(DATE_FORMAT) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl From<time::Date> for Date {
    fn from(value: time::Date) -> Self {
        Self(value)
    }
}

impl From<Date> for time::Date {
    fn from(value: Date) -> Self {
        value.0
    }
}

impl Deref for Date {
    type Target = time::Date;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Date {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// Bytes sent as base64 text (OpenAPI `format: byte`): standard alphabet with padding on output;
/// standard or URL-safe, padded or not, on input.
///
/// ```
/// let b: gusset::Base64 = "aGk_".parse().unwrap(); // URL-safe, unpadded
/// assert_eq!(&b[..], b"hi?");
/// assert_eq!(b.to_string(), "aGk/");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Base64(pub Vec<u8>);

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

impl FromStr for Base64 {
    type Err = ParseValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // MIME-style encoders wrap lines; whitespace is never data.
        let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let engine = if compact.contains(['-', '_']) { &URL_SAFE_LENIENT } else { &STANDARD_LENIENT };
        engine
            .decode(compact.as_bytes())
            .map(Base64)
            .map_err(|e| ParseValueError { message: format!("invalid base64 `{}`: {e}", snippet(s)) })
    }
}

impl fmt::Display for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl From<Vec<u8>> for Base64 {
    fn from(value: Vec<u8>) -> Self {
        Self(value)
    }
}

impl From<Base64> for Vec<u8> {
    fn from(value: Base64) -> Self {
        value.0
    }
}

impl Deref for Base64 {
    type Target = Vec<u8>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Base64 {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// Serde through `Display`/`FromStr`, shared by the three types.
macro_rules! serde_via_str {
    ($($ty:ty => $what:literal),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    )*};
}

serde_via_str!(DateTime => "an RFC 3339 date-time string", Date => "a `YYYY-MM-DD` date string", Base64 => "a base64 string");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time_round_trips_and_is_lenient() {
        let t: DateTime = "2024-05-06T07:08:09+02:00".parse().unwrap();
        assert_eq!(t.to_string(), "2024-05-06T07:08:09+02:00");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2024-05-06T07:08:09+02:00\"");
        assert_eq!(serde_json::from_str::<DateTime>(&json).unwrap(), t);
        let same: DateTime = "2024-05-06 05:08:09z".parse().unwrap();
        assert_eq!(same, t, "same instant, different spelling");
        let lower: DateTime = "2024-05-06t05:08:09.250Z".parse().unwrap();
        assert_eq!(lower.millisecond(), 250);
        for bad in ["", "2024-05-06", "2024-13-01T00:00:00Z", "yesterday", "2024-05-06T07:08:09"] {
            let err = bad.parse::<DateTime>().unwrap_err();
            assert!(err.to_string().starts_with("invalid date-time `"), "{err}");
        }
        assert!(serde_json::from_str::<DateTime>("12").is_err());
        let odt: time::OffsetDateTime = t.into();
        assert_eq!(DateTime::from(odt), t);
    }

    #[test]
    fn date_round_trips() {
        let d: Date = "0999-01-02".parse().unwrap();
        assert_eq!(d.to_string(), "0999-01-02");
        assert_eq!(serde_json::to_value(d).unwrap(), serde_json::json!("0999-01-02"));
        assert_eq!(serde_json::from_value::<Date>(serde_json::json!("2020-12-31")).unwrap().day(), 31);
        assert!("2020-1-1".parse::<Date>().is_err());
        assert!("2020-01-01T00:00:00Z".parse::<Date>().is_err());
    }

    #[test]
    fn base64_accepts_variants() {
        let bytes = vec![0xfb, 0xff, 0xbf, 0x00, 0x61];
        let b = Base64(bytes.clone());
        assert_eq!(b.to_string(), "+/+/AGE=");
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"+/+/AGE=\"");
        for text in ["+/+/AGE=", "+/+/AGE", "-_-_AGE=", "-_-_AGE", "+/+/\nAGE="] {
            assert_eq!(text.parse::<Base64>().unwrap().0, bytes, "{text:?}");
        }
        assert_eq!("".parse::<Base64>().unwrap().0, Vec::<u8>::new());
        assert!("a".parse::<Base64>().is_err());
        assert!("!!!!".parse::<Base64>().is_err());
        assert!(serde_json::from_str::<Base64>("\"@@\"").is_err());
    }
}
