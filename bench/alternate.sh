#!/usr/bin/env bash
# Alternates journeylake builds on the activities of `bench/ingest.sh N` (run that first): every
# run starts from a copy of one leads-only store (made with the first build), so the builds see
# the same store, and the machine's drift falls on all of them alike. Prints per run the time to
# the pass's end (its `pass` log line, whole seconds), the whole command, CPU and peak RSS.
#
#   bench/alternate.sh N ROUNDS BIN [BIN…]
#   bench/alternate.sh 1000000 2 /tmp/jl-before .build/release/journeylake
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:?usage: bench/alternate.sh N ROUNDS BIN [BIN…]}
ROUNDS=${2:?usage: bench/alternate.sh N ROUNDS BIN [BIN…]}
shift 2
[ $# -ge 1 ] || { echo "usage: bench/alternate.sh N ROUNDS BIN [BIN…]" >&2; exit 64; }
SRC="bench/out/$N"
[ -f "$SRC/leads/leads.csv" ] && [ -f "$SRC/activities/activities.csv" ] || { echo "run bench/ingest.sh $N first" >&2; exit 64; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/leads" "$WORK/activities"
cp "$SRC/leads/leads.csv" "$WORK/leads/"
cp "$SRC/activities/activities.csv" "$WORK/activities/"
cp "$SRC/journeylake.yaml" "$WORK/"
"$1" ingest --config "$WORK/journeylake.yaml" --source marketo-leads > /dev/null 2>&1
mv "$WORK/journey.sqlite" "$WORK/leads-only.sqlite"
rm -f "$WORK/journey.sqlite-wal" "$WORK/journey.sqlite-shm"

for round in $(seq 1 "$ROUNDS"); do
    for bin in "$@"; do
        cp "$WORK/leads-only.sqlite" "$WORK/journey.sqlite"
        rm -f "$WORK/journey.sqlite-wal" "$WORK/journey.sqlite-shm"
        start=$(date +%s)
        JOURNEYLAKE_LOG_LEVEL=info /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" \
            "$bin" ingest --config "$WORK/journeylake.yaml" --source marketo-activities > "$WORK/log" 2>&1
        pass_end=$(date -d "$(grep '\] pass' "$WORK/log" | head -1 | cut -c1-24)" +%s)
        read -r wall user sys rss < "$WORK/time"
        echo "$bin round $round: pass $((pass_end - start)) s, whole $wall s, user $user s, system $sys s, peak $((rss / 1024)) MB"
    done
done
