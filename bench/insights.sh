#!/usr/bin/env bash
# Insights benchmark: the reports (attribution under every model, funnel, SLA, KPIs) and the
# derive (after a 10k-touchpoint batch, and a full `reprocess --derive`) on a large store.
# Usage: bench/insights.sh [N ...]      (default: 1000000 touchpoints; people N/10, accounts N/100)
# Env:   JOURNEYLAKE_BIN=/path/to/journeylake   skip the build and use this binary
#        RUNS=3        how often the attribution report (--model all) runs (min/median/max)
#        PEOPLE=…  ACCOUNTS=…  BATCH=10000      override the generator's sizes
#        FIT_EMPLOYEES=0   fit by titles only (default 1: titles and employees >= 50; a fit that looks
#                          at the company makes every touch re-derive all persons of its account)
# See bench/README.md, "Insights: attribution and derive".
set -euo pipefail
shopt -s inherit_errexit

die() { echo "insights.sh: error: $*" >&2; exit 1; }

# A relative JOURNEYLAKE_BIN names a file from where the script was started.
BIN="${JOURNEYLAKE_BIN:-}"
[[ -z "$BIN" || "$BIN" == /* ]] || BIN="$PWD/$BIN"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

for tool in python3 sqlite3; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH"
done
/usr/bin/time -v true >/dev/null 2>&1 || die "GNU /usr/bin/time (with -v) not found; install the 'time' package"

RUNS="${RUNS:-3}"
FIT_EMPLOYEES="${FIT_EMPLOYEES:-1}"
BATCH="${BATCH:-10000}"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ "$BATCH" =~ ^[1-9][0-9]*$ ]] || die "BATCH must be a positive integer, got '$BATCH'"
if [[ $# -eq 0 ]]; then set -- 1000000; fi
for n in "$@"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n'"
done

if [[ -z "$BIN" ]]; then
    command -v swift >/dev/null 2>&1 || die "'swift' not found on PATH (or set JOURNEYLAKE_BIN)"
    echo "building: swift build -c release --product journeylake"
    swift build -c release --product journeylake || die "swift build failed (see the compiler output above)"
    BIN="$ROOT/.build/release/journeylake"
else
    echo "using JOURNEYLAKE_BIN=$BIN (no build)"
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

# Runs a command under `time -v`; stdout goes to $1.out, stderr to $1.log, time's report to
# $1.time. Prints "<wall seconds> <max rss kbytes>"; on a non-zero exit prints the log and fails.
timed() {
    local tag="$1"; shift
    local status=0
    /usr/bin/time -v -o "$tag.time" "$@" >"$tag.out" 2>"$tag.log" || status=$?
    if [[ $status -ne 0 ]]; then
        {
            echo "insights.sh: FAILED (exit $status): $*"
            echo "---- $tag.out (tail) ----"; tail -n 20 "$tag.out"
            echo "---- $tag.log ----"; cat "$tag.log"
            echo "---- $tag.time ----"; cat "$tag.time" 2>/dev/null || true
        } >&2
        exit 1
    fi
    parse_time "$tag.time"
}

count() { sqlite3 "$1" "$2" || die "sqlite3 failed on $1: $2"; }

for n in "$@"; do
    people="${PEOPLE:-$(( n / 10 ))}"
    accounts="${ACCOUNTS:-$(( people / 10 ))}"
    (( people >= 1 && accounts >= 1 )) || die "N=$n is too small for N/10 people and N/100 accounts (set PEOPLE and ACCOUNTS)"
    echo
    echo "== N=$n touchpoints, $people people, $accounts accounts, batch $BATCH =="
    dir="$OUT/insights-$n"
    rm -rf "$dir"
    mkdir -p "$dir"

    # 1. data (deterministic)
    gen="$(python3 bench/gen_journeys.py "$n" "$dir" --people "$people" --accounts "$accounts" --batch "$BATCH")" \
        || die "generator failed"
    echo "generated: $gen"
    won="$(sed -n 's/.* won=\([0-9][0-9]*\).*/\1/p' <<<"$gen")"
    persons_in_batch="$(sed -n 's/.* persons_in_batch=\([0-9][0-9]*\).*/\1/p' <<<"$gen")"
    [[ -n "$won" && -n "$persons_in_batch" ]] || die "generator printed no won=/persons_in_batch=: $gen"

    # 2. config: three generic csv sources for the store, a fourth for the next export
    cfg="$dir/journeylake.yaml"
    fit_employees=""
    [[ "$FIT_EMPLOYEES" == "0" ]] || fit_employees=", employees: { min: 50 }"
    tp_mapping='      record: touchpoint
      system: crm
      stream: touchpoints
      id: touchpoint_id
      fields: { email: email, occurred_at: occurred_at, channel: channel, action: action, side: side, campaign: campaign, content: content, owner: owner, value: value, attributes: attributes }'
    cat >"$cfg" <<YAML
store:
  path: journey.sqlite
  batch_size: 5000
definitions:
  mql:
    fit: { titles: ["vp|head of|director|chief"]$fit_employees }
    score_threshold: 50
sources:
  - name: accounts
    type: files
    path: accounts
    format: csv
    settle: 0s
    mapping:
      record: account
      system: crm
      id: account_id
      fields: { domain: domain, name: name, industry: industry, employees: employees, annual_revenue: annual_revenue }
  - name: people
    type: files
    path: people
    format: csv
    settle: 0s
    mapping:
      record: person
      system: crm
      id: person_id
      fields: { email: email, first_name: first_name, last_name: last_name, title: title, company: company, owner: owner, stage: stage, created_at: created_at }
  - name: touchpoints
    type: files
    path: touchpoints
    format: csv
    settle: 0s
    mapping:
$tp_mapping
  - name: batch
    type: files
    path: batch
    format: csv
    settle: 0s
    mapping:
$tp_mapping
YAML
    "$BIN" config check --config "$cfg" >"$dir/config-check.log" 2>&1 || { cat "$dir/config-check.log" >&2; die "config check failed"; }

    # 3. load the store (for information: bench/ingest.sh measures ingestion)
    res="$(timed "$dir/load-people" "$BIN" ingest --config "$cfg" --source accounts --source people)"
    read -r people_s _ <<<"$res"
    db="$dir/journey.sqlite"
    res="$(timed "$dir/load" "$BIN" ingest --config "$cfg" --source touchpoints)"
    read -r load_s load_kb <<<"$res"
    echo "loaded accounts and people in ${people_s} s"
    tps="$(count "$db" "SELECT count(*) FROM touchpoints")"
    persons="$(count "$db" "SELECT count(*) FROM persons")"
    accts="$(count "$db" "SELECT count(*) FROM accounts")"
    [[ "$tps" == "$n" ]] || die "expected $n touchpoints after the load, found $tps"
    echo "loaded: $tps touchpoints, $persons persons, $accts accounts in ${load_s} s (peak $(( load_kb / 1024 )) MB; information only)"
    stages="$(count "$db" "SELECT group_concat(s || '=' || c, ' ') FROM (SELECT lifecycle_stage s, count(*) c FROM persons GROUP BY 1 ORDER BY 2 DESC)")"
    echo "stages: $stages"

    # 4. attribution, every model, RUNS times; then Markov order 2
    attr_runs=()
    attr_kb=0
    for (( r = 1; r <= RUNS; r++ )); do
        res="$(timed "$dir/attribution-$r" "$BIN" report attribution --config "$cfg" --model all --format json)"
        read -r s kb <<<"$res"
        attr_runs+=("$s")
        if (( kb > attr_kb )); then attr_kb=$kb; fi
        echo "attribution --model all, run $r: $s s, peak $(( kb / 1024 )) MB"
    done
    res="$(timed "$dir/attribution-markov2" "$BIN" report attribution --config "$cfg" --model all --markov-order 2 --format json)"
    read -r m2_s m2_kb <<<"$res"
    echo "attribution --model all --markov-order 2: $m2_s s, peak $(( m2_kb / 1024 )) MB"
    # Every model's credit sums to the conversions (the won deals).
    python3 - "$dir/attribution-1.out" "$dir/attribution-markov2.out" "$won" <<'PY' || die "attribution check failed"
import collections, json, sys
won = int(sys.argv[3])
for path in sys.argv[1:3]:
    rows = json.load(open(path, encoding="utf-8"))
    sums = collections.defaultdict(float)
    for r in rows:
        sums[r["model"]] += r["conversions"]
    if len(sums) != 8:
        sys.exit(f"{path}: expected 8 models, got {sorted(sums)}")
    bad = {m: s for m, s in sums.items() if abs(s - won) > 1e-3}
    if bad:
        sys.exit(f"{path}: credit does not sum to the {won} conversions: {bad}")
print(f"attribution check: OK (8 models, each crediting {won} conversions)")
PY

    # 5. funnel, sla, kpis
    declare -A rep_s rep_kb
    for report in funnel sla kpis; do
        res="$(timed "$dir/report-$report" "$BIN" report "$report" --config "$cfg" --format json)"
        read -r s kb <<<"$res"
        rep_s[$report]=$s; rep_kb[$report]=$kb
        echo "report $report: $s s, peak $(( kb / 1024 )) MB"
    done

    # 6. the next export: BATCH touchpoints into the loaded store (the derive runs after each batch)
    res="$(timed "$dir/batch" env JOURNEYLAKE_LOG_LEVEL=info "$BIN" ingest --config "$cfg" --source batch)"
    read -r batch_s batch_kb <<<"$res"
    # The derive's own time: the sum of the "derived" log lines of the insights deriver.
    batch_derive_s="$(python3 - "$dir/batch.log" <<'PY'
import re, sys
total = 0.0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if " derived" in line and "deriver=insights" in line:
        m = re.search(r"seconds=([0-9.]+)", line)
        if m:
            total += float(m.group(1))
print(f"{total:.3f}")
PY
)"
    tps2="$(count "$db" "SELECT count(*) FROM touchpoints")"
    [[ "$tps2" == "$(( n + BATCH ))" ]] || die "expected $(( n + BATCH )) touchpoints after the batch, found $tps2"
    echo "ingest of $BATCH touchpoints ($persons_in_batch persons): $batch_s s (derive $batch_derive_s s), peak $(( batch_kb / 1024 )) MB"

    # 7. the full recompute: every person's stages, score and follow-ups
    res="$(timed "$dir/derive" "$BIN" reprocess --derive --config "$cfg" --format csv)"
    read -r derive_s derive_kb <<<"$res"
    derive_out="$(tail -n 1 "$dir/derive.out")"
    echo "reprocess --derive: $derive_s s, peak $(( derive_kb / 1024 )) MB (persons,stage_changed = $derive_out)"
    changed="$(cut -d, -f2 <<<"$derive_out")"
    if [[ "$changed" != "0" ]]; then
        echo "insights.sh: WARNING: reprocess --derive changed $changed stages: the incremental derive disagrees with a full recompute" >&2
    fi

    # 8. report + JSON line
    python3 - "$OUT/results.jsonl" "$n" "$people" "$accounts" "$persons" "$accts" "$won" "$load_s" "$load_kb" \
        "$attr_kb" "$m2_s" "$m2_kb" "${rep_s[funnel]}" "${rep_kb[funnel]}" "${rep_s[sla]}" "${rep_kb[sla]}" \
        "${rep_s[kpis]}" "${rep_kb[kpis]}" "$BATCH" "$persons_in_batch" "$batch_s" "$batch_kb" "$derive_s" "$derive_kb" \
        "$(du -b "$db" | cut -f1)" "$batch_derive_s" "${attr_runs[@]}" <<'PY'
import datetime, json, os, statistics, sys
a = sys.argv[1:]
jsonl = a[0]
n, people, accounts, persons, accts, won = map(int, a[1:7])
load_s, load_kb, attr_kb, m2_s, m2_kb = float(a[7]), int(a[8]), int(a[9]), float(a[10]), int(a[11])
fun_s, fun_kb, sla_s, sla_kb, kpi_s, kpi_kb = float(a[12]), int(a[13]), float(a[14]), int(a[15]), float(a[16]), int(a[17])
batch, batch_persons, batch_s, batch_kb, derive_s, derive_kb, store = int(a[18]), int(a[19]), float(a[20]), int(a[21]), float(a[22]), int(a[23]), int(a[24])
batch_derive_s = float(a[25])
runs = [float(x) for x in a[26:]]
MB = 1024
per_person_ms = derive_s / persons * 1000 if persons else 0
print()
print(f"touchpoints={n} persons={persons} accounts={accts} conversions={won} store={store / 2**20:.0f}MB")
print(f"attribution --model all           : min {min(runs):.2f} / median {statistics.median(runs):.2f} / max {max(runs):.2f} s"
      f" ({len(runs)} runs)  peak {attr_kb / MB:.0f} MB   target < 30 s, < 500 MB")
print(f"attribution --model all --markov-order 2: {m2_s:.2f} s  peak {m2_kb / MB:.0f} MB")
print(f"report funnel / sla / kpis        : {fun_s:.2f} / {sla_s:.2f} / {kpi_s:.2f} s"
      f"  peak {fun_kb / MB:.0f} / {sla_kb / MB:.0f} / {kpi_kb / MB:.0f} MB")
print(f"ingest {batch} touchpoints ({batch_persons} persons), derive included: {batch_s:.2f} s  peak {batch_kb / MB:.0f} MB")
print(f"  of which the incremental derive  : {batch_derive_s:.2f} s   target < 1 s")
print(f"reprocess --derive ({persons} persons)  : {derive_s:.2f} s  peak {derive_kb / MB:.0f} MB"
      f"  ({per_person_ms:.2f} ms/person; x {batch_persons} persons = {per_person_ms * batch_persons / 1000:.2f} s)")
print(f"load (information only)           : {load_s:.1f} s ({n / load_s:,.0f} rows/s)  peak {load_kb / MB:.0f} MB")
rec = {
    "bench": "insights", "fit_employees": os.environ.get("FIT_EMPLOYEES", "1") != "0",
    "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "cpus": os.cpu_count(), "touchpoints": n, "people": people, "accounts": accounts,
    "persons": persons, "account_rows": accts, "conversions": won, "store_bytes": store,
    "load_s": load_s, "load_peak_kb": load_kb,
    "attribution_all_s": runs, "attribution_all_peak_kb": attr_kb,
    "attribution_markov2_s": m2_s, "attribution_markov2_peak_kb": m2_kb,
    "funnel_s": fun_s, "funnel_peak_kb": fun_kb, "sla_s": sla_s, "sla_peak_kb": sla_kb, "kpis_s": kpi_s, "kpis_peak_kb": kpi_kb,
    "batch_rows": batch, "batch_persons": batch_persons, "batch_ingest_s": batch_s, "batch_ingest_peak_kb": batch_kb,
    "batch_derive_s": batch_derive_s,
    "derive_all_s": derive_s, "derive_all_peak_kb": derive_kb,
}
with open(jsonl, "a", encoding="utf-8") as f:
    f.write(json.dumps(rec) + "\n")
PY
done
echo
echo "results appended to $OUT/results.jsonl"
