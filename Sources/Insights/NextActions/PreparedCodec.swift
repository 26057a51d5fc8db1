import Foundation
import JourneyModel

/// A prepared person's state as compact bytes, for the spill of a learning derive.
///
/// `JSONEncoder` and `JSONDecoder` were a quarter of a learning derive of persons with few
/// touches (their keyed containers, not the bytes). Fields are written in declaration order;
/// the field counts below are checked against the types by reflection in the tests, so a field
/// added to one of these types and not to this codec fails a test instead of being dropped.
enum PreparedCodec {
    static let fieldCounts = (prepared: 3, prospect: 13, state: 6, followUp: 9, handRaise: 2, candidate: 3)

    struct Malformed: Error, CustomStringConvertible {
        let what: String
        var description: String { "a prepared suggestion state in the temp store is malformed at \(what) (a bug: the derive rolls back)" }
    }

    static func encode(_ p: NextActionPass.Prepared) -> [UInt8] {
        var w = Writer()
        let n = p.prospect
        w.string(n.personId)
        w.optional(n.owner) { $0.string($1) }
        w.optional(n.stage) { $0.string($1.rawValue) }
        w.optional(n.state) { w, s in
            w.string(s.stage.rawValue); w.string(s.signal.rawValue); w.string(s.band.rawValue)
            w.bool(s.fit); w.string(s.recency.rawValue); w.bool(s.buyingGroup)
        }
        w.optional(n.emailBlock) { $0.string($1) }
        w.count(n.lastTaken.count)
        for t in n.lastTaken { w.optional(t) { $0.int($1) } }
        w.count(n.contacts.count)
        for (k, v) in n.contacts.sorted(by: { $0.key < $1.key }) { w.string(k); w.int(Int64(v)) }
        w.optional(n.lastTouch) { $0.int($1) }
        w.bool(n.salesTouched)
        w.optional(n.openHandRaise) { w, h in w.int(h.at); w.string(h.what) }
        w.optional(n.followUp) { w, f in
            w.int(f.mqlAt.millisecondsSinceEpoch); w.int(f.dueAt.millisecondsSinceEpoch)
            w.optional(f.owner) { $0.string($1) }
            w.optional(f.answeredAt) { $0.int($1.millisecondsSinceEpoch) }
            w.optional(f.answeredBy) { $0.string($1) }
            w.optional(f.responseHours) { $0.int(Int64(bitPattern: $1.bitPattern)) }
            w.string(f.status.rawValue); w.int(Int64(f.salesTouches)); w.bool(f.worked)
        }
        w.bool(n.holdout)
        w.count(n.suppressed.count)
        for (k, v) in n.suppressed.sorted(by: { $0.key < $1.key }) { w.string(k); w.string(v) }
        w.bool(p.holdout)
        w.count(p.candidates.count)
        for c in p.candidates { w.int(c.at); w.int(Int64(bitPattern: c.shows)); w.string(c.touch) }
        return w.bytes
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws -> NextActionPass.Prepared {
        var r = Reader(bytes: bytes)
        let personId = try r.string()
        let owner = try r.optional { try $0.string() }
        let stage = try r.optional { try $0.enumeration(Stage.self) }
        let state = try r.optional { r in
            ProspectState(
                stage: try r.enumeration(Stage.self), signal: try r.enumeration(RecentSignal.self), band: try r.enumeration(ScoreBand.self),
                fit: try r.bool(), recency: try r.enumeration(Recency.self), buyingGroup: try r.bool())
        }
        let emailBlock = try r.optional { try $0.string() }
        var lastTaken: [Int64?] = []
        for _ in 0..<(try r.count()) { lastTaken.append(try r.optional { try $0.int() }) }
        var contacts: [String: Int] = [:]
        for _ in 0..<(try r.count()) { contacts[try r.string()] = Int(try r.int()) }
        let lastTouch = try r.optional { try $0.int() }
        let salesTouched = try r.bool()
        let handRaise = try r.optional { r in HandRaise(at: try r.int(), what: try r.string()) }
        let followUp = try r.optional { r in
            FollowUp(
                mqlAt: Timestamp(millisecondsSinceEpoch: try r.int()), dueAt: Timestamp(millisecondsSinceEpoch: try r.int()),
                owner: try r.optional { try $0.string() }, answeredAt: try r.optional { Timestamp(millisecondsSinceEpoch: try $0.int()) },
                answeredBy: try r.optional { try $0.string() },
                responseHours: try r.optional { Double(bitPattern: UInt64(bitPattern: try $0.int())) },
                status: try r.enumeration(FollowUpStatus.self), salesTouches: Int(try r.int()), worked: try r.bool())
        }
        let prospectHoldout = try r.bool()
        var suppressed: [String: String] = [:]
        for _ in 0..<(try r.count()) { suppressed[try r.string()] = try r.string() }
        let holdout = try r.bool()
        var candidates: [NextActionPass.Candidate] = []
        for _ in 0..<(try r.count()) {
            candidates.append(NextActionPass.Candidate(at: try r.int(), shows: UInt64(bitPattern: try r.int()), touch: try r.string()))
        }
        guard r.atEnd else { throw Malformed(what: "its end (bytes left over)") }
        let prospect = ProspectNow(
            personId: personId, owner: owner, stage: stage, state: state, emailBlock: emailBlock, lastTaken: lastTaken, contacts: contacts,
            lastTouch: lastTouch, salesTouched: salesTouched, openHandRaise: handRaise, followUp: followUp, holdout: prospectHoldout,
            suppressed: suppressed)
        return NextActionPass.Prepared(prospect: prospect, holdout: holdout, candidates: candidates)
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func int(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func count(_ n: Int) { int(Int64(n)) }
        mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
        mutating func string(_ s: String) {
            var s = s
            s.withUTF8 { count($0.count); bytes.append(contentsOf: $0) }
        }
        mutating func optional<T>(_ v: T?, _ body: (inout Writer, T) -> Void) {
            guard let v else { bytes.append(0); return }
            bytes.append(1)
            body(&self, v)
        }
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        var atEnd: Bool { i == bytes.count }

        mutating func int() throws -> Int64 {
            guard i + 8 <= bytes.count else { throw Malformed(what: "byte \(i)") }
            var v: Int64 = 0
            let slice = UnsafeBufferPointer(rebasing: bytes[i..<(i + 8)])
            withUnsafeMutableBytes(of: &v) { $0.copyMemory(from: UnsafeRawBufferPointer(slice)) }
            i += 8
            return Int64(littleEndian: v)
        }

        mutating func count() throws -> Int {
            let n = try int()
            guard n >= 0, n <= bytes.count else { throw Malformed(what: "byte \(i - 8)") }
            return Int(n)
        }

        mutating func bool() throws -> Bool {
            guard i < bytes.count, bytes[i] <= 1 else { throw Malformed(what: "byte \(i)") }
            defer { i += 1 }
            return bytes[i] == 1
        }

        mutating func string() throws -> String {
            let n = try count()
            guard i + n <= bytes.count else { throw Malformed(what: "byte \(i)") }
            defer { i += n }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<(i + n)]), as: UTF8.self)
        }

        mutating func enumeration<E: RawRepresentable>(_: E.Type) throws -> E where E.RawValue == String {
            let raw = try string()
            guard let value = E(rawValue: raw) else { throw Malformed(what: "\"\(raw)\" (not a \(E.self))") }
            return value
        }

        mutating func optional<T>(_ body: (inout Reader) throws -> T) throws -> T? {
            try bool() ? try body(&self) : nil
        }
    }
}
