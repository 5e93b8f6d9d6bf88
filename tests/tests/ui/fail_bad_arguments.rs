// Each bad argument is reported at the argument, all in one pass.
gusset::generate!();
gusset::generate!(DOCUMENT);
gusset::generate!("fixtures/orders.yaml", colour = "red", api_version = 2024);
gusset::generate!("fixtures/orders.yaml", "fixtures/orders.yaml");

#[gusset::client(api_version = "2024-06-01")]
mod no_spec {}

#[gusset::client(spec = "fixtures/orders.yaml", version_header = "X-A", version_header = "X-B")]
mod twice {}

#[gusset::client(spec = "fixtures/orders.yaml", serde = "always")]
mod unknown_serde {}

#[gusset::client(spec = "fixtures/orders.yaml")]
struct NotAModule;

fn main() {}
