import Foundation
import GRDB
import JourneyModel
import JourneyStore

/// Prepared persons kept in SQLite's temp store while a full derive learns the next-action
/// model, read back in the same order once it is complete: memory stays flat however many
/// persons the store holds. (Reading the store a second time instead made the derive of 1M
/// touches take 44 s; spilling costs a second or two.)
struct PreparedSpill {
    private let db: Database
    private let insert: HotStatement
    private let encoder = JSONEncoder()

    init(db: Database) throws {
        self.db = db
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.prepared_suggestions;
            CREATE TEMP TABLE prepared_suggestions (seq INTEGER PRIMARY KEY, state TEXT NOT NULL);
            """)
        insert = try HotStatement(db, sql: "INSERT INTO temp.prepared_suggestions (state) VALUES (?)")
    }

    func add(_ prepared: NextActionPass.Prepared) throws {
        let data = try encoder.encode(Stored(prepared))
        insert.text(1, String(decoding: data, as: UTF8.self))
        try insert.run()
    }

    /// Every prepared person in the order added; the table goes afterwards.
    func forEach(_ body: (NextActionPass.Prepared) throws -> Void) throws {
        let decoder = JSONDecoder()
        let rows = try String.fetchCursor(db, sql: "SELECT state FROM temp.prepared_suggestions ORDER BY seq")
        while let text = try rows.next() {
            try body(try decoder.decode(Stored.self, from: Data(text.utf8)).prepared)
        }
        try db.execute(sql: "DROP TABLE temp.prepared_suggestions")
    }

    /// `Prepared` in Codable form: tuples as parallel arrays, timestamps as milliseconds.
    private struct Stored: Codable {
        var personId: String
        var owner: String?
        var stage: Stage?
        var state: ProspectState?
        var emailBlock: String?
        var lastTaken: [Int64?]
        var contacts: [String: Int]
        var lastTouch: Int64?
        var salesTouched: Bool
        var handRaiseAt: Int64?
        var handRaiseWhat: String?
        var followUp: StoredFollowUp?
        var prospectHoldout: Bool
        var suppressed: [String: String]
        var holdout: Bool
        var candidateAt: [Int64]
        var candidateShows: [UInt64]
        var candidateTouch: [String]

        init(_ p: NextActionPass.Prepared) {
            let n = p.prospect
            personId = n.personId
            owner = n.owner
            stage = n.stage
            state = n.state
            emailBlock = n.emailBlock
            lastTaken = n.lastTaken
            contacts = n.contacts
            lastTouch = n.lastTouch
            salesTouched = n.salesTouched
            handRaiseAt = n.openHandRaise?.at
            handRaiseWhat = n.openHandRaise?.what
            followUp = n.followUp.map(StoredFollowUp.init)
            prospectHoldout = n.holdout
            suppressed = n.suppressed
            holdout = p.holdout
            candidateAt = p.candidates.map(\.at)
            candidateShows = p.candidates.map(\.shows)
            candidateTouch = p.candidates.map(\.touch)
        }

        var prepared: NextActionPass.Prepared {
            let prospect = ProspectNow(
                personId: personId, owner: owner, stage: stage, state: state, emailBlock: emailBlock, lastTaken: lastTaken,
                contacts: contacts, lastTouch: lastTouch, salesTouched: salesTouched,
                openHandRaise: handRaiseAt.map { ($0, handRaiseWhat ?? "") }, followUp: followUp?.followUp,
                holdout: prospectHoldout, suppressed: suppressed)
            let candidates = candidateAt.indices.map { (at: candidateAt[$0], shows: candidateShows[$0], touch: candidateTouch[$0]) }
            return NextActionPass.Prepared(prospect: prospect, holdout: holdout, candidates: candidates)
        }
    }

    private struct StoredFollowUp: Codable {
        var mqlAt, dueAt: Int64
        var owner: String?
        var answeredAt: Int64?
        var answeredBy: String?
        var responseHours: Double?
        var status: FollowUpStatus
        var salesTouches: Int
        var worked: Bool

        init(_ f: FollowUp) {
            mqlAt = f.mqlAt.millisecondsSinceEpoch
            dueAt = f.dueAt.millisecondsSinceEpoch
            owner = f.owner
            answeredAt = f.answeredAt?.millisecondsSinceEpoch
            answeredBy = f.answeredBy
            responseHours = f.responseHours
            status = f.status
            salesTouches = f.salesTouches
            worked = f.worked
        }

        var followUp: FollowUp {
            FollowUp(
                mqlAt: Timestamp(millisecondsSinceEpoch: mqlAt), dueAt: Timestamp(millisecondsSinceEpoch: dueAt), owner: owner,
                answeredAt: answeredAt.map(Timestamp.init(millisecondsSinceEpoch:)), answeredBy: answeredBy,
                responseHours: responseHours, status: status, salesTouches: salesTouches, worked: worked)
        }
    }
}
