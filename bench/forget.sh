#!/usr/bin/env bash
# What `journeylake forget` costs (research R19): the ingest's suppression check once anyone has
# been forgotten, and one forget on a full store. Uses the files `bench/ingest.sh N` wrote.
# Each round ingests the leads and activities into a fresh store twice, alternating: as is, and
# after forgetting an address that is in no file (so the check runs on every record and refuses
# none). Then it forgets one person of the last store and checks the person is gone.
# Usage: bench/forget.sh [N] [ROUNDS]     (default: 200000 rows, 3 rounds)
# Env:   JOURNEYLAKE_BIN=/path/to/journeylake   skip the build
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200000}"
ROUNDS="${2:-3}"
BIN="${JOURNEYLAKE_BIN:-}"
if [[ -z "$BIN" ]]; then
    swift build -c release --product journeylake
    BIN=.build/release/journeylake
fi
SRC="bench/out/$N"
[[ -d "$SRC/activities" && -d "$SRC/leads" ]] || { echo "run bench/ingest.sh $N first (its files are reused)" >&2; exit 1; }
DIR="bench/out/forget-$N"
rm -rf "$DIR" && mkdir -p "$DIR"
ln -s "$(pwd)/$SRC/leads" "$DIR/leads"
ln -s "$(pwd)/$SRC/activities" "$DIR/activities"
cp "$SRC/journeylake.yaml" "$DIR/"
CONFIG="$DIR/journeylake.yaml"
STORE="$DIR/journey.sqlite"

timed() {  # prints "seconds peak_kb" of the command
    /usr/bin/time -f "%e %M" -o "$DIR/time" "$@" > /dev/null 2> "$DIR/stderr" || { cat "$DIR/stderr" >&2; exit 1; }
    cat "$DIR/time"
}
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "min %.2f  median %.2f  max %.2f", v[1], v[int((NR + 1) / 2)], v[NR] }'; }

: > "$DIR/plain.txt"; : > "$DIR/forgotten.txt"
for round in $(seq 1 "$ROUNDS"); do
    for mode in plain forgotten; do
        rm -f "$STORE" "$STORE-wal" "$STORE-shm"
        if [[ "$mode" == forgotten ]]; then "$BIN" forget --config "$CONFIG" nobody@nowhere.example > /dev/null 2>&1; fi
        read -r secs kb < <(timed "$BIN" ingest --config "$CONFIG")
        printf 'round %d  %-9s ingest %6.2f s  peak %4d MB\n' "$round" "$mode" "$secs" "$((kb / 1024))"
        echo "$secs" >> "$DIR/$mode.txt"
    done
done
echo "ingest as is:               $(stats < "$DIR/plain.txt") s"
echo "ingest after one forget:    $(stats < "$DIR/forgotten.txt") s"

email=$(sqlite3 "$STORE" "SELECT primary_email FROM persons WHERE primary_email IS NOT NULL ORDER BY person_id LIMIT 1 OFFSET 500")
touches=$(sqlite3 "$STORE" "SELECT count(*) FROM touchpoints t JOIN identifiers i ON i.person_id = t.person_id WHERE i.kind = 'email' AND i.value = '$email'")
read -r secs kb < <(timed "$BIN" forget --config "$CONFIG" "$email")
left=$(sqlite3 "$STORE" "SELECT count(*) FROM identifiers WHERE value = '$email'")
printf 'forget one person (%d touchpoints): %.2f s  peak %d MB  (identifiers left: %d)\n' "$touches" "$secs" "$((kb / 1024))" "$left"
[[ "$left" == 0 ]] || { echo "MISMATCH: the person is still there" >&2; exit 1; }
