/// Persons with no live record left: they leave the live tables (their touchpoints too) and are
/// listed here; every record they came from stays in the raw zone.
enum M0003_DeletedPersons {
    static let identifier = "0003_deleted_persons"

    static let sql = """
        CREATE TABLE deleted_persons (
            person_id     TEXT PRIMARY KEY,
            primary_email TEXT,
            deleted_at    TEXT NOT NULL,
            reason        TEXT NOT NULL
        ) WITHOUT ROWID;
        """
}
