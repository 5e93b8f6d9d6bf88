//! What the macros expand to: the generated client items, plus an
//! `include_bytes!` of every file read so cargo rebuilds when one changes.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens as _, quote};
use syn::parse::{ParseStream, Parser as _};
use syn::{AttrStyle, Attribute, Ident, Item, ItemMod, LitStr, Token};

use crate::args::{Args, Errors, Macro};
use crate::report;

/// The crate being compiled, whose manifest directory relative paths are
/// resolved against (as sqlx does); `None` outside cargo.
pub(crate) fn manifest_dir() -> Option<PathBuf> {
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from)
}

/// `generate!(args)`: the client's items in place, or the errors.
pub(crate) fn generate(args: TokenStream, manifest_dir: Option<&Path>) -> TokenStream {
    let expanded = Args::parse(args, Macro::Generate).and_then(|args| client_items(&args, manifest_dir));
    match expanded {
        // Inner attributes cannot be expanded into the caller's scope; the
        // emitter's crate-level allowances (if any) are dropped here.
        Ok(client) => client.items.iter().map(|item| item.to_token_stream()).collect(),
        Err(error) => error.into_compile_error(),
    }
}

/// `#[client(args)] mod name { user items }`: the module with the user's
/// attributes, visibility, name and items, followed by the client's items.
///
/// On an error the user's module is still emitted, with the error inside
/// it, so one mistake gives one message rather than one per use of the
/// module or of a generated name.
pub(crate) fn client(args: TokenStream, item: TokenStream, manifest_dir: Option<&Path>) -> TokenStream {
    let mut module = match syn::parse2::<ItemMod>(item.clone()) {
        Ok(module) => module,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &item,
                "`#[gusset::client]` goes on a module, like `#[gusset::client(spec = \"openapi/orders.yaml\")] pub mod orders {}`",
            );
            return [error.into_compile_error(), item].into_iter().collect();
        }
    };
    let mut errors = Errors::default();
    let args = Args::parse(args, Macro::Client).map_err(|e| errors.add(e)).ok();
    let Some((_, items)) = &mut module.content else {
        // `mod orders;` would make rustc look for `orders.rs` as well, so
        // only the one error is emitted.
        let name = &module.ident;
        errors.push(
            &module,
            format!("`#[gusset::client]` needs a module with a body: write `mod {name} {{}}`, not `mod {name};`"),
        );
        return errors.finish().err().map(syn::Error::into_compile_error).unwrap_or_default();
    };
    if let Some(args) = args {
        match client_items(&args, manifest_dir) {
            Ok(client) => {
                items.extend(client.items);
                // The emitter's inner attributes (lint allowances, docs)
                // apply to the whole module, as they would to a file.
                module.attrs.extend(client.inner_attrs);
            }
            Err(error) => errors.add(error),
        }
    }
    if let Err(error) = errors.finish() {
        // Inside the module, not before it: rustc reports no name that
        // cannot be resolved in a module holding a failed expansion (it
        // could have defined the name), so the user's items that name
        // generated types (`NewPet`), and paths into the module from
        // outside, give no follow-on errors. One mistake, one message.
        items.insert(0, Item::Verbatim(error.into_compile_error()));
    }
    module.into_token_stream()
}

/// `__expansion!(generate!(args))` or `__expansion!(#[client(args)] mod m {})`:
/// the invocation's expansion, made by the same functions the macros call,
/// as a string literal.
pub(crate) fn expansion(input: TokenStream, manifest_dir: Option<&Path>) -> TokenStream {
    let parser = |stream: ParseStream<'_>| -> syn::Result<TokenStream> {
        if stream.peek(Token![#]) {
            let attribute = stream.call(Attribute::parse_outer)?;
            let [attribute] = &attribute[..] else {
                return Err(stream.error("expected one `#[client(...)]` attribute"));
            };
            if !attribute.path().is_ident("client") {
                return Err(syn::Error::new_spanned(attribute.path(), "expected `client`"));
            }
            let args = attribute.meta.require_list()?.tokens.clone();
            Ok(client(args, stream.parse()?, manifest_dir))
        } else {
            let name: Ident = stream.parse()?;
            if name != "generate" {
                return Err(syn::Error::new(name.span(), "expected `generate!(...)` or `#[client(...)] mod m {}`"));
            }
            stream.parse::<Token![!]>()?;
            let args;
            syn::parenthesized!(args in stream);
            Ok(generate(args.parse()?, manifest_dir))
        }
    };
    match parser.parse2(input) {
        Ok(expanded) => LitStr::new(&expanded.to_string(), Span::call_site()).into_token_stream(),
        Err(error) => error.into_compile_error(),
    }
}

/// The generated client, split so each macro can place it.
struct ClientItems {
    /// The client's items, then one rebuild-tracking constant per input file.
    items: Vec<Item>,
    /// `#![...]` attributes the emitter put at the top.
    inner_attrs: Vec<syn::Attribute>,
}

/// Generates the client for `args.spec`, with errors at the literal.
fn client_items(args: &Args, manifest_dir: Option<&Path>) -> syn::Result<ClientItems> {
    let written = args.spec.value();
    let path = resolve(&args.spec, &written, manifest_dir)?;
    let generated = gusset_codegen::generate_tokens(&path, &args.settings())
        .map_err(|error| report::document_errors(&error, args.spec.span(), &written, manifest_dir))?;
    // Parsed back so inner attributes can be moved where they are legal; a
    // failure here is a bug in the emitter, reported instead of a panic.
    let file = syn::parse2::<syn::File>(generated.tokens().clone()).map_err(|error| {
        syn::Error::new(
            args.spec.span(),
            format!("gusset generated code that does not parse from `{written}` ({error}); please report this"),
        )
    })?;
    let mut inputs: Vec<PathBuf> = generated.inputs().to_vec();
    if inputs.is_empty() {
        inputs.push(path.clone());
    }
    let mut items = file.items;
    items.extend(inputs.iter().filter_map(|input| track(input, &path)));
    let inner_attrs = file.attrs.into_iter().filter(|a| matches!(a.style, AttrStyle::Inner(_))).collect();
    Ok(ClientItems { items, inner_attrs })
}

/// The document's absolute path, or an error at the literal saying why
/// there is no document there.
fn resolve(spec: &LitStr, written: &str, manifest_dir: Option<&Path>) -> syn::Result<PathBuf> {
    let as_written = Path::new(written);
    let path = if as_written.is_absolute() {
        as_written.to_path_buf()
    } else {
        let Some(dir) = manifest_dir else {
            return Err(syn::Error::new(
                spec.span(),
                "`CARGO_MANIFEST_DIR` is not set: the document's path is relative to the crate's `Cargo.toml`, so build with cargo",
            ));
        };
        dir.join(as_written)
    };
    if path.is_dir() {
        return Err(syn::Error::new(spec.span(), format!("`{written}` is a directory, not an OpenAPI document")));
    }
    if !path.is_file() {
        return Err(syn::Error::new(
            spec.span(),
            format!(
                "no OpenAPI document at `{written}` (the path is relative to the directory of the crate's `Cargo.toml`)"
            ),
        ));
    }
    Ok(path)
}

/// `const _: &[u8] = include_bytes!("<absolute path>");`, which makes cargo
/// rebuild the crate when the file changes (proc-macros have no stable
/// dependency tracking yet). The absolute path lives only in these tokens.
fn track(input: &Path, document: &Path) -> Option<Item> {
    let absolute = if input.is_absolute() {
        input.to_path_buf()
    } else {
        // The codegen reports `$ref`'d files relative to the document.
        document.parent().map_or_else(|| input.to_path_buf(), |dir| dir.join(input))
    };
    // A path that is not UTF-8 cannot be written as a string literal; such
    // a file is still read, only not tracked.
    let text = absolute.to_str()?;
    let literal = LitStr::new(text, Span::call_site());
    syn::parse2(quote! { const _: &[u8] = ::core::include_bytes!(#literal); }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_text(tokens: &TokenStream) -> String {
        tokens.to_string()
    }

    #[test]
    fn missing_file_is_an_error_at_the_literal() {
        let dir = tempfile::tempdir().unwrap();
        let out = generate(quote!("openapi/missing.yaml"), Some(dir.path()));
        let text = error_text(&out);
        assert!(text.contains("compile_error"), "{text}");
        assert!(text.contains("no OpenAPI document at `openapi/missing.yaml`"), "{text}");
        assert!(!text.contains(&dir.path().display().to_string()), "absolute path leaked: {text}");
    }

    #[test]
    fn directory_and_no_manifest_dir() {
        let dir = tempfile::tempdir().unwrap();
        let text = error_text(&generate(quote!("."), Some(dir.path())));
        assert!(text.contains("`.` is a directory"), "{text}");
        let text = error_text(&generate(quote!("a.yaml"), None));
        assert!(text.contains("`CARGO_MANIFEST_DIR` is not set"), "{text}");
    }

    #[test]
    fn module_without_body_gives_only_that_error() {
        let out = client(
            quote!(spec = "a.yaml"),
            quote!(
                pub mod orders;
            ),
            None,
        );
        let text = error_text(&out);
        assert!(text.contains("needs a module with a body: write `mod orders {}`"), "{text}");
        assert!(!text.contains("mod orders ;"), "the bodiless module must not be re-emitted: {text}");
    }

    #[test]
    fn errors_keep_the_users_module() {
        let out = client(
            quote!(colour = "red"),
            quote!(
                pub mod orders {
                    pub fn mine() {}
                }
            ),
            None,
        );
        let module: ItemMod = syn::parse2(out).unwrap();
        let items = module.content.unwrap().1;
        assert_eq!(items.len(), 2, "the error, then the user's item");
        let error = items[0].to_token_stream().to_string();
        assert!(error.contains("compile_error") && error.contains("unknown argument `colour`"), "{error}");
        assert!(matches!(&items[1], Item::Fn(f) if f.sig.ident == "mine"));
    }

    #[test]
    fn not_a_module() {
        let out = client(
            quote!(spec = "a.yaml"),
            quote!(
                struct Orders;
            ),
            None,
        );
        let text = error_text(&out);
        assert!(text.contains("goes on a module"), "{text}");
        assert!(text.contains("struct Orders ;"), "{text}");
    }

    /// A document split over two files, so `$ref` tracking is visible.
    fn two_file_document() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("openapi")).unwrap();
        std::fs::write(
            dir.path().join("openapi/api.yaml"),
            "openapi: 3.0.3\ninfo:\n  title: Pets\n  version: '1'\npaths:\n  /pets/{id}:\n    get:\n      operationId: getPet\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '200':\n          description: A pet.\n          content:\n            application/json:\n              schema:\n                $ref: 'schemas.yaml#/Pet'\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("openapi/schemas.yaml"),
            "Pet:\n  type: object\n  required: [name]\n  properties:\n    name: {type: string}\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn generate_expands_to_the_client_and_tracks_every_file_read() {
        let dir = two_file_document();
        let out = generate(quote!("openapi/api.yaml"), Some(dir.path()));
        let file: syn::File = syn::parse2(out).unwrap();
        let names: Vec<String> = file
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Struct(s) => Some(s.ident.to_string()),
                _ => None,
            })
            .collect();
        assert!(names.contains(&"Client".to_owned()) && names.contains(&"Pet".to_owned()), "{names:?}");
        let text = file.to_token_stream().to_string();
        for input in ["openapi/api.yaml", "openapi/schemas.yaml"] {
            let absolute = dir.path().join(input).display().to_string();
            assert!(text.contains(&format!("include_bytes ! (\"{absolute}\")")), "{input} is not tracked");
        }
    }

    #[test]
    fn client_keeps_the_users_items_first() {
        let dir = two_file_document();
        let module = quote! {
            /// Docs of the module.
            pub(crate) mod pets {
                #![allow(missing_docs)]
                pub fn mine() {}
            }
        };
        let out = client(quote!(spec = "openapi/api.yaml", api_version = "2"), module, Some(dir.path()));
        let module: ItemMod = syn::parse2(out).unwrap();
        assert_eq!(module.ident, "pets");
        assert!(matches!(module.vis, syn::Visibility::Restricted(_)));
        assert_eq!(module.attrs.len(), 2, "the doc and the inner attribute are kept");
        let items = module.content.unwrap().1;
        assert!(matches!(&items[0], Item::Fn(f) if f.sig.ident == "mine"));
        assert!(items.iter().any(|item| matches!(item, Item::Struct(s) if s.ident == "Client")));
    }

    #[test]
    fn document_errors_are_located_relative_to_the_manifest() {
        let dir = two_file_document();
        std::fs::write(dir.path().join("openapi/schemas.yaml"), "Dog:\n  type: object\n").unwrap();
        let text = generate(quote!("openapi/api.yaml"), Some(dir.path())).to_string();
        assert!(text.contains("compile_error"), "{text}");
        assert!(text.contains("Pet"), "the message names the missing schema: {text}");
        assert!(text.contains("(openapi/api.yaml:17:"), "{text}");
        assert!(!text.contains(&dir.path().display().to_string()), "absolute path leaked: {text}");
    }

    /// The macro route parses the emitter's unformatted tokens back; every
    /// corpus document that generates must survive that. Documents over
    /// 1 MiB are left to the codegen's own corpus tests: in this unoptimised
    /// test build they take minutes each, and macro users rarely inline them.
    // Slow in an unoptimised build on a loaded 2-core machine (the corpus
    // command covers the same documents in CI): run with `--ignored`.
    #[test]
    #[ignore = "slow: run with `cargo test -p gusset-macros -- --ignored`"]
    fn corpus_documents_expand_without_panics() {
        let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/dev"));
        let Ok(entries) = std::fs::read_dir(corpus) else {
            eprintln!("SKIP corpus_documents_expand_without_panics: no corpus at {}", corpus.display());
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.retain(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("json" | "yaml" | "yml")));
        paths.retain(|p| std::fs::metadata(p).is_ok_and(|m| m.len() <= 1 << 20));
        paths.sort();
        let (mut expanded, mut refused) = (0, 0);
        for path in &paths {
            let literal = LitStr::new(&path.display().to_string(), Span::call_site());
            let out = generate(quote!(#literal), None);
            let text = out.to_string();
            if text.contains("compile_error") {
                assert!(
                    !text.contains("does not parse"),
                    "{}: the emitter produced invalid tokens: {text:.400}",
                    path.display()
                );
                refused += 1;
            } else {
                expanded += 1;
            }
        }
        eprintln!(
            "corpus (documents up to 1 MiB): {expanded} expanded, {refused} refused with errors, of {}",
            paths.len()
        );
        assert!(expanded > 0, "no corpus document expanded");
    }

    #[test]
    fn tracking_constant_uses_an_absolute_path() {
        let item = track(Path::new("schemas/pet.yaml"), Path::new("/crate/openapi/api.yaml")).unwrap();
        let text = item.to_token_stream().to_string();
        assert_eq!(text, "const _ : & [u8] = :: core :: include_bytes ! (\"/crate/openapi/schemas/pet.yaml\") ;");
    }
}
