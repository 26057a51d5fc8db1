#!/usr/bin/env bash
# Identity-resolution benchmark: N touchpoints over L leads (2 identifiers each: Marketo id and
# email, some in messy case), resolved into persons by the real CLI, with time and peak memory.
# Usage: bench/identity.sh [N] [L]      (default: 1000000 touchpoints, 100000 leads = 200k identifiers)
# Env:   JOURNEYLAKE_BIN=/path/to/journeylake   skip the build
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
L="${2:-100000}"
BIN="${JOURNEYLAKE_BIN:-}"
if [[ -z "$BIN" ]]; then
    swift build -c release --product journeylake
    BIN=.build/release/journeylake
fi
DIR="bench/out/identity-$N-$L"
rm -rf "$DIR" && mkdir -p "$DIR/leads" "$DIR/activities"
python3 bench/gen_marketo_bulk.py "$N" "$DIR/gen" --leads "$L" > "$DIR/gen.out"
mv "$DIR/gen/leads.csv" "$DIR/leads/" && mv "$DIR/gen/activities.csv" "$DIR/activities/"
cat > "$DIR/journeylake.yaml" <<YAML
store:
  path: journey.sqlite
sources:
  - {name: leads, type: files, path: leads, format: marketo-leads-export, settle: 0s}
  - {name: activities, type: files, path: activities, format: marketo-activities-export, settle: 0s}
YAML
/usr/bin/time -f "%e %M" -o "$DIR/time" "$BIN" ingest --config "$DIR/journeylake.yaml" > "$DIR/ingest.log"
read -r secs kb < "$DIR/time"
q() { sqlite3 "$DIR/journey.sqlite" "$1"; }
persons=$(q "SELECT count(*) FROM persons")
identifiers=$(q "SELECT count(*) FROM identifiers")
touchpoints=$(q "SELECT count(*) FROM touchpoints")
unlinked=$(q "SELECT count(*) FROM touchpoints WHERE person_id IS NULL")
echo "touchpoints=$touchpoints identifiers=$identifiers persons=$persons (leads=$L) unlinked=$unlinked"
python3 -c "print(f'resolve + ingest: {float(\"$secs\"):.1f} s, {int(\"$touchpoints\") / float(\"$secs\"):,.0f} touchpoints/s, peak {int(\"$kb\") / 1024:.0f} MB')"
[[ "$persons" == "$L" ]] || { echo "MISMATCH: expected $L persons" >&2; exit 1; }
