// Documents that cannot become a client: every error, located, at the literal.
gusset::generate!("fixtures/bad/broken-ref.yaml");

#[gusset::client(spec = "fixtures/bad/swagger1.yaml")]
pub mod old {
    pub fn mine() {}
}

fn main() {
    old::mine();
}
