//! The demo's client comes from the build.rs route: `$OUT_DIR/orders.rs`, regenerated when the
//! document changes.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The example's local server answers with the client's own types, so they implement both
    // serde traits (by default a type implements only what the client needs, which compiles faster).
    gusset_codegen::Builder::new("../../tests/fixtures/orders.yaml")
        .settings(gusset_codegen::Settings::new().serde_both_ways(true))
        .generate()?;
    Ok(())
}
