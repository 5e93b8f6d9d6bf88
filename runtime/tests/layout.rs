//! The runtime's shape, checked: modules in layer order with no import cycle, no source file over
//! 600 lines, and `private.rs` (`gusset::__private`) made of re-exports only.
//!
//! The order is the `mod` list of `lib.rs`: a module may name (`crate::x`) only modules declared
//! above it. That rules out cycles and says where a new module belongs. Test modules
//! (`#[cfg(test)] mod tests`) and comments are not counted: tests may reach anywhere, and doc links
//! do not make a dependency.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LIMIT: usize = 600;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `lib.rs`'s module declarations in order, with the file each lives in.
fn layers() -> Vec<(String, String)> {
    let lib = read(&src().join("lib.rs"));
    let mut path_attr = None;
    let mut out = Vec::new();
    for line in lib.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#[path = \"") {
            path_attr = rest.split('"').next().map(str::to_owned);
            continue;
        }
        let decl = line.strip_prefix("pub mod ").or_else(|| line.strip_prefix("mod "));
        if let Some(name) = decl.and_then(|d| d.split(';').next()).filter(|_| line.contains(';')) {
            let file = path_attr.take().unwrap_or_else(|| format!("{name}.rs"));
            out.push((name.trim().to_owned(), file));
        }
    }
    out
}

/// The code of a module without comments and without its test module.
fn code(text: &str) -> String {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end]
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules of `names` that `code` reaches through a `crate::` path (in a `use` or inline,
/// `use crate::{a, b::C}` groups included).
fn uses(code: &str, names: &BTreeSet<&str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let group = rest.strip_prefix('{').map(|g| g.split('}').next().unwrap_or_default());
        let heads: Vec<&str> = match group {
            Some(group) => group.split(',').map(|item| item.trim().split("::").next().unwrap_or_default()).collect(),
            None => vec![rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default()],
        };
        out.extend(heads.into_iter().filter(|h| names.contains(h)).map(str::to_owned));
    }
    out
}

#[test]
fn modules_use_only_modules_above_them() {
    let layers = layers();
    assert!(layers.len() > 20, "lib.rs lists too few modules to be the real list: {layers:?}");
    let names: BTreeSet<&str> = layers.iter().map(|(name, _)| name.as_str()).collect();
    let mut on_disk: BTreeSet<String> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".rs") && f != "lib.rs")
        .collect();
    let mut problems = Vec::new();
    for (index, (name, file)) in layers.iter().enumerate() {
        on_disk.remove(file);
        let above: BTreeSet<&str> = layers[..index].iter().map(|(n, _)| n.as_str()).collect();
        for used in uses(&code(&read(&src().join(file))), &names) {
            if used != *name && !above.contains(used.as_str()) {
                problems.push(format!("`{name}` uses `{used}`, which lib.rs declares below it"));
            }
        }
    }
    assert!(on_disk.is_empty(), "modules lib.rs does not declare in its layer list: {on_disk:?}");
    assert!(problems.is_empty(), "layer order broken (move the module or the code):\n{}", problems.join("\n"));
}

#[test]
fn no_source_file_is_over_the_limit() {
    let mut long = Vec::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let lines = read(&path).lines().count();
            if lines > LIMIT {
                long.push(format!("{} has {lines} lines", path.display()));
            }
        }
    }
    assert!(long.is_empty(), "runtime files over {LIMIT} lines (split them): {long:?}");
}

#[test]
fn private_only_re_exports() {
    let text = read(&src().join("private.rs"));
    let mut in_use = false;
    for line in code(&text).lines().map(str::trim).filter(|l| !l.is_empty()) {
        // A `pub use` may span lines (`pub use crate::x::{\n a, b,\n};`).
        let allowed = in_use
            || line.starts_with("pub use ")
            || line.starts_with("#[doc")
            // A namespace of re-exports, as `de` is (generated code names `__private::de::object`).
            || (line.starts_with("pub mod ") && line.ends_with('{'))
            || line == "}";
        assert!(allowed, "private.rs may only re-export, found `{line}`");
        if line.starts_with("pub use ") || in_use {
            in_use = !line.ends_with(';');
        }
    }
}

#[test]
fn the_checks_see_what_they_check() {
    // The checks above pass vacuously if `uses` finds nothing: make sure it finds real edges.
    let names: BTreeSet<&str> = ["api", "ids", "text"].into_iter().collect();
    let found = uses("use crate::{api::ApiInfo, ids};\nlet s = crate::text::snippet(b);\n", &names);
    assert_eq!(found, names.iter().map(|s| (*s).to_owned()).collect());
    assert!(
        uses(&code("// see crate::api\nfn f() {}\n#[cfg(test)]\nmod tests { use crate::ids; }"), &names).is_empty()
    );
}
