//! keepalived's keywords as `-t` classifies them (tests/keywords.tsv), and
//! the line-level language: `@ID` conditional lines and `$NAME` parameters.
//! No root needed: only `-t` runs.

use std::io::Write;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_tinyvrrpd");

/// `-t` on `text` (written to a fresh file), with `args` before it.
fn check(text: &str, args: &[&str]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("tinyvrrpd-kw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("{n}.conf"));
    let mut f = std::fs::File::create(&path).expect("create config");
    f.write_all(text.as_bytes()).expect("write config");
    let out = Command::new(BIN)
        .args(args)
        .arg("-t")
        .arg("-f")
        .arg(&path)
        .output()
        .expect("run tinyvrrpd");
    let _ = std::fs::remove_file(&path);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A valid instance with `extra` lines inside it and `top` lines before it.
fn instance(top: &str, extra: &str) -> String {
    format!(
        "{top}\nvrrp_instance VI_1 {{\n interface lo\n virtual_router_id 51\n{extra}\n \
         virtual_ipaddress {{\n  192.0.2.10/24\n }}\n}}\n"
    )
}

#[test]
fn config_id_selects_lines() {
    let text = instance("", " @r1 priority 256\n @^r1 priority 100");
    let (code, err) = check(&text, &["-i", "r1"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("priority 256 out of range"), "{err}");
    let (code, err) = check(&text, &["--config-id", "r2"]);
    assert_eq!(code, 0, "{err}");
    // `@^r1` is read when the id is not r1: here, priority 0 is refused.
    let text = instance("", " @^r1 priority 0");
    let (code, _) = check(&text, &["-i", "r1"]);
    assert_eq!(code, 0);
    let (code, err) = check(&text, &["-i", "r2"]);
    assert_ne!(code, 0, "{err}");
}

#[test]
fn config_id_defaults_to_the_host_name() {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    let short = host
        .trim()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let text = instance("", &format!(" @{short} priority 256"));
    let (code, err) = check(&text, &[]);
    assert_ne!(code, 0, "{err}");
    let (code, err) = check(&text, &["-i", "not-this-host"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn parameters_are_substituted() {
    let text = instance(
        "$PRIO=256\n$IF = lo",
        " priority ${PRIO}\n track_interface {\n  $IF\n }",
    );
    let (code, err) = check(&text, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("priority 256 out of range"), "{err}");
    let text = instance("$PRIO=256\n@r1 $PRIO=150", " priority $PRIO");
    let (code, err) = check(&text, &["-i", "r1"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn unsupported_line_language_is_refused_by_name() {
    for line in ["$M=a \\", "~SEQ(i,1,3) x", "x $_RANDOM"] {
        let (code, err) = check(&instance(line, ""), &[]);
        assert_ne!(code, 0, "{line}: {err}");
        assert!(err.contains("not supported by tinyvrrpd"), "{line}: {err}");
    }
}
