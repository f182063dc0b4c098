//! `infer`: predictions, evaluation, model summaries and an HTTP server from the command line.

fn main() {
    let cli: infer::cli::Cli = common::error::parse_args();
    let is_server = cli.is_server();
    let run = move || match infer::run(cli) {
        Ok(true) => 0,
        // Some inputs failed; their errors are printed already.
        Ok(false) => 1,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    };
    // On rayon's threads, so that each parallel CPU kernel starts without a hand-off. The
    // server instead runs its network threads outside the pool and its model on a pool thread.
    let code = if is_server {
        run()
    } else {
        kernels::on_compute_threads(run)
    };
    common::exit::finish(code)
}
