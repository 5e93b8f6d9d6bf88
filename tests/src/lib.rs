//! Gusset's own test support: a fault-injecting HTTP server for behaviour
//! tests, and helpers shared by the test files under `tests/`.
pub mod fault;
pub mod orders_server;

/// The Orders client through the build-script route (`build.rs` +
/// `include_client!`).
pub mod via_build {
    gusset::include_client!("orders");
}

/// The Orders client through `gusset::generate!`.
pub mod via_macro {
    gusset::generate!("fixtures/orders.yaml");
}

/// The Orders client through `gusset::generate!` with its typed mock (`mock = "on"`), which this
/// crate's `mock` feature (on by default) compiles.
pub mod via_macro_with_mock {
    gusset::generate!("fixtures/orders.yaml", mock = "on");
}

/// The Orders client through `#[gusset::client]`, next to an item of the
/// user's own.
#[gusset::client(spec = "fixtures/orders.yaml")]
pub mod via_attribute {
    /// A helper a user keeps beside the generated items.
    pub fn default_order_note() -> String {
        "left at the door".to_string()
    }
}

/// Generated code for the project's fixture documents, compiled by every
/// `cargo test` so a snapshot that stops compiling fails the build.
pub mod snapshots {
    /// `tests/fixtures/orders.yaml`.
    #[deny(warnings)]
    pub mod orders {
        include!("../snapshots/orders.rs");
    }

    /// `tests/fixtures/wire.yaml` with `Settings::mock(true)`: the mock of every kind of body.
    #[deny(warnings)]
    pub mod wire_mock {
        include!("../snapshots/wire_mock.rs");
    }

    /// `tests/fixtures/hostile.yaml` with `Settings::mock(true)`: the mock's statics and
    /// methods from names and texts that try to inject code.
    #[deny(warnings)]
    pub mod hostile_mock {
        include!("../snapshots/hostile_mock.rs");
    }

    /// `tests/fixtures/constructs.yaml`.
    #[deny(warnings)]
    pub mod constructs {
        include!("../snapshots/constructs.rs");
    }

    /// `tests/fixtures/hostile.yaml`: names and texts that try to inject code.
    #[deny(warnings)]
    pub mod hostile {
        include!("../snapshots/hostile.rs");
    }

    /// `tests/fixtures/openapi31.yaml`: OpenAPI 3.1, security schemes, server
    /// variables and a `$ref` to another file.
    #[deny(warnings)]
    pub mod openapi31 {
        include!("../snapshots/openapi31.rs");
    }

    /// `tests/fixtures/orders.yaml` with `Settings::dynamic_calls(true)`: the
    /// operation table and `Client::call_dynamic`.
    #[deny(warnings)]
    pub mod orders_dynamic {
        include!("../snapshots/orders_dynamic.rs");
    }

    /// A document with only webhooks, with `Settings::dynamic_calls(true)`: no operation reads
    /// the arguments of `call_dynamic`.
    #[deny(warnings)]
    pub mod no_operations_dynamic {
        include!("../snapshots/no_operations_dynamic.rs");
    }

    /// `tests/fixtures/unions.yaml`: properties beside a `oneOf`, and branches that inherit
    /// their discriminator through `allOf`.
    #[deny(warnings)]
    pub mod unions {
        include!("../snapshots/unions.rs");
    }

    /// `tests/fixtures/fidelity.yaml`: references to anything anywhere,
    /// required names without properties, arrays and maps of themselves,
    /// enum values that read as prelude names.
    #[deny(warnings)]
    pub mod fidelity {
        include!("../snapshots/fidelity.rs");
    }

    /// `tests/fixtures/swagger2.yaml`: a Swagger 2.0 document, converted as
    /// it is loaded.
    #[deny(warnings)]
    pub mod swagger2 {
        include!("../snapshots/swagger2.rs");
    }

    /// `tests/fixtures/pagination.yaml`: listings in each pagination pattern, and operations
    /// that only look like one.
    #[deny(warnings)]
    pub mod pagination {
        include!("../snapshots/pagination.rs");
    }

    /// `tests/fixtures/streaming.yaml`: server-sent events with typed and untyped data, an
    /// operation that answers JSON or a stream, and a binary download.
    #[deny(warnings)]
    pub mod streaming {
        include!("../snapshots/streaming.rs");
    }

    /// `tests/fixtures/wire.yaml`: `Accept` from the responses' media types,
    /// form bodies by the Encoding Object, multipart part types.
    #[deny(warnings)]
    pub mod wire {
        include!("../snapshots/wire.rs");
    }

    /// `tests/fixtures/rustdoc.yaml`: descriptions as published documents
    /// write them (bare URLs, HTML, brackets, code fences of other languages),
    /// which rustdoc must document without a warning.
    #[deny(warnings)]
    pub mod rustdoc {
        include!("../snapshots/rustdoc.rs");
    }

    /// `tests/fixtures/recursive.yaml`: a ring of 26 schemas, longer than the
    /// compiler can follow when it derives `Send` and the other auto traits,
    /// so the generated types implement them explicitly.
    #[deny(warnings)]
    pub mod recursive {
        include!("../snapshots/recursive.rs");

        // What `tokio::spawn` asks of a value, and rustdoc of every type: this
        // fails to compile (E0275) without the explicit implementations. This
        // crate forbids unsafe code, as a user's may, and still compiles them.
        const _: () = {
            fn auto_traits<T: Send + Sync + Unpin + std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
            #[allow(dead_code)]
            fn on_the_ring() {
                auto_traits::<Account>();
                auto_traits::<Product>();
                auto_traits::<Transfer>();
                fn send_sync<T: Send + Sync>() {}
                send_sync::<Client>();
            }
        };
    }
}
