//! The demo's client comes from the build.rs route: `$OUT_DIR/orders.rs`, regenerated when the
//! document changes.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    gusset_codegen::Builder::new("../../tests/fixtures/orders.yaml").generate()?;
    Ok(())
}
