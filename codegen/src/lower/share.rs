//! Identical types are defined once.
//!
//! Real documents repeat themselves: Cloudflare's gives each of its 1,535
//! operations an inline `allOf` of the same two envelope schemas, so a
//! straightforward lowering defines the same struct (and the same item and
//! result types inside it) hundreds of times under names taken from each
//! operation. Every copy costs the user compile time and memory (about 9,000
//! types where 3,300 differ). Here a type that was named from its context is
//! replaced by an alias (`pub type ListPoolsError = CreatePoolError;`) when an
//! identical type exists: same fields, wire names, field docs, serde
//! attributes and field types, where two field types count as the same when
//! they name types that are themselves shared. The alias keeps its own name,
//! docs and deprecation, and fields keep naming the type they were given, so
//! the generated code reads as before; only the duplicate definitions go.
//!
//! Component schemas are never turned into aliases: users implement their own
//! traits for them, and two components with one definition would make such
//! impls conflict. They are preferred as the definition that others share.
//!
//! Sharing preserves every type's layout: two types are merged only when
//! their unboxed fields name types that were merged before, so a merged type
//! has the same depth of unboxed nesting as each of its copies and no new
//! cycle (and no infinite size) can appear.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::ir::{TypeDef, TypeKind, TypeRef};

/// Turns every type named from context that duplicates another into an alias
/// of the one definition kept; `components` holds the names of component types.
pub(super) fn share_identical(types: &mut [TypeDef], components: &BTreeSet<String>) {
    // Which type a duplicate was merged into.
    let mut shared: BTreeMap<String, String> = BTreeMap::new();
    // Preferred definitions first: components, then types not deprecated,
    // then the shortest name (the least specific context), then by name, so
    // the choice does not depend on the order of the document.
    let mut order: Vec<usize> = (0..types.len()).filter(|&i| !matches!(types[i].kind, TypeKind::Alias(_))).collect();
    order.sort_by(|&a, &b| {
        let key = |t: &TypeDef| (!components.contains(&t.name), t.deprecated.is_some(), t.name.len(), t.name.clone());
        key(&types[a]).cmp(&key(&types[b]))
    });
    // Merging two types can make the types that hold them identical too, so
    // repeat until a round merges nothing; each round but the last merges at
    // least one type, so this ends.
    loop {
        let mut first: HashMap<TypeKind, usize> = HashMap::new();
        let mut merged = Vec::new();
        for &i in &order {
            if shared.contains_key(&types[i].name) {
                continue;
            }
            let shape = canonical(&types[i].kind, &shared);
            match first.get(&shape) {
                Some(&j) if !components.contains(&types[i].name) => merged.push((i, j)),
                Some(_) => {}
                None => {
                    first.insert(shape, i);
                }
            }
        }
        if merged.is_empty() {
            break;
        }
        for (copy, kept) in merged {
            shared.insert(types[copy].name.clone(), types[kept].name.clone());
        }
    }
    for def in types.iter_mut() {
        if shared.contains_key(&def.name) {
            let root = root(&shared, &def.name).to_owned();
            if def.docs.lines.is_empty() {
                def.docs
                    .lines
                    .push(format!("The document defines this type exactly as [`{root}`], so it is that type."));
            }
            def.kind = TypeKind::Alias(TypeRef::Named(root));
        }
    }
}

/// The definition `name` shares in the end. A type kept in one round may be
/// merged in a later one, so links chain; they never loop, because a merged
/// type is never kept again.
fn root<'a>(shared: &'a BTreeMap<String, String>, mut name: &'a str) -> &'a str {
    while let Some(next) = shared.get(name) {
        name = next;
    }
    name
}

/// `kind` with every named type replaced by the definition it shares.
fn canonical(kind: &TypeKind, shared: &BTreeMap<String, String>) -> TypeKind {
    let mut kind = kind.clone();
    let rename = |ty: &mut TypeRef| rename_in(ty, shared);
    match &mut kind {
        TypeKind::Struct(s) => {
            s.fields.iter_mut().for_each(|f| rename(&mut f.ty));
            if let Some((_, ty)) = &mut s.additional {
                rename(ty);
            }
        }
        TypeKind::Union(u) => u.variants.iter_mut().for_each(|v| rename(&mut v.ty)),
        TypeKind::Alias(ty) | TypeKind::Newtype(ty) => rename(ty),
        TypeKind::Enum(_) => {}
    }
    kind
}

fn rename_in(ty: &mut TypeRef, shared: &BTreeMap<String, String>) {
    match ty {
        TypeRef::Named(name) if shared.contains_key(name.as_str()) => *name = root(shared, name).to_owned(),
        TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) | TypeRef::Box(inner) => {
            rename_in(inner, shared)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Docs;

    fn strukt(name: &str, fields: &[(&str, TypeRef)]) -> TypeDef {
        TypeDef { docs: Docs { lines: vec![format!("docs of {name}")] }, ..TypeDef::test_struct(name, fields) }
    }

    fn named(n: &str) -> TypeRef {
        TypeRef::Named(n.into())
    }

    fn alias_of(t: &TypeDef) -> Option<&str> {
        match &t.kind {
            TypeKind::Alias(TypeRef::Named(n)) => Some(n),
            _ => None,
        }
    }

    #[test]
    fn copies_become_aliases_of_the_shortest_name_and_keep_their_docs() {
        let mut types = vec![
            strukt("ListPoolsError", &[("code", TypeRef::I64)]),
            strukt("GetError", &[("code", TypeRef::I64)]),
            strukt("Other", &[("code", TypeRef::I32)]),
        ];
        share_identical(&mut types, &BTreeSet::new());
        assert_eq!(alias_of(&types[0]), Some("GetError"));
        assert_eq!(types[0].docs.lines, ["docs of ListPoolsError"]);
        assert_eq!(alias_of(&types[1]), None);
        assert_eq!(alias_of(&types[2]), None);
    }

    #[test]
    fn holders_of_shared_types_are_shared_in_turn() {
        let mut types = vec![
            strukt("AError", &[("items", TypeRef::Vec(Box::new(named("AErrorItem"))))]),
            strukt("AErrorItem", &[("message", TypeRef::String)]),
            strukt("BError", &[("items", TypeRef::Vec(Box::new(named("BErrorItem"))))]),
            strukt("BErrorItem", &[("message", TypeRef::String)]),
        ];
        share_identical(&mut types, &BTreeSet::new());
        assert_eq!(alias_of(&types[2]), Some("AError"));
        assert_eq!(alias_of(&types[3]), Some("AErrorItem"));
        // The kept definition still names its own item type.
        assert!(
            matches!(&types[0].kind, TypeKind::Struct(s) if s.fields[0].ty == TypeRef::Vec(Box::new(named("AErrorItem"))))
        );
    }

    #[test]
    fn components_stay_types_and_are_preferred_as_the_definition() {
        let components: BTreeSet<String> = ["Zebra".to_string(), "Yak".to_string()].into();
        let mut types = vec![
            strukt("A", &[("x", TypeRef::Bool)]),
            strukt("Zebra", &[("x", TypeRef::Bool)]),
            strukt("Yak", &[("x", TypeRef::Bool)]),
        ];
        share_identical(&mut types, &components);
        assert_eq!(alias_of(&types[0]), Some("Yak"));
        assert_eq!(alias_of(&types[1]), None);
        assert_eq!(alias_of(&types[2]), None);
    }

    #[test]
    fn field_docs_and_names_tell_types_apart_but_recursion_is_left_alone() {
        let mut documented = strukt("B", &[("x", TypeRef::Bool)]);
        if let TypeKind::Struct(s) = &mut documented.kind {
            s.fields[0].docs.lines.push("what x means".into());
        }
        let mut types = vec![
            strukt("A", &[("x", TypeRef::Bool)]),
            documented,
            strukt("C", &[("y", TypeRef::Bool)]),
            strukt("NodeA", &[("next", TypeRef::Box(Box::new(named("NodeA"))))]),
            strukt("NodeB", &[("next", TypeRef::Box(Box::new(named("NodeB"))))]),
        ];
        share_identical(&mut types, &BTreeSet::new());
        assert!(types.iter().all(|t| alias_of(t).is_none()), "{types:#?}");
    }

    #[test]
    fn chains_resolve_to_one_definition() {
        // Round one merges the items; round two the holders, whose kept
        // definition had itself absorbed a copy.
        let mut types = vec![
            strukt("Ab", &[("i", named("I1"))]),
            strukt("Abc", &[("i", named("I2"))]),
            strukt("Abcd", &[("i", named("I3"))]),
            strukt("I1", &[("m", TypeRef::String)]),
            strukt("I2", &[("m", TypeRef::String)]),
            strukt("I3", &[("m", TypeRef::String)]),
        ];
        share_identical(&mut types, &BTreeSet::new());
        let aliases: Vec<Option<&str>> = types.iter().map(alias_of).collect();
        assert_eq!(aliases, [None, Some("Ab"), Some("Ab"), None, Some("I1"), Some("I1")]);
    }
}
