//! The build-script route, exercised by the tests: generates the Orders client
//! into `$OUT_DIR/orders.rs`, which `src/lib.rs` pulls in with
//! `gusset::include_client!("orders")`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    gusset_codegen::Builder::new("fixtures/orders.yaml").generate()?;
    Ok(())
}
