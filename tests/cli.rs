//! The command line as a user meets it, without root: -v, -h, -t, bad
//! flags. The daemon's own behaviour is tested in namespaces elsewhere.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_tinyvrrpd");

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run tinyvrrpd");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version_and_help() {
    let (code, out, _) = run(&["-v"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("tinyvrrpd "), "{out}");
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    // Every option getopts accepts is in the written-out help, and every
    // flag in the help is accepted.
    for flag in [
        "--log-socket",
        "--use-file",
        "--dont-fork",
        "--log-console",
        "--log-detail",
        "--log-facility",
        "--no-syslog",
        "--pid",
        "--config-test",
        "--dont-release-vrrp",
        "--version",
    ] {
        assert!(out.contains(flag), "help lacks {flag}:\n{out}");
    }
    for line in out.lines().filter(|l| l.trim_start().starts_with('-')) {
        let long = line
            .split_whitespace()
            .find(|w| w.starts_with("--"))
            .expect("a long option on each option line");
        let takes_arg = !line.contains(&format!("{long}  "));
        let mut args = vec![long];
        if takes_arg {
            args.push("0");
        }
        args.extend(["-t", "-f", "tests/configs/valid/01-seed-master.conf"]);
        let (_, _, err) = run(&args);
        assert!(!err.contains("Unrecognized option"), "{long}: {err}");
    }
}

#[test]
fn config_test_accepts_the_seed_configs() {
    for f in ["01-seed-master.conf", "02-seed-backup.conf"] {
        let path = format!("tests/configs/valid/{f}");
        let (code, _, err) = run(&["-t", "-f", &path]);
        assert_eq!(code, 0, "{f}: {err}");
        let (code, _, _) = run(&["--config-test", "--use-file", &path]);
        assert_eq!(code, 0);
    }
}

/// Every tracking keyword (issue 13) is known: `-t` passes and says
/// nothing is unknown or unsupported.
#[test]
fn config_test_knows_every_tracking_keyword() {
    let (code, _, err) = run(&["-t", "-f", "tests/configs/valid/12-tracking.conf"]);
    assert_eq!(code, 0, "{err}");
    for word in ["Unknown keyword", "not supported", "ignored;"] {
        assert!(!err.contains(word), "{word}: {err}");
    }
}

#[test]
fn config_test_prints_every_error_and_fails() {
    let path = "tests/configs/invalid/01-vrid-out-of-range.conf";
    let (code, _, err) = run(&["-t", "-f", path]);
    assert_ne!(code, 0);
    assert!(
        err.contains(&format!(
            "({path}: Line 3) virtual_router_id 256 out of range 1-255"
        )),
        "{err}"
    );
    // A file with several errors reports them all.
    let many = std::fs::read_dir("tests/configs/invalid")
        .expect("corpus")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "expected"))
        .max_by_key(|p| {
            std::fs::read_to_string(p)
                .map(|s| s.lines().count())
                .unwrap_or(0)
        })
        .expect("an expected file");
    let expected = std::fs::read_to_string(&many).expect("read");
    let conf = many.with_extension("conf");
    let (code, _, err) = run(&["-t", "-f", conf.to_str().expect("utf-8 path")]);
    assert_ne!(code, 0);
    for line in expected.lines() {
        assert!(err.contains(line), "missing {line:?} in:\n{err}");
    }
    assert!(expected.lines().count() >= 5);
}

#[test]
fn missing_config_and_bad_flags_fail_clearly() {
    let (code, _, err) = run(&["-t", "-f", "/nonexistent/keepalived.conf"]);
    assert_ne!(code, 0);
    assert!(err.contains("/nonexistent/keepalived.conf"), "{err}");
    let (code, _, err) = run(&["--no-such-flag"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-flag"), "{err}");
    let (code, _, err) = run(&["-S", "9", "-f", "tests/configs/valid/01-seed-master.conf"]);
    assert_eq!(code, 2);
    assert!(err.contains("-S"), "{err}");
}

/// `-t` on a configuration that includes a FIFO (or names one) must not
/// block on open(): it exits 1 at once. The wait is bounded and the
/// process killed on timeout, so a regression fails instead of hanging.
#[test]
fn config_test_with_a_fifo_include_exits_1_at_once() {
    use std::time::{Duration, Instant};
    let dir = std::env::temp_dir().join(format!("tinyvrrpd-cli-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fifo = dir.join("pipe.conf");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let main = dir.join("main.conf");
    std::fs::write(&main, "include pipe.conf\n").expect("write main.conf");
    let mut results = Vec::new();
    for (conf, want) in [
        (
            &main,
            format!("include: {} is not a regular file (a FIFO)", fifo.display()),
        ),
        (&fifo, "not a regular file (a FIFO)".to_string()),
    ] {
        let start = Instant::now();
        let mut child = Command::new(BIN)
            .args(["-t", "-f"])
            .arg(conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run tinyvrrpd");
        let mut status = None;
        while start.elapsed() < Duration::from_secs(5) {
            if let Some(s) = child.try_wait().expect("wait") {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let took = start.elapsed();
        if status.is_none() {
            let _ = child.kill();
        }
        // Reaps it (at once: it has exited or was just killed).
        let _ = child.wait();
        let mut err = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut err);
        }
        results.push((conf.clone(), status.and_then(|s| s.code()), took, err, want));
    }
    let _ = std::fs::remove_dir_all(&dir);
    for (conf, code, took, err, want) in results {
        println!("-t -f {}: exit {code:?} after {took:?}", conf.display());
        assert_eq!(
            code,
            Some(1),
            "{}: still running after 5 s or wrong exit; stderr:\n{err}",
            conf.display()
        );
        assert!(err.contains(&want), "{}: {err}", conf.display());
    }
}
