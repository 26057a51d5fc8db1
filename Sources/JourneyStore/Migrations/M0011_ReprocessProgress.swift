/// `reprocess_progress`: how far a `journeylake reprocess` run has got, committed with each of its
/// batches, so a run stopped at any moment resumes where it was instead of starting over.
enum M0011_ReprocessProgress {
    static let identifier = "0011_reprocess_progress"

    static let sql = """
        CREATE TABLE reprocess_progress (
            source           TEXT NOT NULL,
            scope            TEXT NOT NULL,
            phase            TEXT NOT NULL,
            after_record     TEXT,
            after_quarantine INTEGER,
            started_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL,
            PRIMARY KEY (source, scope)
        );
        """
}
