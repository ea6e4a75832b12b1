use clap::Parser;

fn main() -> std::process::ExitCode {
    liaison::init_logging();
    match liaison::cli::run(liaison::cli::Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
