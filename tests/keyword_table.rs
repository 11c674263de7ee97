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

/// The manual's multiline example: one definition, two instances.
#[test]
fn multiline_parameters_expand_to_lines() {
    let text = "$INSTANCE= \\\n\
                vrrp_instance VI_${NUM} { \\\n\
                 interface lo \\\n\
                 virtual_router_id 5${NUM} \\\n\
                 @high priority 256 \\\n\
                 @low priority 120 \\\n\
                 virtual_ipaddress { \\\n\
                  192.0.2.1${NUM}/24 \\\n\
                 } \\\n\
                }\n\
                $NUM=0\n\
                $INSTANCE\n\
                $NUM=1\n\
                $INSTANCE\n";
    let (code, err) = check(text, &["-i", "low"]);
    assert_eq!(code, 0, "{err}");
    // Both instances are read: each says so when its priority is bad.
    let (code, err) = check(text, &["-i", "high"]);
    assert_ne!(code, 0);
    assert_eq!(err.matches("priority 256 out of range").count(), 2, "{err}");
}

#[test]
fn unsupported_line_language_is_refused_by_name() {
    for line in ["~SEQ(i,1,3) x", "x $_RANDOM", "x ${_PWD}"] {
        let (code, err) = check(&instance(line, ""), &[]);
        assert_ne!(code, 0, "{line}: {err}");
        assert!(err.contains("not supported by tinyvrrpd"), "{line}: {err}");
    }
}

/// One row of tests/keywords.tsv.
struct Row {
    block: String,
    stmt: String,
    class: String,
    meaning: String,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string("tests/keywords.tsv").expect("tests/keywords.tsv");
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [block, stmt, class, meaning] = cols[..] else {
            panic!("not 4 columns: {line}");
        };
        out.push(Row {
            block: block.to_string(),
            stmt: stmt.replace("\\n", "\n"),
            class: class.to_string(),
            meaning: meaning.to_string(),
        });
    }
    out
}

/// A valid configuration with `stmt` in `block` (which the valid parts
/// around it provide when it is a sub-block).
fn config_for(block: &str, stmt: &str) -> String {
    let inst = |inner: &str| instance("", inner);
    // What the block needs besides `stmt`, unless `stmt` is that line.
    let unless = |kw: &str, line: &str| {
        if stmt.split_whitespace().next() == Some(kw) {
            String::new()
        } else {
            format!("{line}\n")
        }
    };
    // Tracked objects a track_* block of an instance or group may name.
    let tracked = "vrrp_script S {\n script \"/bin/true\"\n}\n\
                   track_file F {\n file \"/tmp/tinyvrrpd-kw-track\"\n}\n\
                   vrrp_track_process P {\n process sshd\n}\n";
    match block {
        "root" => format!("{}{stmt}\n", inst("")),
        "global_defs" => format!("global_defs {{\n{stmt}\n}}\n{}", inst("")),
        "vrrp_instance" => format!("{}{tracked}", inst(stmt)),
        "authentication" => inst(&format!(
            " authentication {{\n  auth_type PASS\n  auth_pass x\n{stmt}\n }}"
        )),
        "vrrp_sync_group" => format!(
            "{}{tracked}vrrp_sync_group G {{\n{}{stmt}\n}}\n",
            inst(""),
            unless("group", " group {\n  VI_1\n }"),
        ),
        "vrrp_script" => format!(
            "{}vrrp_script S {{\n{}{stmt}\n}}\n",
            inst(""),
            unless("script", " script \"/bin/true\""),
        ),
        "track_file" => format!(
            "{}track_file F {{\n{}{stmt}\n}}\n",
            inst(""),
            unless("file", " file \"/tmp/tinyvrrpd-kw-track\""),
        ),
        "vrrp_track_process" => format!(
            "{}vrrp_track_process P {{\n{}{stmt}\n}}\n",
            inst(""),
            unless("process", " process sshd"),
        ),
        other => panic!("unknown block {other}"),
    }
}

/// The context alone loads cleanly, so what a row's check sees comes
/// from its keyword.
#[test]
fn contexts_are_valid() {
    for block in [
        "root",
        "global_defs",
        "vrrp_instance",
        "authentication",
        "vrrp_sync_group",
        "vrrp_script",
        "track_file",
        "vrrp_track_process",
    ] {
        let (code, err) = check(&config_for(block, ""), &[]);
        assert_eq!(code, 0, "{block}: {err}");
        assert!(!err.contains("not supported"), "{block}: {err}");
    }
}

#[test]
fn every_keepalived_keyword_has_its_class() {
    let rows = rows();
    assert!(rows.len() > 200, "{}", rows.len());
    let mut seen = std::collections::HashSet::new();
    let mut wrong = Vec::new();
    for row in &rows {
        let kw = row.stmt.split_whitespace().next().unwrap_or_default();
        assert!(
            seen.insert((row.block.clone(), kw.to_string())),
            "twice: {kw}"
        );
        let (code, err) = check(&config_for(&row.block, &row.stmt), &[]);
        let named = format!("{kw}: not supported by tinyvrrpd: {}", row.meaning);
        let ok = match row.class.as_str() {
            "works" => code == 0 && !err.contains("not supported") && !err.contains("Unknown"),
            "warned" => code == 0 && err.contains(&named) && !err.contains("Unknown"),
            "error" => code != 0 && err.contains(&named),
            other => panic!("unknown class {other}"),
        };
        if !ok {
            wrong.push(format!(
                "{} {kw} ({}): exit {code}: {err}",
                row.block, row.class
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} rows:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A keyword keepalived does not know either is a typo: an error naming
/// the nearest known keyword of its block (unsupported ones included).
#[test]
fn typos_are_errors_naming_the_nearest_keyword() {
    for (block, stmt, near) in [
        ("vrrp_instance", "priorty 150", Some("priority")),
        ("vrrp_instance", "vmac_xmit_bse", Some("vmac_xmit_base")),
        (
            "global_defs",
            "vrrp_garp_master_dealy 5",
            Some("vrrp_garp_master_delay"),
        ),
        ("vrrp_script", "intervall 2", Some("interval")),
        ("root", "vrrp_instanse X {\n}", Some("vrrp_instance")),
        ("vrrp_instance", "frobnicate", None),
    ] {
        let (code, err) = check(&config_for(block, stmt), &[]);
        assert_ne!(code, 0, "{stmt}: {err}");
        let kw = stmt.split_whitespace().next().unwrap_or_default();
        let want = match near {
            Some(n) => format!("Unknown keyword '{kw}' (did you mean '{n}'?)"),
            None => format!("Unknown keyword '{kw}'\n"),
        };
        assert!(err.contains(&want), "{stmt}: {err}");
    }
}
