//! Generates the orders client into `$OUT_DIR/orders.rs` on every build where the document
//! changed; `gusset::include_client!("orders")` in `src/main.rs` pulls it in.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The project's example document, referenced where it lives rather than copied. The builder
    // prints `cargo:rerun-if-changed` for it, so editing the document regenerates the client.
    // The example's local server answers with the client's own types, so they implement both
    // serde traits (by default a type implements only what the client needs, which compiles faster).
    gusset_codegen::Builder::new("../../tests/fixtures/orders.yaml")
        .settings(gusset_codegen::Settings::new().serde_both_ways(true))
        .generate()?;
    Ok(())
}
