#!/usr/bin/env bash
# Ingestion benchmark: journeylake vs. `sqlite3 .import` on the same Marketo bulk export.
# Usage: bench/ingest.sh [N ...]        (default: 100000)
# Env:   JOURNEYLAKE_BIN=/path/to/journeylake   skip the build and use this binary
# See bench/README.md.
set -euo pipefail
shopt -s inherit_errexit

die() { echo "ingest.sh: error: $*" >&2; exit 1; }

# Resolve an overriding binary before changing directory, so relative paths work.
BIN_OVERRIDE=""
if [[ -n "${JOURNEYLAKE_BIN:-}" ]]; then
    case "$JOURNEYLAKE_BIN" in
        /*) BIN_OVERRIDE="$JOURNEYLAKE_BIN" ;;
        *)  BIN_OVERRIDE="$PWD/$JOURNEYLAKE_BIN" ;;
    esac
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

for tool in python3 sqlite3; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time, for -v) not found; install the 'time' package"
/usr/bin/time -v true >/dev/null 2>&1 || die "/usr/bin/time does not support -v (GNU time required)"

if [[ $# -eq 0 ]]; then set -- 100000; fi
for n in "$@"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n'"
done

# ---- build once -------------------------------------------------------------------------------
if [[ -n "$BIN_OVERRIDE" ]]; then
    BIN="$BIN_OVERRIDE"
    echo "using JOURNEYLAKE_BIN=$BIN (no build)"
else
    command -v swift >/dev/null 2>&1 || die "'swift' not found on PATH (or set JOURNEYLAKE_BIN)"
    echo "building: swift build -c release --product journeylake"
    if ! swift build -c release --product journeylake; then
        die "swift build failed: the journeylake binary could not be built (see the compiler output above)"
    fi
    BIN="$ROOT/.build/release/journeylake"
fi
[[ -x "$BIN" ]] || die "journeylake binary not found or not executable: $BIN"

OUT="bench/out"
mkdir -p "$OUT"

# Prints "<wall seconds> <max rss kbytes>" from a GNU `time -v` report.
parse_time() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
m = re.search(r"Elapsed \(wall clock\) time[^\n]*?\):\s*([0-9][0-9:.]*)", text)
r = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text)
if not m or not r:
    sys.exit("could not parse time -v output in " + sys.argv[1])
secs = 0.0
for part in m.group(1).split(":"):   # m:ss.ss or h:mm:ss
    secs = secs * 60 + float(part)
print(f"{secs:.2f} {r.group(1)}")
PY
}

# Runs a command under `time -v`; stdout+stderr go to $1.log, time's report to $1.time.
# Prints "<wall seconds> <max rss kbytes>"; on non-zero exit prints the log and fails.
timed() {
    local tag="$1"; shift
    local status=0
    /usr/bin/time -v -o "$tag.time" "$@" >"$tag.log" 2>&1 || status=$?
    if [[ $status -ne 0 ]]; then
        {
            echo "ingest.sh: FAILED (exit $status): $*"
            echo "---- $tag.log ----"; cat "$tag.log"
            echo "---- $tag.time ----"; cat "$tag.time" 2>/dev/null || true
        } >&2
        exit 1
    fi
    parse_time "$tag.time"
}

touchpoints() {
    sqlite3 "$1" "SELECT count(*) FROM touchpoints WHERE source='marketo-activities'"
}

store_bytes() {  # main file plus a leftover WAL, if any
    local total=0 f
    for f in "$1" "$1-wal"; do
        [[ -f "$f" ]] && total=$(( total + $(wc -c <"$f") ))
    done
    echo "$total"
}

for n in "$@"; do
    echo
    echo "== N=$n =="
    dir="$OUT/$n"
    rm -rf "$dir"
    mkdir -p "$dir/leads" "$dir/activities"

    # 1. data
    gen_out="$(python3 bench/gen_marketo_bulk.py "$n" "$dir/gen")"
    distinct="$(sed -n 's/.*distinct=\([0-9][0-9]*\).*/\1/p' <<<"$gen_out" | head -n1)"
    [[ -n "$distinct" ]] || die "generator printed no distinct=<n>: $gen_out"
    mv "$dir/gen/leads.csv" "$dir/leads/"
    mv "$dir/gen/activities.csv" "$dir/activities/"
    rmdir "$dir/gen"
    csv="$dir/activities/activities.csv"
    file_bytes="$(wc -c <"$csv")"

    # 3. config (relative paths resolve against the config file's folder)
    cfg="$dir/journeylake.yaml"
    cat >"$cfg" <<'YAML'
store:
  path: journey.sqlite
  batch_size: 5000
sources:
  - name: marketo-leads
    type: files
    path: leads
    format: marketo-leads-export
    settle: 0s
  - name: marketo-activities
    type: files
    path: activities
    format: marketo-activities-export
    settle: 0s
YAML

    # 4. timed leads ingest (the persons the activities then land on); its time counts in the ratio
    leads_n=$(( $(wc -l <"$dir/leads/leads.csv") - 1 ))
    res="$(timed "$dir/leads-ingest" "$BIN" ingest --config "$cfg" --source marketo-leads)"
    read -r leads_s leads_kb <<<"$res"

    # 5. timed activities ingest
    res="$(timed "$dir/ingest" "$BIN" ingest --config "$cfg" --source marketo-activities)"
    read -r jl_s jl_kb <<<"$res"

    # 6. correctness
    db="$dir/journey.sqlite"
    [[ -f "$db" ]] || die "store not found after ingest: $db"
    count="$(touchpoints "$db")" || die "could not count touchpoints in $db (see the sqlite3 error above)"
    if [[ "$count" == "$distinct" ]]; then
        echo "count check: OK ($count touchpoints = distinct)"
    else
        echo "count check: MISMATCH (touchpoints=$count, generator distinct=$distinct)" >&2
        exit 1
    fi

    # 7. idempotency: a second run finds nothing new
    res="$(timed "$dir/rerun" "$BIN" ingest --config "$cfg" --source marketo-activities)"
    read -r rerun_s _ <<<"$res"
    count2="$(touchpoints "$db")" || die "could not count touchpoints in $db after the re-run"
    if [[ "$count2" == "$count" ]]; then
        echo "re-run check: OK (still $count2)"
    else
        echo "re-run check: MISMATCH (touchpoints $count -> $count2 after re-run)" >&2
        exit 1
    fi
    store="$(store_bytes "$db")"
    # Where the bytes are: the largest tables and indexes (SQLite's dbstat, a read of every page).
    tables="$(sqlite3 -json "$db" "SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 8")" \
        || die "could not read the page statistics of $db (sqlite3 without dbstat?)"

    # 8. baseline: sqlite3 .import into a fresh db, same file
    rm -f "$dir/import.sqlite"
    res="$(timed "$dir/import" sqlite3 "$dir/import.sqlite" -cmd ".mode csv" ".import $csv activities")"
    read -r imp_s imp_kb <<<"$res"

    # 9. report + JSON line
    python3 - "$n" "$distinct" "$file_bytes" "$jl_s" "$jl_kb" "$imp_s" "$imp_kb" "$rerun_s" "$store" "$count" "$OUT/results.jsonl" "$leads_n" "$leads_s" "$leads_kb" "$tables" <<'PY'
import datetime, json, os, sys
n, distinct, file_bytes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
act_s, act_kb, imp_s, imp_kb = float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
rerun_s, store, count, jsonl = float(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10]), sys.argv[11]
leads_n, leads_s, leads_kb = int(sys.argv[12]), float(sys.argv[13]), int(sys.argv[14])
tables = {t["name"]: t["bytes"] for t in json.loads(sys.argv[15] or "[]")}
# The ratio counts the leads' time too: the activities land on persons the leads made.
jl_s, jl_kb = leads_s + act_s, max(leads_kb, act_kb)
MB = 1024 * 1024
rate = lambda s: n / s if s > 0 else None          # time -v resolution is 0.01 s
jl_r, imp_r = rate(jl_s), rate(imp_s)
ratio = jl_r / imp_r if jl_r and imp_r else None
fr = lambda r: f"{r:,.0f} rows/s" if r else "n/a rows/s (too fast to time)"
print()
print(f"rows={n} distinct={distinct} file={file_bytes / MB:.1f}MB leads={leads_n}")
print(f"  leads ingest     : {leads_s:.2f} s  " + (f"{leads_n / leads_s:,.0f} persons/s" if leads_s > 0 else "n/a") + f"  peak {leads_kb / 1024:.1f} MB")
print(f"  activities ingest: {act_s:.2f} s  {fr(rate(act_s))}  peak {act_kb / 1024:.1f} MB")
print(f"journeylake ingest : {jl_s:.2f} s  {fr(jl_r)}  peak {jl_kb / 1024:.1f} MB  (leads + activities)")
print(f"sqlite3 .import    : {imp_s:.2f} s  {fr(imp_r)}  peak {imp_kb / 1024:.1f} MB")
print(f"ratio (journeylake rows/s / sqlite3 rows/s): " + (f"{ratio:.2f}" if ratio else "n/a"))
print(f"re-run (nothing new): {rerun_s:.2f} s")
print(f"store size: {store / MB:.1f} MB  ({store / file_bytes:.2f}x the activities CSV)")
print("  largest: " + ", ".join(f"{name} {size / MB:.1f} MB" for name, size in tables.items()))
rec = {
    "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "cpus": os.cpu_count(), "rows": n, "distinct": distinct, "touchpoints": count,
    "file_bytes": file_bytes,
    "leads": leads_n, "leads_s": leads_s, "activities_s": act_s,
    "journeylake_s": jl_s, "journeylake_rows_per_s": round(jl_r) if jl_r else None,
    "journeylake_peak_kb": jl_kb,
    "import_s": imp_s, "import_rows_per_s": round(imp_r) if imp_r else None, "import_peak_kb": imp_kb,
    "ratio": round(ratio, 4) if ratio else None,
    "rerun_s": rerun_s, "store_bytes": store, "store_largest": tables,
}
with open(jsonl, "a", encoding="utf-8") as f:
    f.write(json.dumps(rec) + "\n")
PY
done
echo
echo "results appended to $OUT/results.jsonl"
