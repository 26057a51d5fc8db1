/// `identity_generation`: a number that moves whenever an existing identifier changes its person or
/// goes, or a person changes their account or goes — on any connection, by any path (a batch's
/// resolution, `identity undo` or `rebuild`, `forget`, another process). A writer that remembers
/// who holds an identifier across batches (`IdentityResolution`'s memo) reads it at each batch:
/// while it has not moved, what it remembered is still true; when it has, it forgets everything.
///
/// Inserts do not move it: new identifiers and persons change no existing answer, and the store
/// never replaces these rows by insert (a `REPLACE` would delete first, and the connections run
/// with `recursive_triggers`, so that delete moves it too). Counting every insert would make a
/// backfill that creates persons forget at every batch.
enum M0025_IdentityGeneration {
    static let identifier = "0025_identity_generation"

    static let sql = """
        CREATE TABLE identity_generation (
            id         INTEGER PRIMARY KEY CHECK (id = 1),
            generation INTEGER NOT NULL
        );
        INSERT INTO identity_generation (id, generation) VALUES (1, 0);
        CREATE TRIGGER identifiers_moved AFTER UPDATE OF kind, value, person_id ON identifiers
          WHEN OLD.kind IS NOT NEW.kind OR OLD.value IS NOT NEW.value OR OLD.person_id IS NOT NEW.person_id
        BEGIN
          UPDATE identity_generation SET generation = generation + 1 WHERE id = 1;
        END;
        CREATE TRIGGER identifiers_removed AFTER DELETE ON identifiers BEGIN
          UPDATE identity_generation SET generation = generation + 1 WHERE id = 1;
        END;
        CREATE TRIGGER persons_moved AFTER UPDATE OF person_id, account_id ON persons
          WHEN OLD.person_id IS NOT NEW.person_id OR OLD.account_id IS NOT NEW.account_id
        BEGIN
          UPDATE identity_generation SET generation = generation + 1 WHERE id = 1;
        END;
        CREATE TRIGGER persons_removed AFTER DELETE ON persons BEGIN
          UPDATE identity_generation SET generation = generation + 1 WHERE id = 1;
        END;
        """
}
