//! Auto traits for the types of a long cycle of recursive schemas.
//!
//! The compiler derives `Send`, `Sync`, `Unpin`, `UnwindSafe` and `RefUnwindSafe` for a type by
//! asking the same of every field, recursively. A cycle of types that hold each other
//! (`Charge` → `Invoice` → `Customer` → ... → `Charge`, common in large payment and cloud APIs)
//! is followed to its end before the answer is known; past roughly twenty types the question
//! nests deeper than the compiler's recursion limit and fails with `E0275`. It fails wherever
//! the question is asked: in rustdoc (which lists every type's auto traits) and in a user's crate
//! that moves a value into `tokio::spawn`. A `#![recursion_limit]` would have to be set by every
//! crate that asks, so it is no fix.
//!
//! [`auto_traits!`](crate::__auto_traits) cuts the cycle: each type on it implements the five
//! traits itself, so asking about it is one step. `Send` and `Sync` cannot be implemented
//! without `unsafe`, so the macro also makes the compiler prove what the derivation would have:
//! every field type must be `Send + Sync + Unpin + UnwindSafe + RefUnwindSafe`, or the crate does
//! not compile. Since the fields' own types on the cycle have the explicit implementations too,
//! that proof is shallow. The explicit `impl`s therefore grant exactly what the compiler's own
//! derivation would grant, and never more.
//!
//! The runtime itself has no unsafe code (`unsafe_code` is forbidden in the workspace); the
//! `unsafe impl`s are expanded in generated code, where the lint does not reach into an external
//! macro, so a user's `#![forbid(unsafe_code)]` crate can still include a client. It is tested
//! where it is used: the fixture `tests/fixtures/recursive.yaml` (a ring of 26 schemas) is
//! compiled by the tests crate with an assertion of all five traits, which fails with E0275
//! without this macro.

/// `auto_traits!(Type: FieldType, OtherFieldType, ...)`: implements the auto traits of `Type`
/// explicitly, checked against the types of all its fields (see the module docs). Generated code
/// writes it after each type on a long cycle; it is reached as `gusset::__private::auto_traits`.
#[doc(hidden)]
#[macro_export]
macro_rules! __auto_traits {
    ($ty:ty : $($field:ty),* $(,)?) => {
        // SAFETY: `Send` and `Sync` hold for `$ty` because they hold for every one of its field
        // types, which the function below makes the compiler check (it fails to compile
        // otherwise). This is the rule the compiler's own derivation applies.
        #[allow(deprecated)]
        unsafe impl ::core::marker::Send for $ty {}
        #[allow(deprecated)]
        unsafe impl ::core::marker::Sync for $ty {}
        #[allow(deprecated)]
        impl ::core::marker::Unpin for $ty {}
        #[allow(deprecated)]
        impl ::core::panic::UnwindSafe for $ty {}
        #[allow(deprecated)]
        impl ::core::panic::RefUnwindSafe for $ty {}
        #[allow(deprecated, dead_code)]
        const _: () = {
            fn every_field_is_send_and_sync<
                T: ?::core::marker::Sized
                    + ::core::marker::Send
                    + ::core::marker::Sync
                    + ::core::marker::Unpin
                    + ::core::panic::UnwindSafe
                    + ::core::panic::RefUnwindSafe,
            >() {
            }
            fn fields() {
                $(every_field_is_send_and_sync::<$field>();)*
            }
        };
    };
}
