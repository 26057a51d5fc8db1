import JourneyModel

/// One counted conversion's journey: a range of `Journeys.touchKey`/`touchAt` and what models weigh it by.
struct ConvertingJourney {
    var touches: Range<Int>
    /// Conversion time (milliseconds).
    var at: Int64
    var value: Double
    /// The person's lead creation (for an account-level conversion: the account persons' earliest).
    var leadCreatedAt: Int64?
    var opportunityCreatedAt: Int64?
}

/// Credit per key index, as a model hands it back to `Attribution.run`.
struct Credit {
    var conversions: [Double]
    var value: [Double]
    /// Markov only: the removal effect per key (nil for keys outside the chain).
    var removalEffect: [Double?]?

    init(keyCount: Int) {
        conversions = Array(repeating: 0, count: keyCount)
        value = Array(repeating: 0, count: keyCount)
        removalEffect = nil
    }
}

/// The journeys all models read, built once per run.
///
/// Touches are grouped per person with one sort, and keys (channels or campaigns) are interned to Ints so that no
/// model touches a String in its loops. Keys and persons are numbered in sorted name order and conversions are read
/// in (time, id) order, so the result does not depend on the order of the input arrays, down to the order floating
/// point sums are made in.
struct Journeys {
    static let none = "(none)"

    /// Key names by index, sorted; always holds "(none)".
    let keys: [String]
    let noneKey: Int
    /// The touches of all journeys, journey after journey.
    private(set) var touchKey: [Int32] = []
    private(set) var touchAt: [Int64] = []
    /// Counted conversions with at least one touch, in (time, id) order.
    private(set) var converting: [ConvertingJourney] = []
    /// One per person who never converted: their touches inside since/until.
    private(set) var nonConverting: [Range<Int>] = []
    /// Counted conversions whose journey has no touch: every model gives them to "(none)".
    private(set) var touchlessCount = 0
    private(set) var touchlessValue = 0.0
    /// Whether a key has a touch in a converting (non-converting) journey.
    private(set) var inConverting: [Bool]
    private(set) var inNonConverting: [Bool]

    /// Not a touch: deliveries and no-shows are not engagement; conversions and opportunity steps are the outcome.
    static func isTouch(_ action: String, conversionActions: Set<String>) -> Bool {
        !(action == "email.delivered" || action.hasSuffix(".no_show") || action.hasPrefix("opportunity.")
            || conversionActions.contains(action))
    }

    init(_ input: AttributionInput, _ parameters: AttributionParameters) {
        let touches = input.touches

        // Filter and intern, with one action check per distinct action.
        var isTouchByAction: [String: Bool] = [:]
        var keyOf: [String: Int32] = [Journeys.none: 0]
        var personOf: [String: Int32] = [:]
        var kept: [Int32] = []
        var keptKey: [Int32] = []
        var keptPerson: [Int32] = []
        var keptAt: [Int64] = []
        kept.reserveCapacity(touches.count)
        keptAt.reserveCapacity(touches.count)
        keptKey.reserveCapacity(touches.count)
        keptPerson.reserveCapacity(touches.count)
        for i in touches.indices {
            let t = touches[i]
            let isTouch: Bool
            if let known = isTouchByAction[t.action] {
                isTouch = known
            } else {
                isTouch = Journeys.isTouch(t.action, conversionActions: parameters.conversionActions)
                isTouchByAction[t.action] = isTouch
            }
            guard isTouch else { continue }
            let keyName = parameters.by == .campaign ? (t.campaign ?? Journeys.none) : t.channel
            let key: Int32
            if let k = keyOf[keyName] { key = k } else { key = Int32(keyOf.count); keyOf[keyName] = key }
            let person: Int32
            if let p = personOf[t.person] { person = p } else { person = Int32(personOf.count); personOf[t.person] = person }
            kept.append(Int32(i))
            keptKey.append(key)
            keptPerson.append(person)
            keptAt.append(t.at.millisecondsSinceEpoch)
        }

        // Renumber keys and persons in name order (input-order independence).
        let keyNames = keyOf.keys.sorted()
        var keyRemap = [Int32](repeating: 0, count: keyNames.count)
        for (new, name) in keyNames.enumerated() { keyRemap[Int(keyOf[name]!)] = Int32(new) }
        let personNames = personOf.keys.sorted()
        var personRemap = [Int32](repeating: 0, count: personNames.count)
        for (new, name) in personNames.enumerated() {
            personRemap[Int(personOf[name]!)] = Int32(new)
            personOf[name] = Int32(new)
        }
        for i in keptKey.indices {
            keptKey[i] = keyRemap[Int(keptKey[i])]
            keptPerson[i] = personRemap[Int(keptPerson[i])]
        }
        keys = keyNames
        noneKey = keyNames.firstIndex(of: Journeys.none)!
        inConverting = Array(repeating: false, count: keyNames.count)
        inNonConverting = Array(repeating: false, count: keyNames.count)

        // One sort: by person, then time, then touchpoint id.
        var order = Array(kept.indices)
        order.sort { a, b in
            if keptPerson[a] != keptPerson[b] { return keptPerson[a] < keptPerson[b] }
            if keptAt[a] != keptAt[b] { return keptAt[a] < keptAt[b] }
            return touches[Int(kept[a])].id < touches[Int(kept[b])].id
        }
        let personCount = personNames.count
        var personStart = [Int](repeating: 0, count: personCount + 1)
        var sortedKey = [Int32](repeating: 0, count: order.count)
        var sortedAt = [Int64](repeating: 0, count: order.count)
        var sortedTouch = [Int32](repeating: 0, count: order.count)
        for (pos, i) in order.enumerated() {
            sortedKey[pos] = keptKey[i]
            sortedAt[pos] = keptAt[i]
            sortedTouch[pos] = kept[i]
            personStart[Int(keptPerson[i]) + 1] += 1
        }
        for p in 0..<personCount { personStart[p + 1] += personStart[p] }

        // Account → its persons with touches, and the account's earliest lead creation.
        var accountPersons: [String: [Int32]] = [:]
        var accountLead: [String: Int64] = [:]
        for (person, account) in input.accountOf {
            if let p = personOf[person] { accountPersons[account, default: []].append(p) }
            if let lead = input.leadCreatedAt[person]?.millisecondsSinceEpoch {
                accountLead[account] = min(accountLead[account] ?? lead, lead)
            }
        }
        for account in accountPersons.keys { accountPersons[account]!.sort() }

        func affected(_ c: AttributionConversion) -> [Int32] {
            if let person = c.person { return personOf[person].map { [$0] } ?? [] }
            if let account = c.account { return accountPersons[account] ?? [] }
            return []
        }

        // Every conversion in the input, counted or not, ends the journeys of the persons it credits: touches up to
        // it are its own, or nobody's when it falls outside since/until.
        let conversions = input.conversions.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        var conversionTimes = [[Int64]](repeating: [], count: personCount)
        for c in conversions {
            for p in affected(c) { conversionTimes[Int(p)].append(c.at.millisecondsSinceEpoch) }
        }

        /// The first position of person p's touches at or after time x.
        func lowerBound(_ p: Int, _ x: Int64) -> Int {
            var lo = personStart[p], hi = personStart[p + 1]
            while lo < hi {
                let mid = (lo + hi) / 2
                if sortedAt[mid] < x { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        /// Positions of person p's touches with time in [low, high).
        func range(_ p: Int, _ low: Int64, _ high: Int64) -> Range<Int> {
            guard low < high else { return personStart[p]..<personStart[p] }
            return lowerBound(p, low)..<lowerBound(p, high)
        }

        let since = input.since?.millisecondsSinceEpoch ?? Int64.min
        let until = input.until?.millisecondsSinceEpoch
        func counted(_ at: Int64) -> Bool { at >= since && (until.map { at < $0 } ?? true) }

        var merged: [(at: Int64, id: String, key: Int32)] = []
        for c in conversions {
            let at = c.at.millisecondsSinceEpoch
            guard counted(at) else { continue }
            let (windowStart, overflow) = at.subtractingReportingOverflow(parameters.windowMilliseconds)
            let start = touchKey.count
            let persons = affected(c)
            for p in persons {
                let times = conversionTimes[Int(p)]
                // The latest conversion of this person strictly before this one; simultaneous ones share a journey.
                var lo = 0, hi = times.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if times[mid] < at { lo = mid + 1 } else { hi = mid }
                }
                var low = overflow ? Int64.min : windowStart
                if lo > 0 { low = max(low, times[lo - 1] &+ 1) }
                let r = range(Int(p), low, at)
                if persons.count == 1 {
                    touchKey.append(contentsOf: sortedKey[r])
                    touchAt.append(contentsOf: sortedAt[r])
                } else {
                    for pos in r { merged.append((sortedAt[pos], touches[Int(sortedTouch[pos])].id, sortedKey[pos])) }
                }
            }
            if persons.count > 1 {
                // One journey of all the account persons' touches, in time then touchpoint id order.
                merged.sort { ($0.at, $0.id) < ($1.at, $1.id) }
                for m in merged {
                    touchKey.append(m.key)
                    touchAt.append(m.at)
                }
                merged.removeAll(keepingCapacity: true)
            }
            let end = touchKey.count
            if start == end {
                touchlessCount += 1
                touchlessValue += c.value
                continue
            }
            for pos in start..<end { inConverting[Int(touchKey[pos])] = true }
            let lead: Int64? =
                if let person = c.person { input.leadCreatedAt[person]?.millisecondsSinceEpoch } else if let account = c.account {
                    accountLead[account]
                } else { nil }
            converting.append(
                ConvertingJourney(
                    touches: start..<end, at: at, value: c.value, leadCreatedAt: lead,
                    opportunityCreatedAt: c.opportunityCreatedAt?.millisecondsSinceEpoch))
        }

        // Persons who never converted (by person or through their account): all their touches inside since/until.
        for p in 0..<personCount where conversionTimes[p].isEmpty {
            let low = lowerBound(p, since)
            let r2 = low..<max(low, until.map { lowerBound(p, $0) } ?? personStart[p + 1])
            guard !r2.isEmpty else { continue }
            let start = touchKey.count
            touchKey.append(contentsOf: sortedKey[r2])
            touchAt.append(contentsOf: sortedAt[r2])
            for pos in start..<touchKey.count { inNonConverting[Int(touchKey[pos])] = true }
            nonConverting.append(start..<touchKey.count)
        }
    }

    /// Splits every converting journey over its touches by `shares` (one share per touch, summing to 1).
    func perTouch(_ shares: (ConvertingJourney, inout [Double]) -> Void) -> Credit {
        var credit = Credit(keyCount: keys.count)
        var w: [Double] = []
        for j in converting {
            w.removeAll(keepingCapacity: true)
            w.append(contentsOf: repeatElement(0.0, count: j.touches.count))
            shares(j, &w)
            for (i, pos) in j.touches.enumerated() {
                let k = Int(touchKey[pos])
                credit.conversions[k] += w[i]
                credit.value[k] += w[i] * j.value
            }
        }
        return credit
    }
}
