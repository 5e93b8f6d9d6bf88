// A broken document under `#[gusset::client]` gives its one error, and
// nothing for the user's items that name the types the document would have
// given, inside the module or through it.
#[gusset::client(spec = "fixtures/bad/broken-ref.yaml")]
pub mod widgets {
    pub fn blank() -> Widget {
        Widget { id: None }
    }

    pub fn local() -> Client {
        Client::builder("http://127.0.0.1:8080").build().unwrap()
    }
}

fn main() {
    let _ = widgets::blank();
    let _ = widgets::GetWidgetParams::default();
}
