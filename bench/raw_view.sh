#!/usr/bin/env bash
# What reading the raw zone costs by the width of an export: a CSV of R rows and C columns
# (an id, an email, a time, an action and C-4 filler columns) is ingested through the real CLI,
# then its payloads are read two ways with sqlite3 alone:
#   view    — `raw_records`, which rebuilds each row's JSON object from its values and header
#             (one json_extract per column, each parsing the values again);
#   values  — `raw_versions` joined to `raw_columns`: the values and the header as stored, which
#             is what `reprocess` reads (it rebuilds the object in Swift, in one pass).
# Usage: bench/raw_view.sh [C] [R]      (default: 300 columns, 2000 rows)
# Env:   JOURNEYLAKE_BIN=/path/to/journeylake   skip the build
set -euo pipefail
cd "$(dirname "$0")/.."
C="${1:-300}"
R="${2:-2000}"
(( C >= 5 )) || { echo "raw_view.sh: C must be at least 5" >&2; exit 1; }
BIN="${JOURNEYLAKE_BIN:-}"
if [[ -z "$BIN" ]]; then
    swift build -c release --product journeylake
    BIN=.build/release/journeylake
fi
DIR="bench/out/raw-view-$C-$R"
rm -rf "$DIR" && mkdir -p "$DIR/drops"
python3 - "$C" "$R" "$DIR/drops/wide.csv" <<'PY'
import csv, sys
c, r, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "email", "at", "action"] + [f"Field {i}" for i in range(c - 4)])
    for n in range(r):
        w.writerow([f"r{n}", f"p{n % 500}@example.com", f"2025-03-{n % 28 + 1:02d}T10:00:00Z", "open"]
                   + [f"value {n} {i}" for i in range(c - 4)])
PY
cat > "$DIR/journeylake.yaml" <<YAML
store: { path: journey.sqlite }
sources:
  - name: wide
    type: files
    path: drops
    format: csv
    settle: 0s
    mapping:
      record: touchpoint
      id: id
      fields: { email: email, occurred_at: at, action: action }
      constants: { channel: email, side: marketing }
      values: { action: { open: email.opened } }
YAML
"$BIN" ingest --config "$DIR/journeylake.yaml" > "$DIR/ingest.log"
read_time() {  # label, SQL
    local secs
    secs=$(printf '.timer on\n%s;\n' "$2" | sqlite3 "$DIR/journey.sqlite" | awk '/Run Time/ { print $4 }')
    python3 -c "import sys; s=float(sys.argv[2]); print(f'{sys.argv[1]:<7} {s:6.2f} s  {s / int(sys.argv[3]) * 1e6:8.1f} µs a row')" "$1" "$secs" "$R"
}
echo "raw zone of $R rows x $C columns ($(sqlite3 "$DIR/journey.sqlite" 'SELECT count(*) FROM raw_versions WHERE columns_id IS NOT NULL') stored as values)"
read_time view "SELECT sum(length(payload)) FROM raw_records"
read_time values "SELECT sum(length(r.payload) + length(k.names)) FROM raw_versions r JOIN raw_columns k USING (columns_id)"
