use clap::Parser;

// glibc's allocator spent a fifth of a page's time in malloc and free under load, with database
// work moving between threads; mimalloc's thread-local heaps take most of that away.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
