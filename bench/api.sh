#!/usr/bin/env bash
# HTTP API load benchmark (issue 16): GET /v1/persons/{id}/journey and GET /v1/next-actions at a
# fixed rate on 127.0.0.1 against a store of N touchpoints, while `serve` ingests BATCH more.
# Usage: bench/api.sh [N]            (default 1000000 touchpoints; people N/10, accounts N/100)
# Env:   JOURNEYLAKE_BIN=/path/to/journeylake   skip the build and use this binary
#        RATE=200 PHASE_SECONDS=30 WORKERS=32    the load (requests/s, seconds per phase)
#        PERSON_FILTER_RATE=50                   the rate of the next-actions phase filtered by owner or stage
#        BATCH=100000                            touchpoints serve ingests while the load runs
#        REBUILD=1                               generate and load the store again
# See bench/README.md, "HTTP API under load".
set -euo pipefail
shopt -s inherit_errexit

die() { echo "api.sh: error: $*" >&2; exit 1; }

BIN="${JOURNEYLAKE_BIN:-}"
[[ -z "$BIN" || "$BIN" == /* ]] || BIN="$PWD/$BIN"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
for tool in python3 sqlite3; do command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH"; done

N="${1:-1000000}"
RATE="${RATE:-200}"
SECONDS_PER_PHASE="${PHASE_SECONDS:-30}"
WORKERS="${WORKERS:-32}"
BATCH="${BATCH:-100000}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$N'"
people=$(( N / 10 )); accounts=$(( people / 10 ))

if [[ -z "$BIN" ]]; then
    echo "building: swift build -c release --product journeylake"
    swift build -c release --product journeylake || die "swift build failed"
    BIN="$ROOT/.build/release/journeylake"
fi
[[ -x "$BIN" ]] || die "journeylake binary not found or not executable: $BIN"

OUT="bench/out"
dir="$OUT/api-$N"
db="$dir/journey.sqlite"
mkdir -p "$dir"
count() { sqlite3 "$db" "$1" || die "sqlite3 failed: $1"; }

# 1. The store: generated journeys loaded through generic csv mappings (as bench/insights.sh),
#    kept between runs; the batch file is what serve ingests during the load.
tp_mapping='      record: touchpoint
      system: crm
      stream: touchpoints
      id: touchpoint_id
      fields: { email: email, occurred_at: occurred_at, channel: channel, action: action, side: side, campaign: campaign, content: content, owner: owner, value: value, attributes: attributes }'
sources="sources:
  - {name: accounts, type: files, path: accounts, format: csv, settle: 0s, poll_interval: 1h, mapping: {record: account, system: crm, id: account_id, fields: {domain: domain, name: name, industry: industry, employees: employees, annual_revenue: annual_revenue}}}
  - {name: people, type: files, path: people, format: csv, settle: 0s, poll_interval: 1h, mapping: {record: person, system: crm, id: person_id, fields: {email: email, first_name: first_name, last_name: last_name, title: title, company: company, owner: owner, stage: stage, created_at: created_at}}}
  - name: touchpoints
    type: files
    path: touchpoints
    format: csv
    settle: 0s
    poll_interval: 1h
    mapping:
$tp_mapping"
definitions='definitions:
  mql:
    fit: { titles: ["vp|head of|director|chief"] }
    score_threshold: 50'
# The loaded store is kept as loaded.sqlite (an online, consistent copy made with VACUUM INTO,
# as the README's backup section does it); each run starts from a fresh copy of it.
if [[ "${REBUILD:-0}" == "1" || ! -f "$dir/loaded.sqlite" ]]; then
    rm -rf "$dir"; mkdir -p "$dir"
    echo "generating $N touchpoints ($people people, $accounts accounts, batch $BATCH)"
    python3 bench/gen_journeys.py "$N" "$dir" --people "$people" --accounts "$accounts" --batch "$BATCH"
    printf 'store:\n  path: journey.sqlite\n  batch_size: 5000\n%s\n%s\n' "$definitions" "$sources" >"$dir/load.yaml"
    echo "loading (about 10 minutes at 1M on 2 cores)…"
    start=$(date +%s)
    "$BIN" ingest --config "$dir/load.yaml" >"$dir/load.out" 2>"$dir/load.log" || { cat "$dir/load.log" >&2; die "load failed"; }
    echo "loaded in $(( $(date +%s) - start )) s"
    # Until the next-best-action deriver (issue 15) writes next_actions, the benchmark fills it
    # with three synthetic suggestions per person not yet a customer, scored like the person.
    if [[ "$(count "SELECT count(*) FROM next_actions")" == "0" ]]; then
        count "WITH r(rank, action, channel, side) AS (VALUES (1, 'call_now', 'phone', 'sales'), (2, 'send_case_study', 'email', 'marketing'),
                 (3, 'invite_to_webinar', 'webinar', 'marketing'))
               INSERT INTO next_actions SELECT p.person_id, r.rank, r.action, r.channel, r.side, coalesce(p.score, 0) - r.rank,
                 'bench: synthetic', '[]', '2026-01-01T00:00:00Z' FROM persons p, r WHERE coalesce(p.lifecycle_stage, '') <> 'customer'"
    fi
    count "VACUUM INTO '$dir/loaded.sqlite'"
fi
rm -f "$db" "$db-wal" "$db-shm"
cp "$dir/loaded.sqlite" "$db"
echo "store: $(count "SELECT count(*) FROM touchpoints") touchpoints, $(count "SELECT count(*) FROM persons") persons"
echo "next_actions: $(count "SELECT count(*) FROM next_actions") rows"

# 2. What the clients ask for: journeys of random persons, next-action lists with each filter.
python3 - "$db" "$dir" <<'PY'
import random, sqlite3, sys
db, out = sys.argv[1], sys.argv[2]
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
rng = random.Random(16)
ids = [r[0] for r in c.execute("SELECT person_id FROM persons")]
owners = [r[0] for r in c.execute("SELECT DISTINCT owner FROM persons WHERE owner IS NOT NULL")]
stages = [r[0] for r in c.execute("SELECT DISTINCT lifecycle_stage FROM persons WHERE lifecycle_stage IS NOT NULL")]
actions = [r[0] for r in c.execute("SELECT DISTINCT action FROM next_actions")]
with open(f"{out}/journey.paths", "w") as f:
    for pid in rng.sample(ids, min(5000, len(ids))):
        f.write(f"/v1/persons/{pid}/journey\n")
# The top of the list and per action (an index walk), and per owner or stage (persons joined).
with open(f"{out}/next-actions.paths", "w") as f:
    for _ in range(2000):
        q = rng.choice(["", f"action={rng.choice(actions)}" if actions else ""])
        f.write(f"/v1/next-actions?limit=50{'&' + q if q else ''}\n")
with open(f"{out}/next-actions-by-person.paths", "w") as f:
    for _ in range(2000):
        q = rng.choice([f"owner={rng.choice(owners)}" if owners else "", f"stage={rng.choice(stages)}" if stages else ""])
        f.write(f"/v1/next-actions?limit=50{'&' + q if q else ''}\n")
PY

# 3. serve: the store above plus the batch source, the API on a free port, a read token.
made="$("$BIN" token create --scope read)"
token="$(sed -n 's/^token: //p' <<<"$made")"
tail -n 1 <<<"$made" >"$dir/tokens"
printf 'store:\n  path: journey.sqlite\n  batch_size: 5000\n%s\n%s\n  - name: batch\n    type: files\n    path: batch\n    format: csv\n    settle: 0s\n    poll_interval: 1h\n    mapping:\n%s\nserver:\n  listen: 127.0.0.1:0\n  tokens: { file: tokens }\n' \
    "$definitions" "$sources" "$tp_mapping" >"$dir/serve.yaml"
"$BIN" config check --config "$dir/serve.yaml" >/dev/null || die "config check failed"
"$BIN" serve --config "$dir/serve.yaml" 2>"$dir/serve.log" &
serve=$!
trap 'kill -TERM $serve 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q "http listening" "$dir/serve.log" && break; sleep 0.1; done
base="http://$(sed -n 's/.*http listening listen=\([0-9.:]*\).*/\1/p' "$dir/serve.log" | head -1)"
[[ "$base" != "http://" ]] || die "serve did not start: $(cat "$dir/serve.log")"
echo "serving on $base (pid $serve); ingesting $BATCH touchpoints meanwhile"

ingesting() { grep -q "source=batch stream=touchpoints" "$dir/serve.log" && echo no || echo yes; }
phase() {
    local label="$1" paths="$2"
    local during; during="$(ingesting)"
    local line; line="$(python3 bench/api_load.py "$base" "$token" "$paths" --rate "$RATE" --seconds "$SECONDS_PER_PHASE" \
        --workers "$WORKERS" --label "$label")"
    local after; after="$(ingesting)"
    echo "$line" | python3 -c "
import json, sys
r = json.loads(sys.stdin.read()); r.update(n=$N, ingest_running_at_start='$during', ingest_running_at_end='$after')
print(json.dumps(r))" | tee -a "$OUT/results.jsonl"
}
phase "journey, during ingest" "$dir/journey.paths"
phase "next-actions (top, by action), during ingest" "$dir/next-actions.paths"
RATE="${PERSON_FILTER_RATE:-50}" phase "next-actions (by owner, by stage), during ingest" "$dir/next-actions-by-person.paths"
echo "waiting for the batch ingest to finish…"
for _ in $(seq 1 3600); do [[ "$(ingesting)" == "no" ]] && break; sleep 1; done
phase "journey, idle" "$dir/journey.paths"
phase "next-actions (top, by action), idle" "$dir/next-actions.paths"
RATE="${PERSON_FILTER_RATE:-50}" phase "next-actions (by owner, by stage), idle" "$dir/next-actions-by-person.paths"

kill -TERM "$serve"
status=0; wait "$serve" || status=$?
trap - EXIT
[[ $status -eq 0 ]] || die "serve exited $status on SIGTERM"
echo "serve stopped cleanly; results appended to $OUT/results.jsonl"
