//! The command line's options, read as the getopts crate read them (its
//! rules and its error texts), without it: getopts' general machinery (a
//! Vec of values per option, names as Strings, usage formatting) was about
//! 4 KB of a mipsel binary for sixteen fixed options.
//!
//! The rules kept: `-x` and `--long` names (a long name of one letter is
//! the short one: `--f`); a short flag cluster (`-nl`) where an option
//! taking a value takes the rest of the cluster (`-fFILE`) or else the
//! next argument (`-f FILE`, whatever it looks like); `--long=VALUE` or
//! `--long VALUE`; a flag given a value (`--help=x`) is an error; every
//! option at most once; `--` ends the options; other arguments (`-` too)
//! are ignored.

/// One option: its short letter (if any), long name and whether it takes
/// a value.
pub struct Opt {
    pub short: Option<char>,
    pub long: &'static str,
    pub value: bool,
}

const fn opt(short: char, long: &'static str, value: bool) -> Opt {
    Opt {
        short: Some(short),
        long,
        value,
    }
}

const fn long_only(long: &'static str) -> Opt {
    Opt {
        short: None,
        long,
        value: true,
    }
}

/// tinyvrrpd's options (main.rs's HELP describes them).
pub const OPTIONS: &[Opt] = &[
    opt('f', "use-file", true),
    opt('n', "dont-fork", false),
    opt('l', "log-console", false),
    opt('D', "log-detail", false),
    opt('S', "log-facility", true),
    opt('G', "no-syslog", false),
    long_only("log-socket"),
    opt('p', "pid", true),
    opt('t', "config-test", false),
    opt('i', "config-id", true),
    opt('V', "dont-release-vrrp", false),
    long_only("data-file"),
    long_only("stats-file"),
    long_only("json-file"),
    opt('v', "version", false),
    opt('h', "help", false),
];

/// What the command line gave: per option of [`OPTIONS`], how many times
/// and its value (borrowed from the arguments: nothing copied).
pub struct Given<'a> {
    count: [u32; OPTIONS.len()],
    values: [Option<&'a str>; OPTIONS.len()],
}

/// A name as written: a short letter, or a long name.
#[derive(Clone, Copy)]
enum Name<'a> {
    Short(char),
    Long(&'a str),
}

impl Name<'_> {
    /// The index of its option.
    fn find(self, opts: &[Opt]) -> Option<usize> {
        opts.iter().position(|o| match self {
            Name::Short(c) => o.short == Some(c),
            Name::Long(l) => o.long == l,
        })
    }
}

/// A command line getopts refuses: what is wrong, and the option's name.
#[derive(Clone, Copy)]
pub struct Refused<'a>(Wrong, Name<'a>);

#[derive(Clone, Copy)]
enum Wrong {
    Unrecognized,
    NoArgument,
    Missing,
    Twice,
}

impl core::fmt::Display for Refused<'_> {
    /// getopts' texts: the name between the two parts of a table's row
    /// (one write for all four, not a format per error).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (before, after) = match self.0 {
            Wrong::Unrecognized => ("Unrecognized option: '", "'"),
            Wrong::NoArgument => ("Option '", "' does not take an argument"),
            Wrong::Missing => ("Argument to option '", "' missing"),
            Wrong::Twice => ("Option '", "' given more than once"),
        };
        f.write_str(before)?;
        match self.1 {
            Name::Short(c) => core::fmt::Write::write_char(f, c)?,
            Name::Long(l) => f.write_str(l)?,
        }
        f.write_str(after)
    }
}

/// `name` after `--`: one letter is a short name.
fn long_name(name: &str) -> Name<'_> {
    match name.as_bytes() {
        [b] => Name::Short(char::from(*b)),
        _ => Name::Long(name),
    }
}

/// [`Given::read`] with the error as its text.
pub fn parse<'a>(args: &[&'a str]) -> Result<Given<'a>, String> {
    let mut given = Given::NONE;
    given.read(args).map_err(|e| e.to_string())?;
    Ok(given)
}

impl<'a> Given<'a> {
    /// Nothing given yet.
    pub const NONE: Given<'static> = Given {
        count: [0; OPTIONS.len()],
        values: [None; OPTIONS.len()],
    };

    /// Reads `args` (without the program's name) against [`OPTIONS`] into
    /// `self` ([`Given::NONE`] before: filled in place, not built and
    /// moved); the error shows as getopts' text for it.
    pub fn read(&mut self, args: &[&'a str]) -> Result<(), Refused<'a>> {
        read(args, &mut self.count, &mut self.values)
    }
}

/// [`Given::read`] on its arrays, one slot per option: no Vecs to build.
fn read<'a>(
    args: &[&'a str],
    count: &mut [u32; OPTIONS.len()],
    values: &mut [Option<&'a str>; OPTIONS.len()],
) -> Result<(), Refused<'a>> {
    let opts = OPTIONS;
    let mut args = args.iter().copied();
    while let Some(cur) = args.next() {
        // Free arguments and `-` are skipped.
        let Some(flags) = cur.strip_prefix('-').filter(|f| !f.is_empty()) else {
            continue;
        };
        let (name, inline) = match flags.strip_prefix('-') {
            Some(tail) => {
                // `--` alone: the end of the options (is_empty, not a ""
                // pattern: that is a slice compare call).
                if tail.is_empty() {
                    break;
                }
                match tail.split_once('=') {
                    Some((n, v)) => (Some(long_name(n)), Some(v)),
                    None => (Some(long_name(tail)), None),
                }
            }
            None => cluster(opts, flags, count)?,
        };
        let Some(name) = name else { continue };
        let i = name.find(opts).ok_or(Refused(Wrong::Unrecognized, name))?;
        count[i] += 1;
        if !opts[i].value {
            if inline.is_some() {
                return Err(Refused(Wrong::NoArgument, name));
            }
            continue;
        }
        let value = inline.or_else(|| args.next());
        let value = value.ok_or(Refused(Wrong::Missing, name))?;
        values[i].get_or_insert(value);
    }
    // getopts names an option by its long name when it has one.
    if let Some(o) = opts
        .iter()
        .zip(count.iter())
        .find(|(_, n)| **n > 1)
        .map(|(o, _)| o)
    {
        return Err(Refused(Wrong::Twice, Name::Long(o.long)));
    }
    Ok(())
}

/// A short cluster `-abc` (`flags` is `abc`): flags are counted; the
/// option taking a value, if any, with the rest of the cluster as its
/// value (None: the next argument).
fn cluster<'a>(
    opts: &[Opt],
    flags: &'a str,
    count: &mut [u32],
) -> Result<(Option<Name<'a>>, Option<&'a str>), Refused<'a>> {
    let mut chars = flags.chars();
    while let Some(c) = chars.next() {
        let name = Name::Short(c);
        let i = name.find(opts).ok_or(Refused(Wrong::Unrecognized, name))?;
        if opts[i].value {
            let rest = chars.as_str();
            return Ok((Some(name), (!rest.is_empty()).then_some(rest)));
        }
        count[i] += 1;
    }
    Ok((None, None))
}

/// The index in [`OPTIONS`] of the option named `name` (a short letter or
/// a long name, as [`long_name`] tells them apart), for looking it up at
/// compile time: `const { index("f") }` (a name not there fails the
/// build). main's look-ups then cost no name search at run time.
pub const fn index(name: &str) -> usize {
    let name = name.as_bytes();
    let mut i = 0;
    while i < OPTIONS.len() {
        let o = &OPTIONS[i];
        let found = match (name, o.short) {
            ([b], Some(c)) => *b as u32 == c as u32,
            ([_], None) => false,
            _ => same_bytes(o.long.as_bytes(), name),
        };
        if found {
            return i;
        }
        i += 1;
    }
    panic!("no such option");
}

/// `a == b`, in a const fn.
const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl<'a> Given<'a> {
    /// Whether option `i` of [`OPTIONS`] (see [`index`]) was given.
    pub fn has(&self, i: usize) -> bool {
        self.count.get(i).is_some_and(|&n| n > 0)
    }

    /// Option `i`'s value, when given (borrowed: the caller copies what
    /// it keeps).
    pub fn value_at(&self, i: usize) -> Option<&'a str> {
        self.values.get(i).copied().flatten()
    }

    /// Whether the option named `name` (short letter or long name) was
    /// given.
    pub fn present(&self, name: &str) -> bool {
        long_name(name).find(OPTIONS).is_some_and(|i| self.has(i))
    }

    /// Its value, when given (borrowed: the caller copies what it keeps).
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.value_at(long_name(name).find(OPTIONS)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The getopts parser as main.rs set it up.
    fn reference() -> getopts::Options {
        let mut o = getopts::Options::new();
        for opt in OPTIONS {
            let short = opt.short.map(String::from).unwrap_or_default();
            if opt.value {
                o.optopt(&short, opt.long, "", "V");
            } else {
                o.optflag(&short, opt.long, "");
            }
        }
        o
    }

    /// Every option's names, short and long.
    fn names() -> impl Iterator<Item = String> {
        OPTIONS
            .iter()
            .flat_map(|o| {
                [
                    o.short.map(String::from).unwrap_or_default(),
                    o.long.to_string(),
                ]
            })
            .filter(|n| !n.is_empty())
    }

    /// Every option's presence and value, or the error, as a text.
    fn ours(args: &[String]) -> String {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match parse(&args) {
            Err(e) => e,
            Ok(g) => names()
                .map(|n| format!("{n}:{}:{:?} ", g.present(&n), g.value(&n)))
                .collect(),
        }
    }

    fn theirs(o: &getopts::Options, args: &[String]) -> String {
        match o.parse(args) {
            Err(e) => e.to_string(),
            Ok(m) => names()
                .map(|n| format!("{n}:{}:{:?} ", m.opt_present(&n), m.opt_str(&n)))
                .collect(),
        }
    }

    /// Every sequence of up to three of these words reads as getopts
    /// read it.
    #[test]
    fn as_getopts_read_it() {
        let words = [
            "-n",
            "-l",
            "-f",
            "conf",
            "-fconf",
            "-nlf",
            "-nfl",
            "-fn",
            "--use-file",
            "--use-file=a",
            "--use-file=",
            "--dont-fork",
            "--dont-fork=1",
            "--log-socket",
            "--log-socket=/s",
            "--f",
            "--n",
            "--n=1",
            "-",
            "--",
            "---",
            "--=x",
            "-x",
            "-nx",
            "--bogus",
            "-S",
            "7",
            "-vh",
            "-é",
            "--pid",
            "-p-n",
            "free",
        ];
        let o = reference();
        let mut n = 0;
        let mut case = |args: Vec<String>| {
            assert_eq!(ours(&args), theirs(&o, &args), "{args:?}");
            n += 1;
        };
        case(vec![]);
        for a in words {
            case(vec![a.to_string()]);
            for b in words {
                case(vec![a.to_string(), b.to_string()]);
                for c in words {
                    case(vec![a.to_string(), b.to_string(), c.to_string()]);
                }
            }
        }
        assert!(n > 30_000, "{n} cases");
    }

    /// The compile-time index of every name is the one the run-time
    /// search finds.
    #[test]
    fn index_as_find() {
        for n in names() {
            assert_eq!(Some(index(&n)), long_name(&n).find(OPTIONS), "{n}");
        }
    }

    #[test]
    fn main_s_uses() {
        let args = [
            "-nl",
            "-G",
            "-f",
            "/c",
            "--log-socket=/s",
            "-S2",
            "--json-file",
            "/j",
        ];
        let g = parse(&args).expect("good");
        assert!(g.present("n") && g.present("l") && g.present("G") && !g.present("t"));
        assert_eq!(g.value("f"), Some("/c"));
        assert_eq!(g.value("use-file"), Some("/c"));
        assert_eq!(g.value("log-socket"), Some("/s"));
        assert_eq!(g.value("S"), Some("2"));
        assert_eq!(g.value("json-file"), Some("/j"));
        assert_eq!(g.value("p"), None);
        assert_eq!(
            parse(&["-f"]).err().as_deref(),
            Some("Argument to option 'f' missing")
        );
    }
}
