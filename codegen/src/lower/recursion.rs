//! Recursive types: a struct that contains itself (directly or through other
//! types, without a `Vec` or map in between) has infinite size, so such
//! fields are boxed.
//!
//! Types are grouped into strongly connected components over their "inline"
//! edges (a field or variant holding a named type, possibly in `Option`);
//! an edge inside one component is boxed. Aliases are transparent. A cycle
//! made only of aliases (`A = B`, `B = A`) has no representation and becomes
//! `serde_json::Value`; an alias that holds itself in an array or a map
//! becomes a newtype, since Rust cannot expand a recursive alias.

use std::collections::BTreeMap;

use crate::ir::{TypeDef, TypeKind, TypeRef};

/// The named types a type reference holds inline (not behind `Vec`, a map or `Box`).
fn inline_targets(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(name) => out.push(name.clone()),
        TypeRef::Option(inner) => inline_targets(inner, out),
        _ => {}
    }
}

fn edges(def: &TypeDef) -> Vec<String> {
    let mut out = Vec::new();
    match &def.kind {
        TypeKind::Struct(s) => s.fields.iter().for_each(|f| inline_targets(&f.ty, &mut out)),
        TypeKind::Union(u) => u.variants.iter().for_each(|v| inline_targets(&v.ty, &mut out)),
        TypeKind::Alias(ty) | TypeKind::Newtype(ty) => inline_targets(ty, &mut out),
        TypeKind::Enum(_) => {}
    }
    out
}

/// Component index of every type (iterative Tarjan: documents can chain
/// thousands of types, deeper than a recursive walk should go).
fn components(graph: &[Vec<usize>]) -> Vec<usize> {
    let n = graph.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut next_comp = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut child)) = work.last_mut() {
            if *child == 0 && index[v] == usize::MAX {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = graph[v].get(*child) {
                *child += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

/// Makes every recursive type representable; returns the names of aliases
/// in alias-only cycles, which became `serde_json::Value`.
pub(super) fn box_cycles(types: &mut [TypeDef]) -> Vec<String> {
    let untyped = untype_alias_cycles(types);
    wrap_recursive_aliases(types);
    box_inline_cycles(types);
    untyped
}

/// The graph of `types` over the edges `edges` picks, as indices.
fn graph(types: &[TypeDef], edges: impl Fn(&TypeDef) -> Vec<String>) -> Vec<Vec<usize>> {
    let ids: BTreeMap<&str, usize> = types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    types.iter().map(|t| edges(t).iter().filter_map(|e| ids.get(e.as_str()).copied()).collect()).collect()
}

/// Which types are on a cycle of `graph`: in a component of several, or
/// with an edge to themselves.
fn on_cycle(graph: &[Vec<usize>]) -> Vec<bool> {
    let comp = components(graph);
    let size = sizes(&comp, |_| true);
    (0..graph.len()).map(|i| size[&comp[i]] > 1 || graph[i].contains(&i)).collect()
}

/// How many members of each component `counts` counts (by type index).
fn sizes(comp: &[usize], counts: impl Fn(usize) -> bool) -> BTreeMap<usize, usize> {
    let mut size = BTreeMap::<usize, usize>::new();
    for (i, c) in comp.iter().enumerate() {
        *size.entry(*c).or_default() += usize::from(counts(i));
    }
    size
}

fn is_alias(t: &TypeDef) -> bool {
    matches!(t.kind, TypeKind::Alias(_))
}

/// Aliases that are each other without anything in between (`A = B`,
/// `B = Option<A>`) have no representation: they become `serde_json::Value`.
fn untype_alias_cycles(types: &mut [TypeDef]) -> Vec<String> {
    let graph = graph(types, |t| if is_alias(t) { edges(t) } else { Vec::new() });
    let mut untyped = Vec::new();
    for (t, cyclic) in types.iter_mut().zip(on_cycle(&graph)) {
        if cyclic {
            t.kind = TypeKind::Alias(TypeRef::Value);
            untyped.push(t.name.clone());
        }
    }
    untyped
}

/// An alias that reaches itself through arrays, maps or other aliases
/// (`pub type Forest = Vec<Forest>;`) is a type Rust cannot expand: it
/// becomes a newtype (`pub struct Forest(pub Vec<Forest>);`, transparent to
/// serde), which can hold itself behind the `Vec`. Only aliases on such a
/// cycle change; a cycle through a struct, enum or union needs nothing, since
/// those are types of their own.
fn wrap_recursive_aliases(types: &mut [TypeDef]) {
    let graph = graph(types, |t| match &t.kind {
        TypeKind::Alias(ty) => {
            let mut out = Vec::new();
            named_in(ty, &mut out);
            out
        }
        _ => Vec::new(),
    });
    for (t, cyclic) in types.iter_mut().zip(on_cycle(&graph)) {
        if cyclic && let TypeKind::Alias(ty) = &mut t.kind {
            t.kind = TypeKind::Newtype(std::mem::replace(ty, TypeRef::Unit));
        }
    }
}

/// Every named type `ty` mentions, at any depth.
fn named_in(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(name) => out.push(name.clone()),
        TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) | TypeRef::Box(inner) => {
            named_in(inner, out)
        }
        _ => {}
    }
}

/// Boxes the fields, variants and newtype contents that close a cycle of
/// types holding each other inline.
fn box_inline_cycles(types: &mut [TypeDef]) {
    let ids: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    let graph = graph(types, edges);
    let comp = components(&graph);
    let cyclic = |i: usize, target: &str| -> bool {
        match ids.get(target) {
            Some(&j) => comp[i] == comp[j] && (i != j || graph[i].contains(&i)),
            None => false,
        }
    };
    for (i, t) in types.iter_mut().enumerate() {
        let cyclic = |name: &str| cyclic(i, name);
        match &mut t.kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    f.ty = boxed(std::mem::replace(&mut f.ty, TypeRef::Unit), &cyclic);
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    v.ty = boxed(std::mem::replace(&mut v.ty, TypeRef::Unit), &cyclic);
                }
            }
            TypeKind::Newtype(ty) => *ty = boxed(std::mem::replace(ty, TypeRef::Unit), &cyclic),
            TypeKind::Alias(_) | TypeKind::Enum(_) => {}
        }
    }
}

fn boxed(ty: TypeRef, cyclic: &dyn Fn(&str) -> bool) -> TypeRef {
    match ty {
        TypeRef::Named(name) if cyclic(&name) => TypeRef::Box(Box::new(TypeRef::Named(name))),
        TypeRef::Option(inner) => TypeRef::Option(Box::new(boxed(*inner, cyclic))),
        other => other,
    }
}

/// How many types a cycle may have before the compiler can no longer derive their auto traits.
/// Asking whether a type is `Send` asks it of each field, through `Option`, `Box`, `Vec` and maps
/// (three to six nested questions per type), until the cycle closes; at a depth of 128 (the
/// compiler's default recursion limit) a ring of about twenty types fails with E0275. Twelve
/// leaves room for the deepest containers.
const LONG_CYCLE: usize = 12;

/// Marks every type on a cycle of more than [`LONG_CYCLE`] types (through any field, array, map
/// or alias) for explicit auto traits, so that neither rustdoc nor a user's `tokio::spawn` has
/// to follow the cycle. Aliases are followed but not marked: they are not types of their own.
pub(super) fn mark_long_cycles(types: &mut [TypeDef]) {
    let graph = graph(types, |t| {
        let mut out = Vec::new();
        match &t.kind {
            TypeKind::Struct(s) => {
                s.fields.iter().for_each(|f| named_in(&f.ty, &mut out));
                if let Some((_, ty)) = &s.additional {
                    named_in(ty, &mut out);
                }
            }
            TypeKind::Union(u) => u.variants.iter().for_each(|v| named_in(&v.ty, &mut out)),
            TypeKind::Alias(ty) | TypeKind::Newtype(ty) => named_in(ty, &mut out),
            TypeKind::Enum(_) => {}
        }
        out
    });
    let comp = components(&graph);
    let size = sizes(&comp, |i| !is_alias(&types[i]));
    for (t, c) in types.iter_mut().zip(comp) {
        t.explicit_auto_traits = !is_alias(t) && size[&c] > LONG_CYCLE;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Directions, Docs};

    fn strukt(name: &str, fields: &[(&str, TypeRef)]) -> TypeDef {
        TypeDef::test_struct(name, fields)
    }

    fn field_ty(t: &TypeDef, i: usize) -> &TypeRef {
        match &t.kind {
            TypeKind::Struct(s) => &s.fields[i].ty,
            _ => unreachable!(),
        }
    }

    #[test]
    fn self_and_mutual_recursion_are_boxed_but_vec_is_not() {
        let named = |n: &str| TypeRef::Named(n.into());
        let mut types = vec![
            strukt("Node", &[("next", named("Node").option()), ("children", TypeRef::Vec(Box::new(named("Node"))))]),
            strukt("A", &[("b", named("B"))]),
            strukt("B", &[("a", named("A").option()), ("leaf", named("Leaf"))]),
            strukt("Leaf", &[("x", TypeRef::I64)]),
        ];
        box_cycles(&mut types);
        assert_eq!(field_ty(&types[0], 0), &TypeRef::Option(Box::new(TypeRef::Box(Box::new(named("Node"))))));
        assert_eq!(field_ty(&types[0], 1), &TypeRef::Vec(Box::new(named("Node"))));
        assert_eq!(field_ty(&types[1], 0), &TypeRef::Box(Box::new(named("B"))));
        assert_eq!(field_ty(&types[2], 1), &named("Leaf"));
    }

    #[test]
    fn alias_cycles_become_values() {
        let mut types = vec![
            TypeDef {
                name: "A".into(),
                docs: Docs::default(),
                deprecated: None,
                kind: TypeKind::Alias(TypeRef::Named("B".into())),
                serde: Directions::BOTH,
                explicit_auto_traits: false,
            },
            TypeDef {
                name: "B".into(),
                docs: Docs::default(),
                deprecated: None,
                kind: TypeKind::Alias(TypeRef::Named("A".into())),
                serde: Directions::BOTH,
                explicit_auto_traits: false,
            },
        ];
        assert_eq!(box_cycles(&mut types), ["A", "B"]);
        assert!(types.iter().all(|t| matches!(t.kind, TypeKind::Alias(TypeRef::Value))));
    }

    fn alias(name: &str, ty: TypeRef) -> TypeDef {
        TypeDef {
            name: name.into(),
            docs: Docs::default(),
            deprecated: None,
            kind: TypeKind::Alias(ty),
            serde: Directions::BOTH,
            explicit_auto_traits: false,
        }
    }

    #[test]
    fn aliases_that_hold_themselves_in_arrays_or_maps_become_newtypes() {
        let named = |n: &str| TypeRef::Named(n.into());
        let vec = |t: TypeRef| TypeRef::Vec(Box::new(t));
        let map = |t: TypeRef| TypeRef::Map(Box::new(t));
        let mut types = vec![
            alias("Forest", vec(named("Forest"))),
            // Thicket → Bramble → Briar → Thicket, through a Vec and a map.
            alias("Thicket", vec(named("Bramble"))),
            alias("Bramble", map(named("Briar"))),
            alias("Briar", named("Thicket")),
            // Through a struct: the struct is a type of its own.
            alias("Branches", vec(named("Branch"))),
            strukt("Branch", &[("children", named("Branches"))]),
            // Not recursive at all.
            alias("Names", vec(TypeRef::String)),
        ];
        assert!(box_cycles(&mut types).is_empty());
        let kinds: Vec<(&str, bool)> =
            types.iter().map(|t| (t.name.as_str(), matches!(t.kind, TypeKind::Newtype(_)))).collect();
        assert_eq!(
            kinds,
            [
                ("Forest", true),
                ("Thicket", true),
                ("Bramble", true),
                ("Briar", true),
                ("Branches", false),
                ("Branch", false),
                ("Names", false)
            ]
        );
        assert!(matches!(&types[0].kind, TypeKind::Newtype(TypeRef::Vec(_))));
    }

    #[test]
    fn only_types_on_long_cycles_get_explicit_auto_traits() {
        let named = |n: &str| TypeRef::Named(n.into());
        let vec = |t: TypeRef| TypeRef::Vec(Box::new(t));
        let ring = |prefix: &str, n: usize| -> Vec<TypeDef> {
            (0..n)
                .map(|i| {
                    let next = named(&format!("{prefix}{}", (i + 1) % n));
                    // Every other hop through an alias of an array, which the graph follows.
                    if i % 2 == 0 {
                        strukt(&format!("{prefix}{i}"), &[("next", next.option())])
                    } else {
                        strukt(&format!("{prefix}{i}"), &[("many", named(&format!("{prefix}{i}List")))])
                    }
                })
                .chain(
                    (0..n)
                        .filter(|i| i % 2 == 1)
                        .map(|i| alias(&format!("{prefix}{i}List"), vec(named(&format!("{prefix}{}", (i + 1) % n))))),
                )
                .collect()
        };
        let mut types = ring("Long", 13);
        types.extend(ring("Short", 12));
        types.push(strukt("Outside", &[("into", named("Long0"))]));
        mark_long_cycles(&mut types);
        let marked: Vec<&str> = types.iter().filter(|t| t.explicit_auto_traits).map(|t| t.name.as_str()).collect();
        let long: Vec<String> = (0..13).map(|i| format!("Long{i}")).collect();
        assert_eq!(marked, long.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
