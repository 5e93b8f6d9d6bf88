// `mod orders;` names a file; the client needs a module with a body.
#[gusset::client(spec = "fixtures/orders.yaml")]
pub mod orders;

fn main() {}
