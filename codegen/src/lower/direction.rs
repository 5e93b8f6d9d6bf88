//! Which way each type travels, so it implements only the serde traits it
//! needs.
//!
//! serde's derives are most of what a generated client costs to compile:
//! a derived `Deserialize` is a visitor, a field enum and a sequence form per
//! type, and a derived `Serialize` half as much again. Most types of a real
//! API only ever come back in responses (GitHub's `FullRepository`), and some
//! are only sent (request bodies), so by default a type derives `Serialize`
//! when the client sends it (in a JSON or form body, or a parameter) and
//! `Deserialize` when it receives it (in a JSON response), following fields,
//! items, variants and aliases. A type no operation uses keeps both, since
//! the client cannot know what it is for. `Settings::serde_both_ways(true)`
//! gives every type both, for users who store or forward what they receive.

use std::collections::BTreeMap;

use crate::ir::{BodyKind, Decode, Directions, Operation, TypeDef, TypeKind, TypeRef};

pub(super) fn mark_directions(types: &mut [TypeDef], operations: &[Operation]) {
    let index: BTreeMap<&str, usize> = types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let mut send = Reach::new(types, &index);
    let mut receive = Reach::new(types, &index);
    for op in operations {
        let params = op.params.iter().chain(op.optional.iter().flat_map(|o| &o.params));
        params.for_each(|p| send.from(&p.ty));
        if let Some(body) = op.body.as_ref().filter(|b| matches!(b.kind, BodyKind::Json | BodyKind::Form)) {
            send.from(&body.ty);
        }
        for response in [&op.success, &op.error] {
            if matches!(response.decode, Decode::Json | Decode::JsonOrEmpty) {
                receive.from(&response.ty);
            }
        }
    }
    send.finish();
    receive.finish();
    // A type no operation uses gets both, and so does everything it holds.
    let unused: Vec<usize> = (0..types.len()).filter(|&i| !send.seen[i] && !receive.seen[i]).collect();
    for &i in &unused {
        send.mark(i);
        receive.mark(i);
    }
    send.finish();
    receive.finish();
    let (sent, received) = (send.seen, receive.seen);
    for ((def, serialize), deserialize) in types.iter_mut().zip(sent).zip(received) {
        def.serde = Directions { serialize, deserialize };
    }
}

/// A walk over the types some uses reach.
struct Reach<'a> {
    types: &'a [TypeDef],
    index: &'a BTreeMap<&'a str, usize>,
    seen: Vec<bool>,
    work: Vec<usize>,
}

impl<'a> Reach<'a> {
    fn new(types: &'a [TypeDef], index: &'a BTreeMap<&'a str, usize>) -> Self {
        Reach { types, index, seen: vec![false; types.len()], work: Vec::new() }
    }

    fn mark(&mut self, i: usize) {
        if let Some(seen) = self.seen.get_mut(i).filter(|seen| !**seen) {
            *seen = true;
            self.work.push(i);
        }
    }

    fn from(&mut self, ty: &TypeRef) {
        match ty {
            TypeRef::Named(name) => {
                if let Some(&i) = self.index.get(name.as_str()) {
                    self.mark(i);
                }
            }
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) | TypeRef::Box(inner) => {
                self.from(inner)
            }
            _ => {}
        }
    }

    /// Follows everything reached so far (a work list: documents nest
    /// deeper than a recursive walk should go).
    fn finish(&mut self) {
        while let Some(i) = self.work.pop() {
            let Some(def) = self.types.get(i) else { continue };
            match &def.kind {
                TypeKind::Struct(s) => {
                    s.fields.iter().for_each(|f| self.from(&f.ty));
                    if let Some((_, ty)) = &s.additional {
                        self.from(ty);
                    }
                }
                TypeKind::Union(u) => u.variants.iter().for_each(|v| self.from(&v.ty)),
                TypeKind::Alias(ty) | TypeKind::Newtype(ty) => self.from(ty),
                TypeKind::Enum(_) => {}
            }
        }
    }
}
