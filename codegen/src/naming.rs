//! The one place where a document's strings become Rust identifiers.
//!
//! Every generated identifier comes from here, so the guarantees hold
//! everywhere: the result is ASCII, a legal identifier (keywords are raw
//! identifiers at emission, `self`/`Self`/`crate`/`super` get a suffix, a
//! leading digit gets a prefix), and [`Namespace`] makes it unique with a
//! stable numeric suffix. Nothing of the document's text reaches the output
//! as code except through these functions.

use std::collections::BTreeSet;
use std::path::Path;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that are keywords in edition 2024 (strict and reserved); they are
/// emitted as raw identifiers (`r#type`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names of the Rust prelude that read as something else when a generated
/// item takes them: generated code uses the types unqualified (`Option`,
/// `Vec`, `String`, `Box`), the variants as values (`Some`, `None`), and a
/// debug print of `Some(Status::None)` reads as nothing at all. Types and
/// enum variants with these names get another one.
const PRELUDE: &[&str] = &["Option", "Some", "None", "Result", "Ok", "Err", "Vec", "String", "Box"];

/// Names no document type may take: the generated `Client`, and the prelude.
pub(crate) fn reserved_types() -> Namespace {
    let mut reserved = vec!["Client"];
    reserved.extend_from_slice(PRELUDE);
    Namespace::with_reserved(&reserved)
}

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "crate", "super", "_"];

/// Whether `word` must be written `r#word`.
pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Spells out symbols that would otherwise vanish, so enum values such as
/// `+1`/`-1` or `>=` keep distinct, meaningful names.
fn symbol_word(c: char) -> Option<&'static str> {
    Some(match c {
        '+' => "plus",
        '-' => "minus",
        '*' => "star",
        '=' => "eq",
        '<' => "lt",
        '>' => "gt",
        '!' => "not",
        '@' => "at",
        '#' => "hash",
        '$' => "dollar",
        '%' => "percent",
        '&' => "and",
        '|' => "or",
        '.' => "dot",
        '/' => "slash",
        ':' => "colon",
        '~' => "tilde",
        '^' => "caret",
        '?' => "question",
        _ => return None,
    })
}

/// Reduces arbitrary text to ASCII words separated by `_`, which heck then
/// re-cases. Non-ASCII characters and punctuation become word breaks.
fn words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    out
}

/// Like [`words`] but a text made only of symbols (`+`, `>=`, `*`) is spelled out.
fn words_or_symbols(text: &str) -> String {
    let plain = words(text);
    if plain.chars().any(|c| c.is_ascii_alphanumeric()) {
        // Keep a leading sign: `-1` and `1` must not collide silently.
        let mut prefix = String::new();
        if let Some(first) = text.chars().next().and_then(|c| if c == '-' || c == '+' { symbol_word(c) } else { None })
        {
            prefix.push_str(first);
            prefix.push('_');
        }
        return prefix + &plain;
    }
    let spelled: Vec<&str> = text.chars().filter_map(symbol_word).collect();
    spelled.join("_")
}

/// `UpperCamelCase` type or variant name. `fallback` is used when nothing
/// usable is left; `digit_prefix` goes before a leading digit.
fn pascal(text: &str, fallback: &str, digit_prefix: &str) -> String {
    let mut name = words_or_symbols(text).to_upper_camel_case();
    if name.is_empty() {
        name = fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("{digit_prefix}{name}");
    }
    if name == "Self" {
        name.push_str("Type");
    }
    name
}

/// `snake_case` field, method or parameter name.
fn snake(text: &str, fallback: &str) -> String {
    let mut name = words_or_symbols(text).to_snake_case();
    if name.is_empty() {
        name = fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("_{name}");
    }
    if NOT_RAW.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// A type name (`Pet`, `OrderStatus`).
pub(crate) fn type_name(text: &str) -> String {
    pascal(text, "Unnamed", "Type")
}

/// An enum variant name.
pub(crate) fn variant_name(text: &str) -> String {
    pascal(text, "Empty", "Value")
}

/// The variant name for a value of a string enum: a value that reads as a
/// prelude name gets `Value` appended (`none` → `NoneValue`, not `None`).
/// Union variants are named after their types (`String(String)`) and keep
/// their names: there the name says what the variant holds.
pub(crate) fn enum_value_name(value: &str) -> String {
    let mut name = variant_name(value);
    if PRELUDE.contains(&name.as_str()) {
        name.push_str("Value");
    }
    name
}

/// A field, method or parameter name.
pub(crate) fn field_name(text: &str) -> String {
    snake(text, "field")
}

/// A method name.
pub(crate) fn method_name(text: &str) -> String {
    snake(text, "call")
}

/// The module name for a document: its file stem in snake case.
pub(crate) fn module_name_from_path(path: &Path) -> String {
    let stem = path.file_name().and_then(|s| s.to_str()).unwrap_or("api");
    let stem = stem
        .strip_suffix(".json")
        .or_else(|| stem.strip_suffix(".yaml"))
        .or_else(|| stem.strip_suffix(".yml"))
        .unwrap_or(stem);
    let name = snake(stem, "api");
    if is_keyword(&name) { format!("{name}_api") } else { name }
}

/// A set of names already taken in one scope (a module, a struct's fields,
/// an enum's variants, a method's parameters). Claims are first come, first
/// served, so callers claim in a stable order and the suffixes are stable.
#[derive(Debug, Default, Clone)]
pub(crate) struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    /// A namespace with some names reserved up front.
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Namespace { taken: reserved.iter().map(|s| fold(s)).collect() }
    }

    /// Takes `name`, or `name2`, `name3`, ... if it is taken. Comparison
    /// ignores case and underscores, so `FooBar` and `Foo_bar` cannot both be
    /// emitted (they would confuse readers and collide in other cases).
    pub(crate) fn claim(&mut self, name: String) -> String {
        if self.taken.insert(fold(&name)) {
            return name;
        }
        let separator = if name.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" };
        for n in 2u32.. {
            let candidate = format!("{name}{separator}{n}");
            if self.taken.insert(fold(&candidate)) {
                return candidate;
            }
        }
        // The loop above only ends by returning: u32 never runs out before memory does.
        name
    }
}

fn fold(name: &str) -> String {
    name.chars().filter(|c| *c != '_').map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_ident(s: &str) -> bool {
        let s = s.strip_prefix("r#").unwrap_or(s);
        syn::parse_str::<syn::Ident>(s).is_ok() || is_keyword(s)
    }

    #[test]
    fn names_are_legal_identifiers_for_hostile_text() {
        let hostile = [
            "",
            " ",
            "*/",
            "\"]",
            "#[",
            "}",
            "r#\"",
            "a\nb",
            "\0",
            "\u{202e}evil",
            "type",
            "self",
            "Self",
            "crate",
            "super",
            "123abc",
            "😀",
            "foo-bar",
            "foo.bar",
            "+1",
            "-1",
            ">=",
            "_",
            "__",
            "1",
            "Ünïcödé",
        ];
        for text in hostile {
            for name in [type_name(text), variant_name(text), field_name(text), method_name(text)] {
                assert!(name.is_ascii(), "{text:?} -> {name:?}");
                assert!(is_ident(&name) && !NOT_RAW.contains(&name.as_str()), "{text:?} -> {name:?}");
            }
        }
    }

    #[test]
    fn keywords_kept_for_raw_emission_and_specials_suffixed() {
        assert_eq!(field_name("type"), "type");
        assert!(is_keyword(&field_name("type")));
        assert_eq!(field_name("self"), "self_");
        assert_eq!(type_name("self"), "SelfType");
        assert_eq!(field_name("1st"), "_1st");
        assert_eq!(type_name("2fa"), "Type2fa");
        assert_eq!(variant_name("+1"), "Plus1");
        assert_eq!(variant_name("-1"), "Minus1");
        assert_eq!(variant_name(">="), "GtEq");
    }

    #[test]
    fn enum_values_that_read_as_prelude_names_are_renamed() {
        for (value, name) in [
            ("none", "NoneValue"),
            ("some", "SomeValue"),
            ("ok", "OkValue"),
            ("err", "ErrValue"),
            ("Option", "OptionValue"),
            ("string", "StringValue"),
            ("vec", "VecValue"),
            ("box", "BoxValue"),
            ("result", "ResultValue"),
            ("none_value", "NoneValue"),
            ("nothing", "Nothing"),
            ("active", "Active"),
        ] {
            assert_eq!(enum_value_name(value), name, "{value}");
        }
        let mut types = reserved_types();
        assert_eq!(types.claim(type_name("option")), "Option2");
        assert_eq!(types.claim(type_name("none")), "None2");
        assert_eq!(types.claim(type_name("client")), "Client2");
    }

    #[test]
    fn namespace_suffixes_are_stable_and_case_blind() {
        let mut ns = Namespace::with_reserved(&["Client"]);
        assert_eq!(ns.claim("Client".into()), "Client2");
        assert_eq!(ns.claim("FooBar".into()), "FooBar");
        assert_eq!(ns.claim("Foo_bar".into()), "Foo_bar2");
        assert_eq!(ns.claim("V1".into()), "V1");
        assert_eq!(ns.claim("V1".into()), "V1_2");
    }

    #[test]
    fn module_names() {
        assert_eq!(module_name_from_path(Path::new("openapi/Pet-Store.v2.yaml")), "pet_store_v2");
        assert_eq!(module_name_from_path(Path::new("type.json")), "type_api");
    }
}
