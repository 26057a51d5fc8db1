#!/usr/bin/env bash
# Next-best-action benchmark: a synthetic history with planted effects (bench/gen_nba.py) under a
# random historical policy; the backtest must recover the effects and beat every baseline; and
# the derive's cost: the full recompute (learning the model included) and the incremental derive
# after a batch of touchpoints.
# Usage: bench/nba.sh [PEOPLE ...]      (default: 20000 prospects, ~550k touchpoints)
# Env:   JOURNEYLAKE_BIN=/path/to/journeylake   skip the build and use this binary
#        BATCH=10000   touchpoints in the incremental batch
# See bench/README.md, "Next best action".
set -euo pipefail
shopt -s inherit_errexit

die() { echo "nba.sh: error: $*" >&2; exit 1; }

BIN="${JOURNEYLAKE_BIN:-}"
[[ -z "$BIN" || "$BIN" == /* ]] || BIN="$PWD/$BIN"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
for tool in python3 sqlite3; do command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH"; done
/usr/bin/time -v true >/dev/null 2>&1 || die "GNU /usr/bin/time (with -v) not found; install the 'time' package"
BATCH="${BATCH:-10000}"
[[ "$BATCH" =~ ^[1-9][0-9]*$ ]] || die "BATCH must be a positive integer, got '$BATCH'"
if [[ $# -eq 0 ]]; then set -- 20000; fi
for n in "$@"; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "PEOPLE must be a positive integer, got '$n'"; done

if [[ -z "$BIN" ]]; then
    echo "building: swift build -c release --product journeylake"
    swift build -c release --product journeylake || die "swift build failed"
    BIN="$ROOT/.build/release/journeylake"
fi
[[ -x "$BIN" ]] || die "journeylake binary not found or not executable: $BIN"
OUT="bench/out"
mkdir -p "$OUT"

# Runs a command under `time -v`: stdout to $1.out, stderr to $1.log; prints "<seconds> <max rss kB>".
timed() {
    local tag="$1"; shift
    local status=0
    /usr/bin/time -v -o "$tag.time" "$@" >"$tag.out" 2>"$tag.log" || status=$?
    if [[ $status -ne 0 ]]; then
        { echo "nba.sh: FAILED (exit $status): $*"; tail -n 20 "$tag.out"; cat "$tag.log"; } >&2
        exit 1
    fi
    python3 - "$tag.time" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
m = re.search(r"Elapsed \(wall clock\) time[^\n]*?\):\s*([0-9][0-9:.]*)", text)
r = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text)
secs = 0.0
for part in m.group(1).split(":"):
    secs = secs * 60 + float(part)
print(f"{secs:.2f} {r.group(1)}")
PY
}

# Sums the "derived" log lines' seconds of one deriver.
derive_seconds() {
    python3 - "$1" "$2" <<'PY'
import re, sys
total = 0.0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if " derived" in line and f"deriver={sys.argv[2]}" in line:
        m = re.search(r"seconds=([0-9.]+)", line)
        if m:
            total += float(m.group(1))
print(f"{total:.3f}")
PY
}

# The history ends a week ago, so the batch (the week after it) is in the past and the live model
# has a recent year to learn from.
END="$(date -u -d '8 days ago' +%F)"
AS_OF="$(date -u -d "$END - 90 days" +%F)"

for people in "$@"; do
    dir="$OUT/nba-$people"
    rm -rf "$dir"
    mkdir -p "$dir"
    echo
    echo "== $people prospects, history ending $END, backtest as of $AS_OF =="
    gen="$(python3 bench/gen_nba.py "$dir" --people "$people" --batch "$BATCH" --end "$END")" || die "generator failed"
    echo "generated: $gen"
    cfg="$dir/journeylake.yaml"
    tp_mapping='      record: touchpoint
      system: crm
      stream: touchpoints
      id: touchpoint_id
      fields: { email: email, occurred_at: occurred_at, channel: channel, action: action, side: side, content: content, owner: owner, attributes: attributes }'
    cat >"$cfg" <<YAML
store:
  path: journey.sqlite
  batch_size: 5000
definitions:
  mql:
    fit: { titles: ["vp|head of|director"] }
    score_threshold: 1000        # only a hand-raise makes an MQL in this world
    qualifying_actions: []
sources:
  - name: people
    type: files
    path: people
    format: csv
    settle: 0s
    mapping:
      record: person
      system: crm
      id: person_id
      fields: { email: email, title: title, owner: owner, created_at: created_at }
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
    db="$dir/journey.sqlite"
    read -r load_s load_kb <<<"$(timed "$dir/load" env JOURNEYLAKE_LOG_LEVEL=info "$BIN" ingest --config "$cfg" --source people --source touchpoints)"
    tps="$(sqlite3 "$db" "SELECT count(*) FROM touchpoints")"
    echo "loaded $tps touchpoints in $load_s s (derive included; peak $(( load_kb / 1024 )) MB)"

    read -r full_s full_kb <<<"$(timed "$dir/derive" "$BIN" reprocess --derive --config "$cfg" --format csv)"
    echo "reprocess --derive (stages + next actions, model learned again): $full_s s, peak $(( full_kb / 1024 )) MB: $(tail -n 1 "$dir/derive.out")"
    prospects="$(sqlite3 "$db" "SELECT count(DISTINCT person_id) FROM next_actions")"

    read -r batch_s batch_kb <<<"$(timed "$dir/batch" env JOURNEYLAKE_LOG_LEVEL=info "$BIN" ingest --config "$cfg" --source batch)"
    ins_s="$(derive_seconds "$dir/batch.log" insights)"
    nba_s="$(derive_seconds "$dir/batch.log" next_actions)"
    echo "ingest of $BATCH touchpoints: $batch_s s (derive: insights $ins_s s, next_actions $nba_s s), peak $(( batch_kb / 1024 )) MB"

    for goal in next_stage opportunity; do
        read -r bt_s bt_kb <<<"$(timed "$dir/backtest-$goal" "$BIN" backtest --config "$cfg" --as-of "$AS_OF" --horizon 30d --goal "$goal" --format json)"
        echo "backtest --goal $goal: $bt_s s, peak $(( bt_kb / 1024 )) MB"
    done

    python3 - "$dir" "$people" "$tps" "$prospects" "$load_s" "$load_kb" "$full_s" "$full_kb" "$BATCH" "$batch_s" "$ins_s" "$nba_s" \
        "$OUT/results.jsonl" <<'PY'
import datetime, json, sys
d, people, tps, prospects = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
load_s, load_kb, full_s, full_kb = float(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
batch, batch_s, ins_s, nba_s, jsonl = int(sys.argv[9]), float(sys.argv[10]), float(sys.argv[11]), float(sys.argv[12]), sys.argv[13]
ok = True
record = {"bench": "nba", "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "people": people,
          "touchpoints": tps, "prospects_with_suggestions": prospects, "load_s": load_s, "full_derive_s": full_s,
          "full_derive_peak_kb": full_kb, "batch": batch, "batch_ingest_s": batch_s, "batch_derive_insights_s": ins_s,
          "batch_derive_next_actions_s": nba_s, "backtests": {}}
print()
for goal in ["next_stage", "opportunity"]:
    r = json.load(open(f"{d}/backtest-{goal}.out"))
    print(f"backtest as of {r['as_of'][:10]}, horizon {r['horizon_days']} d, goal {goal}: {r['prospects']} prospects")
    print(f"  {'strategy':16} {'followed':>9} {'rate_f':>7} {'rate_nf':>7} {'lift':>6} {'95% CI':>15} {'p@k':>6} {'coverage':>8}")
    strategies = {s["strategy"]: s for s in r["strategies"]}
    for s in r["strategies"]:
        f = lambda x, n=3: "-" if x is None else f"{x:.{n}f}"
        print(f"  {s['strategy']:16} {s['followed']:>9} {f(s['rate_followed']):>7} {f(s['rate_not_followed']):>7} {f(s['lift'], 2):>6} "
              f"{'[' + f(s['lift_ci_low'], 2) + ', ' + f(s['lift_ci_high'], 2) + ']':>15} {f(s['precision_at_k'], 2):>6} {f(s['coverage'], 2):>8}")
    for part in r.get("by_stage", []):
        lifts = "  ".join(f"{x['strategy']} {'-' if x['lift'] is None else format(x['lift'], '.2f')} ({x['followed']}/{x['prospects']})"
                          for x in part["strategies"])
        print(f"  {part['stage']:>12}: {lifts}")
    jl = strategies["journeylake"]
    beats = all((jl["lift"] or 0) > (strategies[o]["lift"] or 0) for o in ["random", "most_popular", "guardrails_only"])
    above = (jl["lift_ci_low"] or 0) > 1
    print(f"  journeylake beats every baseline: {beats}; its lift's 95% interval is above 1: {above}")
    ok = ok and beats and above
    effects = {(e["state"], e["action"]): e for e in r["learned"]}
    for key in [("lead|content", "webinar_invite"), ("lead|content", "content_offer"), ("lead|none", "webinar_invite"),
                ("lead|none", "content_offer"), ("lead|web", "content_offer"), ("lead|none", "nurture_email"),
                ("mql|hand_raise", "sales_call"), ("mql|hand_raise", "sales_email"), ("sql", "meeting_request"), ("sql", "sales_call"),
                ("opportunity", "meeting_request")]:
        e = effects.get(key)
        if e:
            w, wo = e["with"], e["without"]
            print(f"  learned {key[0]:>16} {key[1]:<16} lift {e['lift'] if e['lift'] is None else round(e['lift'], 2)}"
                  f"  ({w['converted']}/{w['observations']} vs {wo['converted']}/{wo['observations']} holding)")
    record["backtests"][goal] = {"prospects": r["prospects"], "strategies": r["strategies"], "beats_baselines": beats, "ci_above_1": above}
print()
print(f"full recompute (learning included) : {full_s:.2f} s, peak {full_kb / 1024:.0f} MB   target < 60 s, < 500 MB (at 100k prospects)")
print(f"incremental after {batch} touchpoints: insights {ins_s:.2f} s + next_actions {nba_s:.2f} s   target < 2 s")
with open(jsonl, "a", encoding="utf-8") as f:
    f.write(json.dumps(record) + "\n")
sys.exit(0 if ok else 3)
PY
done
