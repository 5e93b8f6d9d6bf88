//! Gusset's own test support: a fault-injecting HTTP server for behaviour
//! tests, and helpers shared by the test files under `tests/`.
pub mod fault;

/// Generated code for the project's fixture documents, compiled by every
/// `cargo test` so a snapshot that stops compiling fails the build.
pub mod snapshots {
    /// `tests/fixtures/orders.yaml`.
    #[deny(warnings)]
    pub mod orders {
        include!("../snapshots/orders.rs");
    }

    /// `tests/fixtures/constructs.yaml`.
    #[deny(warnings)]
    pub mod constructs {
        include!("../snapshots/constructs.rs");
    }
}
