#!/bin/sh
# Print the size of each binary in out/cross against the last recorded
# table (cross/sizes.txt), then where the bytes of one target's binary go:
# code and read-only data per module (tinyvrrpd::config::parser, core::fmt,
# std::io, musl...), from the unstripped copy cross/build.sh keeps in
# out/cross/unstripped (the same build, symbols kept). With --update, record
# the sizes and the breakdown. SIZE_TARGET picks the target (default mipsel),
# SIZE_TOP=N also lists the N largest symbols.
set -eu
cd "$(dirname "$0")/.."
. cross/env.sh
record=cross/sizes.txt
update=0
[ "${1:-}" = "--update" ] && update=1
target="${SIZE_TARGET:-mipsel-unknown-linux-musl}"

echo "| target | bytes | KiB | change since recorded |"
echo "|---|---:|---:|---:|"
new=""
for t in $ALL_TARGETS; do
    f="out/cross/tinyvrrpd-$t"
    old=$(awk -v t="$t" '$1 == t { print $2 }' "$record" 2>/dev/null || true)
    if [ ! -f "$f" ]; then
        echo "| $t | (not built: make cross) | | |"
        # An update keeps what was recorded for a target not built now.
        [ -n "$old" ] && new="$new$t $old (not rebuilt by this update)
"
        continue
    fi
    bytes=$(wc -c < "$f")
    if [ -n "$old" ]; then
        change=$(awk -v n="$bytes" -v o="$old" 'BEGIN { d = n - o; printf "%+d (%+.1f%%)", d, (o ? 100 * d / o : 0) }')
    else
        change="(none recorded)"
    fi
    kib=$(awk -v n="$bytes" 'BEGIN { printf "%.1f", n / 1024 }')
    echo "| $t | $bytes | $kib | $change |"
    new="$new$t $bytes
"
done

# llvm-nm / llvm-size, versioned or not (as env.sh's objcopy_bin).
llvm_tool() {
    for v in "" -22 -19 -14; do
        command -v "llvm-$1$v" >/dev/null 2>&1 && { echo "llvm-$1$v"; return 0; }
    done
    echo "cross/size.sh: llvm-$1 not found (apt-get install llvm)" >&2
    return 1
}

# The module paths of this crate, from the source tree, so a symbol is
# filed under its file's module (tinyvrrpd::config::parser), not under a
# type or function name.
modules() {
    find src -name '*.rs' | sed -e 's|^src/||' -e 's|\.rs$||' -e 's|/mod$||' \
        -e 's|^lib$||' -e 's|^main$||' -e 's|/|::|g' |
        awk '{ print ($0 == "" ? "tinyvrrpd" : "tinyvrrpd::" $0) }'
}

# Bytes of .text and .rodata per group, largest first. A symbol goes to the
# first tinyvrrpd module its demangled name mentions (so a generic of core
# instantiated for one of our types, or a closure of ours, counts as ours);
# other Rust symbols to their crate (core, alloc and std to their second
# level: core::fmt); C symbols to libc (zig's own libc parts have dotted
# names; rustc's $anon.HASH.N constants are not libc). What no symbol
# covers (string literals, constant tables, padding)
# is its own line.
breakdown() {
    elf="$1"
    tmp=$(mktemp -d)
    modules > "$tmp/modules"
    llvm_size=$(llvm_tool size)
    llvm_nm=$(llvm_tool nm)
    "$llvm_size" -A "$elf" | awk 'NF == 3 { print $1, $2 }' > "$tmp/sections"
    "$llvm_nm" -t d -S -C --defined-only "$elf" > "$tmp/symbols"
    awk -f - "$tmp/modules" "$tmp/symbols" "$tmp/sections" <<'AWK' | sort -t'	' -k1,1nr > "$tmp/groups"
FILENAME == ARGV[1] { mod[$1] = 1; next }
FILENAME == ARGV[3] { sect[$1] = $2; next }
NF >= 4 {
    if ($3 ~ /^[tTwW]$/) kind = "code"; else if ($3 ~ /^[rR]$/) kind = "ro"; else next
    if ((kind, $1) in seen) next        # aliases: qsort and c.stdlib.qsort
    seen[kind, $1] = 1
    name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
    g = group(name)
    bytes[g, kind] += $2; sum[kind] += $2; groups[g] = 1
}
function group(n,    p, parts, k, i, j, q) {
    if (match(n, /tinyvrrpd(::[A-Za-z0-9_]+)+/)) {
        k = split(substr(n, RSTART, RLENGTH), parts, "::")
        for (i = k; i > 1; i--) {
            q = parts[1]; for (j = 2; j <= i; j++) q = q "::" parts[j]
            if (q in mod) return q
        }
        return "tinyvrrpd"
    }
    if (n ~ /::/) {
        sub(/^(<|&|mut |\*const |\*mut |\[|dyn |\()+/, "", n)
        if (!match(n, /^[A-Za-z0-9_]+::[A-Za-z0-9_]+/)) return "(other Rust)"
        split(substr(n, 1, RLENGTH), parts, "::")
        if (parts[1] ~ /^(core|alloc|std)$/) return parts[1] "::" parts[2]
        return parts[1]
    }
    # rustc's anonymous constants: mostly format_args templates (the
    # literal text of each format string, placeholders encoded).
    if (n ~ /^\$anon\./) return "(Rust $anon: format templates, constants)"
    if (n ~ /\./) return "libc (zig parts)"
    # Our own C entry point (src/main.rs: no_main), not musl's.
    if (n == "main") return "tinyvrrpd"
    return "libc (musl, C)"
}
END {
    g = "(no symbol: literals, constant tables, padding)"; groups[g] = 1
    bytes[g, "code"] = sect[".text"] - sum["code"]
    bytes[g, "ro"] = sect[".rodata"] - sum["ro"]
    for (g in groups)
        printf "%d\t%d\t%d\t%s\n", bytes[g, "code"] + bytes[g, "ro"], bytes[g, "code"], bytes[g, "ro"], g
}
AWK
    echo "| group | code+rodata | code | rodata | % |"
    echo "|---|---:|---:|---:|---:|"
    awk -F'	' '
        { n[NR] = $0; all += $1 }
        $4 ~ /^tinyvrrpd/ { ours += $1 }
        $4 ~ /^tinyvrrpd::config/ { config += $1 }
        $4 ~ /^(core|alloc|std)::/ { rstd += $1 }
        $4 ~ /^libc/ { libc += $1 }
        END {
            for (i = 1; i <= NR; i++) {
                split(n[i], f, "\t")
                if (f[1] < 1024) { small++; rest += f[1]; continue }
                printf "| %s | %d | %d | %d | %.1f |\n", f[4], f[1], f[2], f[3], 100 * f[1] / all
            }
            printf "| (%d groups under 1 KiB each) | %d | | | %.1f |\n", small, rest, 100 * rest / all
            printf "| **all .text + .rodata** | %d | | | 100 |\n", all
            printf "| of which tinyvrrpd::* | %d | | | %.1f |\n", ours, 100 * ours / all
            printf "| of which tinyvrrpd::config::* | %d | | | %.1f |\n", config, 100 * config / all
            printf "| of which core/alloc/std | %d | | | %.1f |\n", rstd, 100 * rstd / all
            printf "| of which libc | %d | | | %.1f |\n", libc, 100 * libc / all
        }' "$tmp/groups"
    if [ -n "${SIZE_TOP:-}" ]; then
        echo
        echo "The $SIZE_TOP largest symbols (bytes, name):"
        awk '$3 ~ /^[tTwWrR]$/ && !seen[$1]++ { s = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", s); print $2 "\t" substr(s, 1, 160) }' \
            "$tmp/symbols" | sort -nr | head -n "$SIZE_TOP"
    fi
    rm -r "$tmp"
}

unstripped="out/cross/unstripped/tinyvrrpd-$target"
table=""
echo
if [ -f "$unstripped" ]; then
    echo "Where the bytes of $target go (code and read-only data per module, $unstripped):"
    echo
    table=$(breakdown "$unstripped")
    echo "$table"
else
    echo "(no breakdown: $unstripped is missing; make cross TARGETS=$target)"
fi

if [ "$update" = 1 ]; then
    {
        echo "# target bytes: release binaries of make cross, recorded by make size UPDATE=1"
        printf '%s' "$new"
        if [ -n "$table" ]; then
            echo "#"
            echo "# $target: code and read-only data per module (make size)"
            echo "$table" | sed 's/^/# /'
        fi
    } > "$record"
    echo "recorded in $record"
fi
