//! `infer`: predictions, evaluation and model summaries from the command line.

fn main() {
    let cli: infer::cli::Cli = common::error::parse_args();
    let code = match infer::run(cli) {
        Ok(true) => 0,
        // Some inputs failed; their errors are printed already.
        Ok(false) => 1,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    };
    common::exit::finish(code)
}
