//! `train`: trains a zoo model with burn's Learner and writes a run folder.
//! The last line on stdout: `test_accuracy=0.9842 epochs=5 seconds=123.4 run=runs/...`.

fn main() {
    let cli: train::cli::Cli = common::error::parse_args();
    // On rayon's threads, so that each parallel CPU kernel starts without a hand-off.
    let code = kernels::on_compute_threads(|| match train::training::run(cli) {
        Ok(outcome) => {
            println!("{outcome}");
            0
        }
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    });
    common::exit::finish(code)
}
