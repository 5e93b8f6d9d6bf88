//! A document's diagnostics as compile errors at the path literal.
//!
//! rustc prints each `syn::Error` of a combined error as its own `error:`,
//! so every problem of the document gets its own line, all pointing at the
//! literal the user wrote. Warnings are left out: a proc-macro has no stable
//! way to emit them, and `cargo gusset check` shows them.

use std::path::Path;

use gusset_codegen::{Diagnostic, Error};
use proc_macro2::Span;

/// How many errors are shown in full before the rest are counted; enough to
/// fix a document in one round without burying the first one.
const SHOWN: usize = 20;

/// Every error of `error` as one combined `syn::Error` at `span`.
///
/// `manifest_dir` is cut from file names and messages so errors show the
/// paths the user wrote (and UI test expectations do not depend on where
/// the repository lives).
pub(crate) fn document_errors(error: &Error, span: Span, written: &str, manifest_dir: Option<&Path>) -> syn::Error {
    let errors: Vec<&Diagnostic> = error.errors().collect();
    let mut combined: Option<syn::Error> = None;
    let mut push = |message: String| {
        let next = syn::Error::new(span, message);
        match &mut combined {
            Some(all) => all.combine(next),
            None => combined = Some(next),
        }
    };
    for diagnostic in errors.iter().take(SHOWN) {
        push(describe(diagnostic, manifest_dir));
    }
    if errors.len() > SHOWN {
        push(format!(
            "... and {} more errors in `{written}`: `cargo gusset check --all {written}` shows every one",
            errors.len() - SHOWN
        ));
    }
    match combined {
        Some(all) => all,
        // An `Error` always holds an error; say something useful regardless.
        None => syn::Error::new(span, format!("cannot generate a client from `{written}`: {error}")),
    }
}

/// `message at #/pointer (file:line:col)`, like the codegen's `Display` but
/// without the severity, which rustc adds.
fn describe(diagnostic: &Diagnostic, manifest_dir: Option<&Path>) -> String {
    let mut text = format!("{} at #{}", relative_in_text(&diagnostic.message, manifest_dir), diagnostic.pointer);
    if let Some(location) = &diagnostic.location {
        let file = manifest_dir.and_then(|dir| location.file.strip_prefix(dir).ok()).unwrap_or(&location.file);
        text.push_str(&format!(" ({}:{}:{})", file.display(), location.line, location.column));
    }
    text
}

/// `text` with the manifest directory (and its separator) removed wherever
/// a message quotes a file under it.
fn relative_in_text(text: &str, manifest_dir: Option<&Path>) -> String {
    match manifest_dir.map(|dir| dir.display().to_string()) {
        Some(dir) if !dir.is_empty() => {
            let with_separator = format!("{dir}{}", std::path::MAIN_SEPARATOR);
            text.replace(&with_separator, "").replace(&dir, ".")
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn located(message: &str, pointer: &str, file: &str, line: usize) -> Diagnostic {
        Diagnostic::error(pointer, message).at(gusset_codegen::Location { file: PathBuf::from(file), line, column: 3 })
    }

    #[test]
    fn paths_are_shown_as_the_user_wrote_them() {
        let dir = Path::new("/home/me/crate");
        let d =
            located("cannot read `/home/me/crate/openapi/other.yaml`", "/paths", "/home/me/crate/openapi/a.yaml", 7);
        assert_eq!(describe(&d, Some(dir)), "cannot read `openapi/other.yaml` at #/paths (openapi/a.yaml:7:3)");
        let outside = located("bad", "", "/elsewhere/a.yaml", 1);
        assert_eq!(describe(&outside, Some(dir)), "bad at # (/elsewhere/a.yaml:1:3)");
        assert_eq!(describe(&Diagnostic::error("/x", "bad"), None), "bad at #/x");
    }
}
