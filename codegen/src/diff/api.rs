//! The generated Rust API: both documents lowered to Gusset's model of the client, compared as
//! the items a user's code names. The rules are cargo's (the SemVer chapter of the Cargo book):
//!
//! - a removed or renamed method, type, field or variant, a changed signature or field type is
//!   major;
//! - a new field is major too: generated structs have only public fields and are not
//!   `#[non_exhaustive]` (users build request bodies and parameter structs with struct
//!   literals), so a literal without the new field stops compiling. Parameter structs derive
//!   `Default`; code that writes `..Default::default()` keeps compiling, but not all code does;
//! - a new variant of a string enum is major: generated enums are not `#[non_exhaustive]`, so an
//!   exhaustive `match` stops compiling. Their catch-all variant keeps decoding working (a value
//!   this client does not know lands there), which is why the wire side calls the same change
//!   compatible; but a value that used to arrive in the catch-all now arrives in the new variant;
//! - a new method or type is minor.
//!
//! A method is taken as renamed when its name is gone and a method with a new name calls the same
//! route (method and path template).

use std::collections::BTreeMap;

use super::{Change, Surface, Verdict, change};
use crate::diagnostic::join;
use crate::ir::{Api, Operation, Param, TypeDef, TypeKind, TypeRef};

/// The component schemas of a document by the type name they give (`pull-request` →
/// `PullRequest`), for the pointers of types: the model does not keep where a type came from.
pub(super) type Schemas = BTreeMap<String, String>;

/// Compares the APIs.
pub(super) fn compare(old: &Api, new: &Api, old_schemas: &Schemas, new_schemas: &Schemas) -> Vec<Change> {
    let mut changes = Vec::new();
    methods(old, new, &mut changes);
    params_structs(old, new, &mut changes);
    types(old, new, (old_schemas, new_schemas), &mut changes);
    changes
}

fn rust(kind: &'static str, verdict: Verdict, message: String) -> Change {
    change(kind, Surface::Rust, verdict, message)
}

fn pointer(op: &Operation) -> String {
    join(&join("/paths", &op.path), op.method.as_str())
}

fn route_key(op: &Operation) -> (String, &'static str) {
    let path: String =
        op.path.split('{').map(|s| s.split_once('}').map_or(s, |(_, rest)| rest)).collect::<Vec<_>>().join("{}");
    (path, op.method.as_str())
}

fn methods(old: &Api, new: &Api, changes: &mut Vec<Change>) {
    let by_name = |api: &Api| -> BTreeMap<String, usize> {
        api.operations.iter().enumerate().map(|(i, op)| (op.method_name.clone(), i)).collect()
    };
    let (on, nn) = (by_name(old), by_name(new));
    let new_routes: BTreeMap<_, usize> = new.operations.iter().enumerate().map(|(i, op)| (route_key(op), i)).collect();
    let mut renamed_to = Vec::new();
    for op in &old.operations {
        let o = Some(pointer(op));
        match nn.get(&op.method_name) {
            Some(&j) => {
                let n = &new.operations[j];
                let (before, after) = (signature(op), signature(n));
                if before != after {
                    let message = format!("`Client::{}` changed its signature", op.method_name);
                    changes.push(
                        rust("method-signature-changed", Verdict::Major, message)
                            .at(o.as_deref(), Some(&pointer(n)))
                            .signatures(Some(before), Some(after)),
                    );
                }
                if op.deprecated.is_none() && n.deprecated.is_some() {
                    let message = format!("`Client::{}` is deprecated", op.method_name);
                    changes
                        .push(rust("method-deprecated", Verdict::Patch, message).at(o.as_deref(), Some(&pointer(n))));
                }
            }
            None => {
                let renamed = new_routes
                    .get(&route_key(op))
                    .map(|&j| &new.operations[j])
                    .filter(|n| !on.contains_key(&n.method_name));
                let (kind, message, after) = match renamed {
                    Some(n) => {
                        renamed_to.push(n.method_name.clone());
                        let message = format!(
                            "`Client::{}` renamed to `Client::{}` (its operation id changed)",
                            op.method_name, n.method_name
                        );
                        ("method-renamed", message, Some((signature(n), pointer(n))))
                    }
                    None => ("method-removed", format!("`Client::{}` removed", op.method_name), None),
                };
                let (after, n) = after.unzip();
                changes.push(
                    rust(kind, Verdict::Major, message)
                        .at(o.as_deref(), n.as_deref())
                        .signatures(Some(signature(op)), after),
                );
            }
        }
    }
    for op in &new.operations {
        if !on.contains_key(&op.method_name) && !renamed_to.contains(&op.method_name) {
            changes.push(
                rust("method-added", Verdict::Minor, format!("`Client::{}` added", op.method_name))
                    .at(None, Some(&pointer(op)))
                    .signatures(None, Some(signature(op))),
            );
        }
    }
}

/// The method as a user sees it: `fn name(&self, id: &str, body: &Pet) -> Call<'_, Pet, Error>`.
pub(super) fn signature(op: &Operation) -> String {
    let mut args = vec!["&self".to_owned()];
    for p in &op.params {
        args.push(format!("{}: {}", p.name, arg_type(&p.ty)));
    }
    if let Some(body) = &op.body {
        use crate::ir::BodyKind;
        let ty = match body.kind {
            BodyKind::Json | BodyKind::Form => format!("&{}", rust_type(&body.ty)),
            BodyKind::Multipart => "gusset::Multipart".to_owned(),
            BodyKind::Bytes => "impl Into<gusset::Bytes>".to_owned(),
            BodyKind::Text => "impl Into<String>".to_owned(),
        };
        args.push(format!("body: {ty}"));
    }
    if let Some(optional) = &op.optional {
        args.push(format!("params: &{}", optional.name));
    }
    let (ok, err) = (rust_type(&op.success.ty), rust_type(&op.error.ty));
    let returns = match &op.pagination {
        Some(p) => format!("Paged<'_, {ok}, {err}, {}>", rust_type(&p.item)),
        None => format!("Call<'_, {ok}, {err}>"),
    };
    format!("fn {}({}) -> {returns}", op.method_name, args.join(", "))
}

fn arg_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "&str".to_owned(),
        ty if ty.passed_by_value() => rust_type(ty),
        other => format!("&{}", rust_type(other)),
    }
}

/// A type as the generated code writes it, paths shortened.
pub(super) fn rust_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::U32 => "u32".into(),
        TypeRef::U64 => "u64".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::String => "String".into(),
        TypeRef::DateTime => "gusset::DateTime".into(),
        TypeRef::Date => "gusset::Date".into(),
        TypeRef::Uuid => "gusset::Uuid".into(),
        TypeRef::Base64 => "gusset::Base64".into(),
        TypeRef::Bytes => "gusset::Bytes".into(),
        TypeRef::Value => "serde_json::Value".into(),
        TypeRef::Object => "serde_json::Map<String, serde_json::Value>".into(),
        TypeRef::Unit => "()".into(),
        TypeRef::Vec(inner) => format!("Vec<{}>", rust_type(inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", rust_type(inner)),
        TypeRef::Option(inner) => format!("Option<{}>", rust_type(inner)),
        TypeRef::Box(inner) => format!("Box<{}>", rust_type(inner)),
    }
}

/// The structs of optional parameters, as fields: `Option<T>` each.
fn params_structs(old: &Api, new: &Api, changes: &mut Vec<Change>) {
    let structs = |api: &Api| -> BTreeMap<String, (Vec<Param>, String)> {
        api.operations
            .iter()
            .filter_map(|op| {
                Some((op.optional.as_ref()?.name.clone(), (op.optional.as_ref()?.params.clone(), pointer(op))))
            })
            .collect()
    };
    let (os, ns) = (structs(old), structs(new));
    for (name, (old_params, op_ptr)) in &os {
        let Some((new_params, np_ptr)) = ns.get(name) else {
            continue; // Its method's signature change says it.
        };
        let fields = |ps: &[Param]| -> Vec<(String, String)> {
            ps.iter().map(|p| (p.name.clone(), rust_type(&p.ty.clone().option()))).collect()
        };
        let (of, nf) = (fields(old_params), fields(new_params));
        compare_fields(name, &of, &nf, Some(op_ptr), Some(np_ptr), true, changes);
    }
}

fn compare_fields(
    owner: &str,
    old: &[(String, String)],
    new: &[(String, String)],
    op: Option<&str>,
    np: Option<&str>,
    has_default: bool,
    changes: &mut Vec<Change>,
) {
    for (name, ty) in old {
        match new.iter().find(|(n, _)| n == name) {
            Some((_, new_ty)) if new_ty != ty => {
                let became_required =
                    ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) == Some(new_ty.as_str());
                let (kind, what) = if became_required {
                    ("field-required", format!("`{owner}::{name}` became required: `{ty}` is now `{new_ty}`"))
                } else {
                    ("field-type-changed", format!("`{owner}::{name}` changed type from `{ty}` to `{new_ty}`"))
                };
                changes.push(
                    rust(kind, Verdict::Major, what)
                        .at(op, np)
                        .signatures(Some(format!("pub {name}: {ty}")), Some(format!("pub {name}: {new_ty}"))),
                );
            }
            Some(_) => {}
            None => {
                changes.push(
                    rust("field-removed", Verdict::Major, format!("`{owner}::{name}` removed"))
                        .at(op, None)
                        .signatures(Some(format!("pub {name}: {ty}")), None),
                );
            }
        }
    }
    for (name, ty) in new.iter().filter(|(n, _)| !old.iter().any(|(o, _)| o == n)) {
        let why = if has_default {
            "a struct literal without it stops compiling (one ending in `..Default::default()` keeps compiling)"
        } else {
            "the struct is not `#[non_exhaustive]`, so a struct literal without it stops compiling"
        };
        changes.push(
            rust("field-added", Verdict::Major, format!("`{owner}::{name}` added: {why}"))
                .at(op, np)
                .signatures(None, Some(format!("pub {name}: {ty}"))),
        );
    }
}

/// The component schema a type comes from, when one has its name.
fn type_pointer(schemas: &Schemas, def: &TypeDef) -> Option<String> {
    schemas.get(&def.name).map(|key| join("/components/schemas", key))
}

fn types(old: &Api, new: &Api, (os, ns): (&Schemas, &Schemas), changes: &mut Vec<Change>) {
    let by_name = |api: &Api| -> BTreeMap<String, usize> {
        api.types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect()
    };
    let (on, nn) = (by_name(old), by_name(new));
    for def in &old.types {
        let op = type_pointer(os, def);
        let Some(&j) = nn.get(&def.name) else {
            changes.push(
                rust("type-removed", Verdict::Major, format!("type `{}` removed", def.name))
                    .at(op.as_deref(), None)
                    .signatures(Some(shape(def)), None),
            );
            continue;
        };
        let n = &new.types[j];
        let np = type_pointer(ns, n);
        if def.deprecated.is_none() && n.deprecated.is_some() {
            changes.push(
                rust("type-deprecated", Verdict::Patch, format!("type `{}` is deprecated", def.name))
                    .at(op.as_deref(), np.as_deref()),
            );
        }
        match (&def.kind, &n.kind) {
            (TypeKind::Struct(a), TypeKind::Struct(b)) => {
                let fields = |s: &crate::ir::Struct| -> Vec<(String, String)> {
                    let mut f: Vec<_> = s.fields.iter().map(|f| (f.name.clone(), rust_type(&f.ty))).collect();
                    f.extend(
                        s.additional
                            .iter()
                            .map(|(name, ty)| (name.clone(), format!("BTreeMap<String, {}>", rust_type(ty)))),
                    );
                    f
                };
                compare_fields(&def.name, &fields(a), &fields(b), op.as_deref(), np.as_deref(), b.default, changes);
            }
            (TypeKind::Enum(a), TypeKind::Enum(b)) => {
                let (av, bv) = (variants_of_enum(a), variants_of_enum(b));
                variants(&def.name, &av, &bv, op.as_deref(), np.as_deref(), &b.other, changes);
            }
            (TypeKind::Union(a), TypeKind::Union(b)) => {
                let names = |u: &crate::ir::Union| -> Vec<(String, String)> {
                    let mut v: Vec<_> = u.variants.iter().map(|v| (v.name.clone(), rust_type(&v.ty))).collect();
                    v.extend(u.other.iter().map(|o| (o.clone(), "serde_json::Value".to_owned())));
                    v
                };
                let other = b.other.clone().unwrap_or_default();
                variants(&def.name, &names(a), &names(b), op.as_deref(), np.as_deref(), &other, changes);
            }
            (TypeKind::Alias(a), TypeKind::Alias(b)) | (TypeKind::Newtype(a), TypeKind::Newtype(b)) if a != b => {
                let message = format!("type `{}` is now `{}` where it was `{}`", def.name, rust_type(b), rust_type(a));
                changes.push(
                    rust("type-changed", Verdict::Major, message)
                        .at(op.as_deref(), np.as_deref())
                        .signatures(Some(shape(def)), Some(shape(n))),
                );
            }
            (a, b) if std::mem::discriminant(a) != std::mem::discriminant(b) => {
                let message = format!("type `{}` changed from {} to {}", def.name, kind_name(a), kind_name(b));
                changes.push(
                    rust("type-changed", Verdict::Major, message)
                        .at(op.as_deref(), np.as_deref())
                        .signatures(Some(shape(def)), Some(shape(n))),
                );
            }
            _ => {}
        }
    }
    for def in new.types.iter().filter(|t| !on.contains_key(&t.name)) {
        changes.push(
            rust("type-added", Verdict::Minor, format!("type `{}` added", def.name))
                .at(None, type_pointer(ns, def).as_deref())
                .signatures(None, Some(shape(def))),
        );
    }
}

fn variants_of_enum(e: &crate::ir::StringEnum) -> Vec<(String, String)> {
    let mut v: Vec<_> = e.variants.iter().map(|v| (v.name.clone(), format!("{:?}", v.value))).collect();
    v.push((e.other.clone(), "any other value".to_owned()));
    v
}

fn variants(
    owner: &str,
    old: &[(String, String)],
    new: &[(String, String)],
    op: Option<&str>,
    np: Option<&str>,
    other: &str,
    changes: &mut Vec<Change>,
) {
    for (name, payload) in old {
        match new.iter().find(|(n, _)| n == name) {
            None => {
                changes.push(
                    rust("variant-removed", Verdict::Major, format!("`{owner}::{name}` removed"))
                        .at(op, None)
                        .signatures(Some(format!("{owner}::{name} ({payload})")), None),
                );
            }
            Some((_, p)) if p != payload && !payload.starts_with('"') => {
                let message = format!("`{owner}::{name}` now holds `{p}` where it held `{payload}`");
                changes.push(
                    rust("variant-changed", Verdict::Major, message)
                        .at(op, np)
                        .signatures(Some(format!("{owner}::{name}({payload})")), Some(format!("{owner}::{name}({p})"))),
                );
            }
            Some(_) => {}
        }
    }
    for (name, payload) in new.iter().filter(|(n, _)| !old.iter().any(|(o, _)| o == n)) {
        let catch_all = if other.is_empty() {
            String::new()
        } else {
            format!("; values that arrived as `{owner}::{other}` now arrive as this variant")
        };
        let message = format!(
            "`{owner}::{name}` added: generated enums are not `#[non_exhaustive]`, so an exhaustive `match` stops compiling{catch_all}"
        );
        changes.push(
            rust("variant-added", Verdict::Major, message)
                .at(op, np)
                .signatures(None, Some(format!("{owner}::{name} ({payload})"))),
        );
    }
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "a struct",
        TypeKind::Enum(_) => "an enum",
        TypeKind::Union(_) => "an enum of types",
        TypeKind::Alias(_) => "an alias",
        TypeKind::Newtype(_) => "a newtype",
    }
}

/// A type's outline, for the migration note.
fn shape(def: &TypeDef) -> String {
    match &def.kind {
        TypeKind::Struct(_) => format!("pub struct {}", def.name),
        TypeKind::Enum(_) | TypeKind::Union(_) => format!("pub enum {}", def.name),
        TypeKind::Alias(ty) => format!("pub type {} = {}", def.name, rust_type(ty)),
        TypeKind::Newtype(ty) => format!("pub struct {}(pub {})", def.name, rust_type(ty)),
    }
}
