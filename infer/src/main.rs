//! `infer`: predictions, evaluation and model summaries from the command line.

fn main() {
    let cli: infer::cli::Cli = common::error::parse_args();
    // On rayon's threads, so that each parallel CPU kernel starts without a hand-off.
    let code = model::ops::on_compute_threads(|| match infer::run(cli) {
        Ok(true) => 0,
        // Some inputs failed; their errors are printed already.
        Ok(false) => 1,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    });
    common::exit::finish(code)
}
