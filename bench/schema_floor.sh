#!/usr/bin/env bash
# The write cost of the journey store's own schema, measured with sqlite3 alone (no Swift, no
# parsing, no normalization): the raw-zone, source_records and touchpoints rows that an ingest of
# the benchmark's activities file writes (each touchpoint with a person and an account, as the
# bench's leads have), inserted with INSERT … SELECT in one transaction.
# It is the floor under `journeylake ingest` on this schema. Run bench/ingest.sh N first.
# Usage: bench/schema_floor.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
DIR="bench/out/$N"
[[ -f "$DIR/journey.sqlite" && -f "$DIR/activities/activities.csv" ]] || { echo "run bench/ingest.sh $N first" >&2; exit 1; }
WORK="$DIR/floor"
rm -rf "$WORK" && mkdir -p "$WORK"
sqlite3 "$DIR/journey.sqlite" .schema | grep -v '^CREATE TABLE sqlite_' > "$WORK/schema.sql"
cat > "$WORK/floor.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
.read $WORK/schema.sql
.mode csv
.import $DIR/activities/activities.csv act
.timer on
BEGIN;
INSERT INTO raw_columns (names) VALUES ('["marketoGUID","leadId","activityDate","activityTypeId","campaignId","primaryAttributeValueId","primaryAttributeValue","attributes"]');
SQL
# The raw zone as the store keeps it: since 0021 a record's current version is in its
# source_records row; before, it was a raw_versions row of its own.
if sqlite3 "$DIR/journey.sqlite" "SELECT 1 FROM pragma_table_info('source_records') WHERE name = 'payload'" | grep -q 1; then
cat >> "$WORK/floor.sql" <<SQL
INSERT OR IGNORE INTO source_records (record_key, source, stream, external_id, version_at, content_hash, deleted,
    payload, columns_id, fetched_at, origin)
  SELECT 'marketo:activities:' || marketoGUID, 'marketo-activities', 'activities', marketoGUID, activityDate,
         hex(randomblob(16)), 0,
         json_array(marketoGUID, leadId, activityDate, activityTypeId, campaignId, primaryAttributeValueId,
                    primaryAttributeValue, attributes), 1, '2026-01-01T00:00:00.000Z', 'activities.csv:' || rowid FROM act;
SQL
else
cat >> "$WORK/floor.sql" <<SQL
INSERT OR IGNORE INTO raw_versions (source, stream, external_id, content_hash, payload, fetched_at, origin, columns_id)
  SELECT 'marketo-activities', 'activities', marketoGUID, hex(randomblob(16)),
         json_array(marketoGUID, leadId, activityDate, activityTypeId, campaignId, primaryAttributeValueId,
                    primaryAttributeValue, attributes),
         '2026-01-01T00:00:00.000Z', 'activities.csv:' || rowid, 1 FROM act;
INSERT OR IGNORE INTO source_records (record_key, source, stream, external_id, version_at, content_hash, deleted)
  SELECT 'marketo:activities:' || marketoGUID, 'marketo-activities', 'activities', marketoGUID, activityDate,
         hex(randomblob(16)), 0 FROM act;
SQL
fi
cat >> "$WORK/floor.sql" <<SQL
INSERT OR REPLACE INTO touchpoints (touchpoint_id, person_id, account_id, occurred_at, channel, action, side,
    campaign, content, owner, value, source, stream, external_id, attributes)
  SELECT 'marketo:activities:' || marketoGUID, 'p_' || substr(hex(leadId * 2654435761), 1, 16),
         'a_' || substr(hex((leadId % 2000) * 2654435761), 1, 16), activityDate, 'email', 'email.opened', 'marketing', campaignId, primaryAttributeValue, NULL, NULL,
         'marketo-activities', 'activities', marketoGUID, attributes FROM act;
COMMIT;
SQL
total=$(sqlite3 "$WORK/floor.sqlite" < "$WORK/floor.sql" | awk '/Run Time/ { t += $4 } END { printf "%.2f", t }')
python3 - "$N" "$total" <<'PY'
import sys
n, t = int(sys.argv[1]), float(sys.argv[2])
print(f"schema floor (sqlite3 only, {n} rows): {t:.2f} s  {n / t:,.0f} rows/s" if t > 0 else "schema floor: too fast to time")
PY
