//! tinyvrrpd command line. For now: check a configuration (`-t`); the
//! daemon itself comes with the poll loop.

use std::path::PathBuf;
use std::process::ExitCode;

use tinyvrrpd::config::{self, Severity};

const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let mut opts = getopts::Options::new();
    opts.optopt("f", "use-file", "configuration file", "FILE");
    opts.optflag("t", "config-test", "check the configuration and exit");
    opts.optflag("v", "version", "print the version and exit");
    opts.optflag("h", "help", "print this help and exit");
    let m = match opts.parse(args.iter().skip(1)) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("tinyvrrpd: {e}");
            return ExitCode::from(2);
        }
    };
    if m.opt_present("h") {
        print!("{}", opts.usage("Usage: tinyvrrpd [options]"));
        return ExitCode::SUCCESS;
    }
    if m.opt_present("v") {
        println!("tinyvrrpd {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let path = PathBuf::from(m.opt_str("f").unwrap_or_else(|| DEFAULT_CONFIG.into()));
    match config::load(&path) {
        Ok((_, warnings)) => {
            for w in warnings {
                eprintln!("{w}");
            }
            ExitCode::SUCCESS
        }
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            let n = diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            eprintln!("tinyvrrpd: {n} error(s) in the configuration");
            ExitCode::FAILURE
        }
    }
}
