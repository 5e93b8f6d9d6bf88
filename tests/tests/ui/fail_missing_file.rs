// The document does not exist: one error at the path literal.
gusset::generate!("fixtures/no-such-document.yaml");

#[gusset::client(spec = "fixtures/also-missing.json")]
mod shop {}

fn main() {}
