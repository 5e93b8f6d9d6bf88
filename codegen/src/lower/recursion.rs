//! Recursive types: a struct that contains itself (directly or through other
//! types, without a `Vec` or map in between) has infinite size, so such
//! fields are boxed.
//!
//! Types are grouped into strongly connected components over their "inline"
//! edges (a field or variant holding a named type, possibly in `Option`);
//! an edge inside one component is boxed. Aliases are transparent. A cycle
//! made only of aliases (`A = B`, `B = A`) has no representation and becomes
//! `serde_json::Value`.

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
        TypeKind::Alias(ty) => inline_targets(ty, &mut out),
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

/// Boxes the fields and variants that close a cycle; returns the names of
/// aliases in alias-only cycles, which became `serde_json::Value`.
pub(super) fn box_cycles(types: &mut [TypeDef]) -> Vec<String> {
    let ids: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    let graph: Vec<Vec<usize>> =
        types.iter().map(|t| edges(t).iter().filter_map(|e| ids.get(e).copied()).collect()).collect();
    let comp = components(&graph);
    let mut size = BTreeMap::<usize, usize>::new();
    for c in &comp {
        *size.entry(*c).or_default() += 1;
    }
    let cyclic = |i: usize, target: &str| -> bool {
        match ids.get(target) {
            Some(&j) => comp[i] == comp[j] && (i != j || graph[i].contains(&i)),
            None => false,
        }
    };
    // Alias-only cycles first: nothing to box there.
    let mut alias_cycle = vec![false; types.len()];
    for (i, t) in types.iter().enumerate() {
        if matches!(t.kind, TypeKind::Alias(_)) {
            let members: Vec<usize> = (0..types.len()).filter(|j| comp[*j] == comp[i]).collect();
            let only_aliases = members.iter().all(|j| matches!(types[*j].kind, TypeKind::Alias(_)));
            if only_aliases && (members.len() > 1 || graph[i].contains(&i)) {
                alias_cycle[i] = true;
            }
        }
    }
    let mut untyped = Vec::new();
    for (i, t) in types.iter_mut().enumerate() {
        if alias_cycle[i] {
            t.kind = TypeKind::Alias(TypeRef::Value);
            untyped.push(t.name.clone());
            continue;
        }
        match &mut t.kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    f.ty = boxed(std::mem::replace(&mut f.ty, TypeRef::Unit), &|name| cyclic(i, name));
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    v.ty = boxed(std::mem::replace(&mut v.ty, TypeRef::Unit), &|name| cyclic(i, name));
                }
            }
            TypeKind::Alias(_) | TypeKind::Enum(_) => {}
        }
    }
    untyped
}

fn boxed(ty: TypeRef, cyclic: &dyn Fn(&str) -> bool) -> TypeRef {
    match ty {
        TypeRef::Named(name) if cyclic(&name) => TypeRef::Box(Box::new(TypeRef::Named(name))),
        TypeRef::Option(inner) => TypeRef::Option(Box::new(boxed(*inner, cyclic))),
        other => other,
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
                deprecated: false,
                kind: TypeKind::Alias(TypeRef::Named("B".into())),
                serde: Directions::BOTH,
            },
            TypeDef {
                name: "B".into(),
                docs: Docs::default(),
                deprecated: false,
                kind: TypeKind::Alias(TypeRef::Named("A".into())),
                serde: Directions::BOTH,
            },
        ];
        assert_eq!(box_cycles(&mut types), ["A", "B"]);
        assert!(types.iter().all(|t| matches!(t.kind, TypeKind::Alias(TypeRef::Value))));
    }
}
