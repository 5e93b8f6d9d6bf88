//! The arguments both macros take: the document's path, then optional
//! `key = "value"` settings.
//!
//! `generate!("openapi/orders.yaml", api_version = "2024-01-01")` and
//! `#[client(spec = "openapi/orders.yaml", api_version = "2024-01-01")]` are
//! parsed by the same code: the path may be written positionally or as
//! `spec = "..."` in either macro. Every problem found is reported in one
//! pass, each at the token it is about.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Token};

/// Which macro the arguments belong to, so messages show the right syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Macro {
    /// `gusset::generate!(...)`
    Generate,
    /// `#[gusset::client(...)]`
    Client,
}

impl Macro {
    /// How the path is written in this macro, for error messages.
    fn example(self) -> &'static str {
        match self {
            Macro::Generate => "`gusset::generate!(\"openapi/orders.yaml\")`",
            Macro::Client => "`#[gusset::client(spec = \"openapi/orders.yaml\")]`",
        }
    }
}

/// The checked arguments of either macro.
pub(crate) struct Args {
    /// The document's path as written, relative to `CARGO_MANIFEST_DIR`;
    /// document errors point at this literal.
    pub(crate) spec: LitStr,
    /// `api_version = "..."`: overrides the version sent on every request.
    pub(crate) api_version: Option<LitStr>,
    /// `version_header = "..."`: the header that carries the version.
    pub(crate) version_header: Option<LitStr>,
    /// `serde = "both"`: every type implements `Serialize` and `Deserialize`
    /// (`"needed"`, the default: each only what the client uses).
    pub(crate) serde_both_ways: bool,
    /// `mock = "on"`: also generate `mod mock`, the typed mock server, behind the user's crate's
    /// own `mock` feature (which must turn on `gusset/mock`); `"off"`, the default, generates none.
    pub(crate) mock: bool,
}

impl std::fmt::Debug for Args {
    // By hand: syn's `Debug` impls need its `extra-traits` feature.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("spec", &self.spec.value())
            .field("api_version", &self.api_version.as_ref().map(LitStr::value))
            .field("version_header", &self.version_header.as_ref().map(LitStr::value))
            .field("serde_both_ways", &self.serde_both_ways)
            .field("mock", &self.mock)
            .finish()
    }
}

/// The names `key = "value"` may use, listed in messages.
const KEYS: &str = "`spec`, `api_version`, `version_header`, `serde`, `mock`";

/// One argument before checking: a bare expression (the path) or a pair.
enum Arg {
    Positional(Expr),
    Pair { key: Ident, value: Expr },
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `Ident::peek_any` also accepts keywords, so `type = ".."` gets the
        // friendlier "unknown argument" message rather than a parse error.
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let key = Ident::parse_any(input)?;
            input.parse::<Token![=]>()?;
            let value = input.parse()?;
            Ok(Arg::Pair { key, value })
        } else {
            Ok(Arg::Positional(input.parse()?))
        }
    }
}

impl Args {
    /// Parses and checks the arguments of `which`, collecting every problem
    /// into one error.
    pub(crate) fn parse(tokens: TokenStream, which: Macro) -> syn::Result<Args> {
        let parsed = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens)?;
        let mut errors = Errors::default();
        let mut spec: Option<LitStr> = None;
        let mut api_version = None;
        let mut version_header = None;
        let mut serde = None;
        let mut mock = None;
        for (index, arg) in parsed.into_iter().enumerate() {
            match arg {
                Arg::Positional(expr) => {
                    if index > 0 || spec.is_some() {
                        errors.push(&expr, "unexpected argument: settings are written `key = \"value\"`");
                    } else {
                        let what =
                            || format!("expected the document's path as a string literal, like {}", which.example());
                        spec = string_literal(&expr, &mut errors, what)
                            .and_then(|lit| non_empty(lit, "spec", &mut errors));
                    }
                }
                Arg::Pair { key, value } => {
                    let name = key.unraw().to_string();
                    let slot = match name.as_str() {
                        "spec" => &mut spec,
                        "api_version" => &mut api_version,
                        "version_header" => &mut version_header,
                        "serde" => &mut serde,
                        "mock" => &mut mock,
                        _ => {
                            errors.push(&key, format!("unknown argument `{name}`: expected one of {KEYS}"));
                            continue;
                        }
                    };
                    if slot.is_some() {
                        errors.push(&key, format!("`{name}` is given more than once"));
                        continue;
                    }
                    let what = || format!("`{name}` expects a string literal, like `{name} = \"...\"`");
                    *slot =
                        string_literal(&value, &mut errors, what).and_then(|lit| non_empty(lit, &name, &mut errors));
                }
            }
        }
        if spec.is_none() && errors.is_empty() {
            let message = format!("missing the OpenAPI document's path: write {}", which.example());
            errors.push_at(Span::call_site(), message);
        }
        let serde_both_ways = match serde.as_ref().map(|lit| (lit, lit.value())) {
            None => false,
            Some((_, value)) if value == "needed" => false,
            Some((_, value)) if value == "both" => true,
            Some((lit, value)) => {
                errors.push(
                    lit,
                    format!(
                        "unknown `serde = \"{}\"`: expected \"needed\" (the default) or \"both\"",
                        value.escape_debug()
                    ),
                );
                false
            }
        };
        let mock = match mock.as_ref().map(|lit| (lit, lit.value())) {
            None => false,
            Some((_, value)) if value == "off" => false,
            Some((_, value)) if value == "on" => true,
            Some((lit, value)) => {
                errors.push(
                    lit,
                    format!("unknown `mock = \"{}\"`: expected \"on\" or \"off\" (the default)", value.escape_debug()),
                );
                false
            }
        };
        errors.finish()?;
        match spec {
            Some(spec) => Ok(Args { spec, api_version, version_header, serde_both_ways, mock }),
            // Unreachable in practice: a missing spec was reported above.
            None => Err(syn::Error::new(Span::call_site(), "missing the OpenAPI document's path")),
        }
    }

    /// The codegen settings these arguments ask for.
    pub(crate) fn settings(&self) -> gusset_codegen::Settings {
        // Nobody reads macro output, so the `@generated` header is noise.
        let mut settings = gusset_codegen::Settings::new().header_comment(false);
        if let Some(version) = &self.api_version {
            settings = settings.api_version(version.value());
        }
        if let Some(header) = &self.version_header {
            settings = settings.api_version_header(header.value());
        }
        settings.serde_both_ways(self.serde_both_ways).mock(self.mock)
    }
}

/// The string literal in `expr`, or an error saying `what` was expected.
fn string_literal(expr: &Expr, errors: &mut Errors, what: impl FnOnce() -> String) -> Option<LitStr> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), attrs }) if attrs.is_empty() => Some(lit.clone()),
        _ => {
            errors.push(expr, what());
            None
        }
    }
}

/// `lit` unless it is blank, which is reported.
fn non_empty(lit: LitStr, name: &str, errors: &mut Errors) -> Option<LitStr> {
    if lit.value().trim().is_empty() {
        errors.push(&lit, format!("`{name}` is empty"));
        None
    } else {
        Some(lit)
    }
}

/// Errors collected in one pass and combined, so a user sees them all.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Records an error spanning `tokens`.
    pub(crate) fn push(&mut self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.add(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span`.
    pub(crate) fn push_at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.add(syn::Error::new(span, message));
    }

    /// Records an already built error.
    pub(crate) fn add(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `Err` with every recorded error, or `Ok` when there were none.
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn messages(result: syn::Result<Args>) -> Vec<String> {
        match result {
            Ok(args) => panic!("expected errors, got {args:?}"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn positional_path_and_settings() {
        let args =
            Args::parse(
                quote!(
                    "openapi/orders.yaml",
                    api_version = "2024-01-01",
                    version_header = "X-Api-Version",
                    serde = "both",
                ),
                Macro::Generate,
            )
            .unwrap();
        assert_eq!(args.spec.value(), "openapi/orders.yaml");
        let settings = args.settings();
        assert_eq!(settings.version_header(), Some("X-Api-Version"));
        assert_eq!(
            settings,
            gusset_codegen::Settings::new()
                .header_comment(false)
                .api_version("2024-01-01")
                .api_version_header("X-Api-Version")
                .serde_both_ways(true)
        );
        let needed = Args::parse(quote!("a.yaml", serde = "needed"), Macro::Generate).unwrap();
        assert_eq!(needed.settings(), gusset_codegen::Settings::new().header_comment(false));
    }

    #[test]
    fn mock_is_on_only_when_asked() {
        let on = Args::parse(quote!("a.yaml", mock = "on"), Macro::Generate).unwrap();
        assert_eq!(on.settings(), gusset_codegen::Settings::new().header_comment(false).mock(true));
        let off = Args::parse(quote!("a.yaml", mock = "off"), Macro::Client).unwrap();
        assert_eq!(off.settings(), gusset_codegen::Settings::new().header_comment(false));
        assert_eq!(
            messages(Args::parse(quote!("a.yaml", mock = "yes"), Macro::Generate)),
            ["unknown `mock = \"yes\"`: expected \"on\" or \"off\" (the default)"]
        );
    }

    #[test]
    fn spec_key_works_in_both_macros() {
        for which in [Macro::Generate, Macro::Client] {
            let args = Args::parse(quote!(spec = "a.yaml"), which).unwrap();
            assert_eq!(args.spec.value(), "a.yaml");
            assert!(args.api_version.is_none());
        }
    }

    #[test]
    fn every_problem_is_reported_in_one_pass() {
        let found = messages(Args::parse(
            quote!(spec = 42, colour = "red", api_version = "1", api_version = "2", version_header = X, serde = "all"),
            Macro::Client,
        ));
        assert_eq!(
            found,
            [
                "`spec` expects a string literal, like `spec = \"...\"`",
                "unknown argument `colour`: expected one of `spec`, `api_version`, `version_header`, `serde`, `mock`",
                "`api_version` is given more than once",
                "`version_header` expects a string literal, like `version_header = \"...\"`",
                "unknown `serde = \"all\"`: expected \"needed\" (the default) or \"both\"",
            ]
        );
    }

    #[test]
    fn missing_or_misplaced_path() {
        assert_eq!(
            messages(Args::parse(quote!(), Macro::Generate)),
            ["missing the OpenAPI document's path: write `gusset::generate!(\"openapi/orders.yaml\")`"]
        );
        assert_eq!(
            messages(Args::parse(quote!(api_version = "1"), Macro::Client)),
            ["missing the OpenAPI document's path: write `#[gusset::client(spec = \"openapi/orders.yaml\")]`"]
        );
        assert_eq!(
            messages(Args::parse(quote!(PATH), Macro::Generate)),
            ["expected the document's path as a string literal, like `gusset::generate!(\"openapi/orders.yaml\")`"]
        );
        assert_eq!(
            messages(Args::parse(quote!("a.yaml", "b.yaml"), Macro::Generate)),
            ["unexpected argument: settings are written `key = \"value\"`"]
        );
        assert_eq!(messages(Args::parse(quote!(""), Macro::Generate)), ["`spec` is empty"]);
    }

    #[test]
    fn syntax_errors_are_errors_not_panics() {
        assert!(Args::parse(quote!("a.yaml" api_version), Macro::Generate).is_err());
        assert!(Args::parse(quote!(api_version =), Macro::Generate).is_err());
        assert!(Args::parse(quote!(,), Macro::Generate).is_err());
    }
}
