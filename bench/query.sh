#!/usr/bin/env bash
# Read benchmark: peak memory of `journeylake query` on a result far larger than the store.
# Ingests the example config's sample exports into bench/out/query/, then runs a 4-way cross join
# of touchpoints (n^4 rows) with --format csv piped to `wc -l`, under GNU `time -v`.
# Usage: bench/query.sh
# Env:   JOURNEYLAKE_BIN=/path/to/journeylake   skip the build and use this binary
set -euo pipefail
shopt -s inherit_errexit

die() { echo "query.sh: error: $*" >&2; exit 1; }

# A relative JOURNEYLAKE_BIN names a file from where the script was started.
BIN="${JOURNEYLAKE_BIN:-}"
[[ -z "$BIN" || "$BIN" == /* ]] || BIN="$PWD/$BIN"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v sqlite3 >/dev/null 2>&1 || die "'sqlite3' not found on PATH"
/usr/bin/time -v true >/dev/null 2>&1 || die "GNU /usr/bin/time (with -v) not found; install the 'time' package"
if [[ -z "$BIN" ]]; then
    swift build -c release --product journeylake || die "swift build failed (see the compiler output above)"
    BIN="$ROOT/.build/release/journeylake"
fi
[[ -x "$BIN" ]] || die "journeylake binary not found or not executable: $BIN"

OUT="$ROOT/bench/out/query"
rm -rf "$OUT"
mkdir -p "$OUT"

# The example config as it is, but with the store in the bench folder and absolute paths.
sed -e "s|path: \.\./\.journeylake/journey\.sqlite|path: $OUT/journey.sqlite|" \
    -e "s|path: \.\./examples/|path: $ROOT/examples/|" \
    config/journeylake.example.yaml >"$OUT/journeylake.yaml"
"$BIN" ingest --config "$OUT/journeylake.yaml" >"$OUT/ingest.log" 2>&1 \
    || { cat "$OUT/ingest.log" >&2; die "ingest failed"; }

n="$(sqlite3 "$OUT/journey.sqlite" "SELECT count(*) FROM touchpoints")"
expected=$(( n * n * n * n ))
SQL="SELECT a.touchpoint_id, b.occurred_at, c.action, d.source FROM touchpoints a, touchpoints b, touchpoints c, touchpoints d"

# A binary from before --timeout existed runs without it (so the script measures both).
limit=()
if "$BIN" query --help 2>&1 | grep -q -- '--timeout'; then limit=(--timeout 10m); fi

status=0
lines="$( { /usr/bin/time -v -o "$OUT/query.time" "$BIN" query --config "$OUT/journeylake.yaml" --format csv "${limit[@]}" "$SQL" \
    2>"$OUT/query.err" | wc -l; } )" || status=$?
[[ $status -eq 0 ]] || { cat "$OUT/query.err" "$OUT/query.time" >&2; die "query failed (exit $status)"; }
grep -q "Exit status: 0" "$OUT/query.time" || { cat "$OUT/query.err" "$OUT/query.time" >&2; die "journeylake query failed"; }

rows=$(( lines - 1 ))  # the csv header
[[ $rows -eq $expected ]] || die "expected $expected rows ($n^4), got $rows"
wall="$(sed -n 's/.*Elapsed (wall clock) time.*): *//p' "$OUT/query.time")"
rss_kb="$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$OUT/query.time")"
echo "touchpoints=$n  rows=$rows (4-way cross join, --format csv | wc -l)"
awk -v w="$wall" -v kb="$rss_kb" 'BEGIN { printf "journeylake query: wall %s  peak RSS %d kB (%.1f MB)\n", w, kb, kb / 1024 }'
