//! `cargo gusset`: see the `cargo_gusset` library for what it does.

use std::io::IsTerminal as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let stderr = std::io::stderr();
    // Colour only for a person at a terminal; https://no-color.org opts out.
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut console = cargo_gusset::Console { out: &mut std::io::stdout().lock(), err: &mut stderr.lock(), color };
    ExitCode::from(cargo_gusset::run(std::env::args_os(), &mut console))
}
