//! What a deprecated item's `#[deprecated(note = "...")]` says: the document's own words when its
//! description has a sentence about the deprecation, else a plain statement; and the dates that
//! extensions give (`x-sunset`, `x-deprecated-at`, GitHub's `x-github.deprecationDate` and
//! `removalDate`, Cloudflare's `x-cfDeprecation.eol`), which also go into the docs.

use indexmap::IndexMap;
use serde_json::Value;

use super::docs::docs;

/// The longest note kept: it is printed in every warning at every use.
const MAX_NOTE: usize = 300;

/// The note of an item the document deprecates, and a line for its docs when dates are known.
pub(crate) struct Note {
    pub(crate) note: String,
    pub(crate) dates: Option<String>,
}

/// `None` unless `deprecated`.
pub(crate) fn note(deprecated: bool, description: Option<&str>, extensions: &IndexMap<String, Value>) -> Option<Note> {
    if !deprecated {
        return None;
    }
    let said = extension_text(extensions).or_else(|| description.and_then(sentence));
    let dates = dates(extensions);
    let note = match (said, &dates) {
        (Some(said), Some(dates)) => format!("{said} Deprecated {dates}."),
        (Some(said), None) => said,
        (None, Some(dates)) => format!("Deprecated {dates}."),
        (None, None) => "Deprecated in the API document.".to_owned(),
    };
    let note = clean(&note);
    Some(Note { note, dates: dates.map(|d| format!("**Deprecated** {}.", clean(&d))) })
}

/// `docs` with the line of dates at the end, when there is one.
pub(crate) fn with_dates(mut docs: crate::ir::Docs, note: Option<&Note>) -> crate::ir::Docs {
    if let Some(dates) = note.and_then(|n| n.dates.as_ref()) {
        if !docs.lines.is_empty() {
            docs.lines.push(String::new());
        }
        docs.lines.push(dates.clone());
    }
    docs
}

/// A description's first sentence that speaks of deprecation.
fn sentence(description: &str) -> Option<String> {
    let line = description.lines().find(|l| l.to_ascii_lowercase().contains("deprecat"))?;
    let line = line.trim().trim_start_matches(['#', '*', '>', '-', ' ']);
    let lower = line.to_ascii_lowercase();
    let at = lower.find("deprecat")?;
    // From the start of the sentence holding the word to its end.
    let start = line[..at].rfind(". ").map_or(0, |i| i + 2);
    let end = line[at..].find(". ").map_or(line.len(), |i| at + i + 1);
    let text = line[start..end].trim().replace("**", "");
    (!text.is_empty()).then_some(text)
}

/// A description an extension gives of the deprecation (`x-cfDeprecation.description`).
fn extension_text(extensions: &IndexMap<String, Value>) -> Option<String> {
    let text = extensions.get("x-cfDeprecation")?.get("description")?.as_str()?;
    (!text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// `since 2020-02-26; to be removed on 2021-02-21` from the extensions that say.
fn dates(extensions: &IndexMap<String, Value>) -> Option<String> {
    let text =
        |v: Option<&Value>| v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let github = extensions.get("x-github");
    let since = text(extensions.get("x-deprecated-at"))
        .or_else(|| text(extensions.get("x-deprecation-date")))
        .or_else(|| text(github.and_then(|g| g.get("deprecationDate"))));
    let until = text(extensions.get("x-sunset"))
        .or_else(|| text(github.and_then(|g| g.get("removalDate"))))
        .or_else(|| text(extensions.get("x-cfDeprecation").and_then(|c| c.get("eol"))));
    match (since, until) {
        (Some(since), Some(until)) => Some(format!("since {since}; to be removed on {until}")),
        (Some(since), None) => Some(format!("since {since}")),
        (None, Some(until)) => Some(format!("until {until}, when it is to be removed")),
        (None, None) => None,
    }
}

/// One line of plain text, without control characters, cut at [`MAX_NOTE`] characters.
fn clean(text: &str) -> String {
    let line = docs(&[Some(text)]).lines.join(" ");
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(MAX_NOTE) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(json: serde_json::Value) -> IndexMap<String, Value> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn notes_use_the_documents_words_and_dates() {
        let none = IndexMap::new();
        assert!(note(false, Some("Deprecated."), &none).is_none());
        assert_eq!(note(true, None, &none).unwrap().note, "Deprecated in the API document.");
        let said = "Lists the pets.\n\n**Deprecation notice:** this endpoint is deprecated. Use `/v2/pets` instead. More text.";
        let n = note(true, Some(said), &none).unwrap();
        assert_eq!(n.note, "Deprecation notice: this endpoint is deprecated.");
        assert!(n.dates.is_none());
        let github =
            ext(serde_json::json!({"x-github": {"deprecationDate": "2020-02-26", "removalDate": "2021-02-21"}}));
        let n = note(true, None, &github).unwrap();
        assert_eq!(n.note, "Deprecated since 2020-02-26; to be removed on 2021-02-21.");
        assert_eq!(n.dates.as_deref(), Some("**Deprecated** since 2020-02-26; to be removed on 2021-02-21."));
        let cf = ext(serde_json::json!({"x-cfDeprecation": {"description": "Use apps instead.", "eol": "2023-03-19"}}));
        assert_eq!(
            note(true, None, &cf).unwrap().note,
            "Use apps instead. Deprecated until 2023-03-19, when it is to be removed."
        );
        let sunset = ext(serde_json::json!({"x-sunset": "2030-01-01", "x-deprecated-at": "2029-01-01"}));
        assert_eq!(
            note(true, None, &sunset).unwrap().note,
            "Deprecated since 2029-01-01; to be removed on 2030-01-01."
        );
        let hostile = ext(serde_json::json!({"x-sunset": "\"); panic!(\"\u{7}"}));
        assert!(!note(true, None, &hostile).unwrap().note.contains('\u{7}'));
        assert!(note(true, Some(&"deprecated ".repeat(200)), &none).unwrap().note.chars().count() <= MAX_NOTE + 1);
    }
}
