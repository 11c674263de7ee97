#!/bin/sh
# Print the size of each binary in out/cross against the last recorded
# table (cross/sizes.txt); with --update, record the new sizes.
set -eu
cd "$(dirname "$0")/.."
. cross/env.sh
record=cross/sizes.txt
update=0
[ "${1:-}" = "--update" ] && update=1

echo "| target | bytes | KiB | change since recorded |"
echo "|---|---:|---:|---:|"
new=""
for t in $ALL_TARGETS; do
    f="out/cross/tinyvrrpd-$t"
    [ -f "$f" ] || { echo "| $t | (not built: make cross) | | |"; continue; }
    bytes=$(wc -c < "$f")
    old=$(awk -v t="$t" '$1 == t { print $2 }' "$record" 2>/dev/null || true)
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
if [ "$update" = 1 ]; then
    {
        echo "# target bytes: release binaries of make cross, recorded by make size UPDATE=1"
        printf '%s' "$new"
    } > "$record"
    echo "recorded in $record"
fi
