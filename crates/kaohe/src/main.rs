use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = kaohe::cli::Cli::parse();
    if !serves(&cli.command) {
        stop_quietly_on_closed_pipe();
    }
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(kaohe::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, the whole cause chain, no backtrace.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KAOHE_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,kaohe=info,kaohe_web=info,tower_http=warn")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// Whether the command runs the web server (which must survive a client hanging up).
fn serves(command: &kaohe::cli::Command) -> bool {
    use kaohe::cli::Command;
    match command {
        Command::Serve(_) => true,
        Command::Demo(a) => !a.no_serve,
        _ => false,
    }
}

/// A reader that stops early (`kaohe export … | head`) closes the pipe: the command should end
/// as Unix programs do, silently, instead of Rust's print macros panicking on EPIPE. Rust
/// ignores SIGPIPE at start-up; the default action is restored for commands that do not serve
/// (sockets are written with MSG_NOSIGNAL and are unaffected).
fn stop_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
