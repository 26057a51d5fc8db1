/// The first schema: raw zone, canonical model (the analysts' contract), bookkeeping.
///
/// Never edit this once shipped: add `M0002_…` instead (GRDB: "a good migration is never modified").
enum M0001_JourneyStore {
    static let identifier = "0001_journey_store"

    static let sql = """
        -- Raw zone: every distinct version of every record, as received.
        -- Keyed by what makes a version distinct, without a rowid: one B-tree to write per record.
        CREATE TABLE raw_records (
            source       TEXT NOT NULL,
            stream       TEXT NOT NULL,
            external_id  TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            payload      TEXT NOT NULL,
            fetched_at   TEXT NOT NULL,
            origin       TEXT,
            PRIMARY KEY (source, stream, external_id, content_hash)
        ) WITHOUT ROWID;

        -- The version of each record that the canonical tables currently reflect.
        CREATE TABLE source_records (
            record_key   TEXT PRIMARY KEY,
            source       TEXT NOT NULL,
            stream       TEXT NOT NULL,
            external_id  TEXT NOT NULL,
            version_at   TEXT,
            content_hash TEXT NOT NULL,
            deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
        ) WITHOUT ROWID;

        CREATE TABLE accounts (
            account_id     TEXT PRIMARY KEY,
            name           TEXT,
            domain         TEXT,
            industry       TEXT,
            employees      INTEGER,
            annual_revenue REAL,
            source         TEXT NOT NULL,
            created_at     TEXT NOT NULL,
            updated_at     TEXT NOT NULL
        );

        CREATE TABLE account_identifiers (
            kind       TEXT NOT NULL,
            value      TEXT NOT NULL,
            account_id TEXT NOT NULL REFERENCES accounts (account_id),
            source     TEXT NOT NULL,
            PRIMARY KEY (kind, value)
        ) WITHOUT ROWID;
        CREATE INDEX account_identifiers_by_account ON account_identifiers (account_id);

        CREATE TABLE persons (
            person_id       TEXT PRIMARY KEY,
            primary_email   TEXT,
            first_name      TEXT,
            last_name       TEXT,
            title           TEXT,
            account_id      TEXT REFERENCES accounts (account_id),
            lifecycle_stage TEXT,
            score           REAL,
            owner           TEXT,
            consent_email   INTEGER CHECK (consent_email IN (0, 1)),
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL
        );
        CREATE INDEX persons_by_email ON persons (primary_email);
        CREATE INDEX persons_by_account ON persons (account_id);

        CREATE TABLE identifiers (
            kind      TEXT NOT NULL,
            value     TEXT NOT NULL,
            person_id TEXT NOT NULL REFERENCES persons (person_id),
            source    TEXT NOT NULL,
            PRIMARY KEY (kind, value)
        ) WITHOUT ROWID;
        CREATE INDEX identifiers_by_person ON identifiers (person_id);

        -- Which identifiers each live source record claims (identity resolution's input).
        CREATE TABLE record_identifiers (
            record_key TEXT NOT NULL REFERENCES source_records (record_key),
            kind       TEXT NOT NULL,
            value      TEXT NOT NULL,
            PRIMARY KEY (record_key, kind, value)
        ) WITHOUT ROWID;
        CREATE INDEX record_identifiers_by_value ON record_identifiers (kind, value);

        -- What each live person record says; persons' attributes are derived from these.
        CREATE TABLE person_records (
            record_key    TEXT PRIMARY KEY REFERENCES source_records (record_key),
            person_id     TEXT NOT NULL REFERENCES persons (person_id),
            source        TEXT NOT NULL,
            version_at    TEXT,
            email         TEXT,
            first_name    TEXT,
            last_name     TEXT,
            title         TEXT,
            company       TEXT,
            phone         TEXT,
            owner         TEXT,
            consent_email INTEGER,
            vendor_stage  TEXT,
            score         REAL,
            account_id    TEXT REFERENCES accounts (account_id),
            created_at    TEXT
        ) WITHOUT ROWID;
        CREATE INDEX person_records_by_person ON person_records (person_id);

        CREATE TABLE person_merges (
            merge_id        INTEGER PRIMARY KEY,
            merged_person   TEXT NOT NULL,
            into_person     TEXT NOT NULL,
            via_kind        TEXT NOT NULL,
            via_value       TEXT NOT NULL,
            record_key      TEXT,
            merged_at       TEXT NOT NULL
        );

        CREATE TABLE opportunities (
            opportunity_id TEXT PRIMARY KEY,
            account_id     TEXT REFERENCES accounts (account_id),
            name           TEXT,
            stage          TEXT,
            amount         REAL,
            currency       TEXT,
            close_date     TEXT,
            is_won         INTEGER CHECK (is_won IN (0, 1)),
            is_closed      INTEGER CHECK (is_closed IN (0, 1)),
            source         TEXT NOT NULL,
            external_id    TEXT NOT NULL,
            updated_at     TEXT
        );

        CREATE TABLE touchpoints (
            touchpoint_id TEXT PRIMARY KEY,
            person_id     TEXT REFERENCES persons (person_id),
            account_id    TEXT REFERENCES accounts (account_id),
            occurred_at   TEXT NOT NULL,
            channel       TEXT NOT NULL,
            action        TEXT NOT NULL,
            side          TEXT NOT NULL CHECK (side IN ('marketing', 'sales')),
            campaign      TEXT,
            content       TEXT,
            owner         TEXT,
            value         REAL,
            source        TEXT NOT NULL,
            stream        TEXT NOT NULL,
            external_id   TEXT NOT NULL,
            attributes    TEXT
        );
        -- touchpoint_id is the record key, or `record key#suffix` when one record makes several,
        -- so a record's touchpoints are one primary-key range: no extra index to maintain.
        CREATE INDEX touchpoints_by_person ON touchpoints (person_id, occurred_at);

        CREATE TABLE stage_history (
            person_id  TEXT NOT NULL REFERENCES persons (person_id),
            stage      TEXT NOT NULL,
            entered_at TEXT NOT NULL,
            reason     TEXT,
            PRIMARY KEY (person_id, stage, entered_at)
        );

        CREATE TABLE next_actions (
            person_id   TEXT NOT NULL REFERENCES persons (person_id),
            rank        INTEGER NOT NULL,
            action      TEXT NOT NULL,
            channel     TEXT,
            side        TEXT CHECK (side IN ('marketing', 'sales')),
            score       REAL,
            reason      TEXT NOT NULL,
            evidence    TEXT,
            computed_at TEXT NOT NULL,
            PRIMARY KEY (person_id, rank)
        );

        CREATE TABLE quarantine (
            quarantine_id INTEGER PRIMARY KEY,
            source        TEXT NOT NULL,
            stream        TEXT NOT NULL,
            external_id   TEXT,
            reason        TEXT NOT NULL,
            payload       TEXT NOT NULL,
            seen_at       TEXT NOT NULL,
            origin        TEXT,
            payload_hash  TEXT NOT NULL,
            UNIQUE (source, stream, payload_hash, reason)
        );

        CREATE TABLE deleted_records (
            record_key  TEXT PRIMARY KEY,
            source      TEXT NOT NULL,
            stream      TEXT NOT NULL,
            external_id TEXT NOT NULL,
            deleted_at  TEXT NOT NULL,
            reason      TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE sync_state (
            source            TEXT NOT NULL,
            stream            TEXT NOT NULL,
            cursor            TEXT,
            status            TEXT NOT NULL DEFAULT 'never_run',
            last_run_at       TEXT,
            last_success_at   TEXT,
            last_error        TEXT,
            records_total     INTEGER NOT NULL DEFAULT 0,
            read_total        INTEGER NOT NULL DEFAULT 0,
            quarantined_total INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (source, stream)
        ) WITHOUT ROWID;

        -- Per-file progress of file-drop sources: where to resume, what is done.
        CREATE TABLE file_progress (
            source      TEXT NOT NULL,
            path        TEXT NOT NULL,
            stream      TEXT,
            size        INTEGER NOT NULL,
            modified_ns INTEGER NOT NULL,
            head_hash   TEXT NOT NULL,
            byte_offset INTEGER NOT NULL,
            row_number  INTEGER NOT NULL,
            completed   INTEGER NOT NULL CHECK (completed IN (0, 1)),
            updated_at  TEXT NOT NULL,
            PRIMARY KEY (source, path)
        ) WITHOUT ROWID;
        """
}
