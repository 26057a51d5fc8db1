import Foundation
public import JourneyConfig
import JourneyModel

extension Definitions {
    /// `definitions:` of the config (nil: the defaults). Unknown keys, stages, regular
    /// expressions and numbers are errors naming their line, all reported together.
    public init(node: ConfigNode?) throws {
        self.init()
        guard let node else { return }
        let top = try node.keyed(allowed: ["stages", "mql", "score", "sla", "funnel", "conversions", "actions", "next_actions"])
        var errors: [ConfigError] = []
        func collect(_ body: () throws -> Void) {
            do { try body() } catch let e as ConfigError { errors.append(e) } catch let e as ConfigErrors {
                errors.append(contentsOf: e.errors)
            } catch { errors.append(node.error("\(error)")) }
        }
        collect {
            guard let stages = top["stages"] else { return }
            for (value, target) in try stages.entries() {
                self.stages.values[StageMapping.normalize(value)] = try Self.stage(target)
            }
        }
        collect { if let mql = top["mql"] { self.mql = try Self.mql(mql) } }
        collect { if let score = top["score"] { try Self.score(score, into: &self.score) } }
        collect { if let sla = top["sla"] { self.sla = try Self.followUp(sla) } }
        collect {
            guard let funnel = try top["funnel"]?.keyed(allowed: ["stalled_after"]) else { return }
            if let d = try funnel["stalled_after"]?.duration() { self.funnel.stalledAfterMilliseconds = Self.milliseconds(d) }
        }
        collect {
            guard let list = top["conversions"] else { return }
            let actions = try Self.actions(list)
            if actions.isEmpty { throw list.error("at least one conversion action is needed", hint: "e.g. [opportunity.won]") }
            self.conversions = actions
        }
        collect { if let actions = top["actions"] { try Self.actions(actions, into: &self.nextActions) } }
        collect { if let settings = top["next_actions"] { try Self.nextActions(settings, into: &self.nextActions) } }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    static func stage(_ node: ConfigNode) throws -> Stage {
        let text = try node.nonEmptyString().lowercased()
        guard let stage = Stage(rawValue: text) else {
            let known = Stage.allCases.map(\.rawValue)
            throw node.error("unknown stage '\(text)'", hint: "stages: \(known.joined(separator: ", "))")
        }
        return stage
    }

    static func actions(_ node: ConfigNode) throws -> Set<String> {
        var out: Set<String> = []
        for item in try node.list() {
            let action = try item.nonEmptyString()
            guard action.contains(".") else {
                throw item.error("'\(action)' is not a touchpoint action", hint: "actions are channel.verb, e.g. form.submitted, call.inbound")
            }
            out.insert(action)
        }
        return out
    }

    static func number(_ node: ConfigNode) throws -> Double {
        let text = try node.string().replacingOccurrences(of: "_", with: "")
        guard let value = Double(text), value.isFinite else { throw node.error("expected a number, found '\(text)'") }
        return value
    }

    static func range(_ node: ConfigNode) throws -> NumberRange {
        let keyed = try node.keyed(allowed: ["min", "max"])
        let range = NumberRange(min: try keyed["min"].map(number), max: try keyed["max"].map(number))
        if range.min == nil, range.max == nil { throw node.error("a range needs min, max or both") }
        if let lo = range.min, let hi = range.max, lo > hi { throw node.error("min \(lo) is above max \(hi)") }
        return range
    }

    static func pattern(_ node: ConfigNode) throws -> String {
        let text = try node.nonEmptyString()
        do {
            _ = try NSRegularExpression(pattern: text, options: [.caseInsensitive])
        } catch {
            throw node.error("'\(text)' is not a valid regular expression")
        }
        return text
    }

    static func country(_ node: ConfigNode) throws -> String {
        let text = try node.nonEmptyString()
        guard let code = Country.code(for: text) else {
            throw node.error("'\(text)' is not a country this version knows", hint: "write its ISO 3166-1 code, e.g. US, DE, GB")
        }
        return code
    }

    static func sicCode(_ node: ConfigNode) throws -> String {
        let text = try node.string().trimmingCharacters(in: .whitespaces)
        guard (1...4).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw node.error("'\(text)' is not a SIC code or prefix", hint: "1 to 4 digits, e.g. 7372 or 73")
        }
        return text
    }

    static func milliseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    static func mql(_ node: ConfigNode) throws -> MQLDefinition {
        let keyed = try node.keyed(allowed: ["fit", "score_threshold", "qualifying_actions", "hand_raise_actions", "hand_raise_forms"])
        var mql = MQLDefinition()
        if let fitNode = keyed["fit"] {
            let fit = try fitNode.keyed(allowed: ["industries", "sic_codes", "employees", "annual_revenue", "countries", "titles"])
            mql.fit.industries = try fit["industries"]?.stringList() ?? []
            mql.fit.sicCodes = try fit["sic_codes"]?.list().map(sicCode) ?? []
            mql.fit.countries = try fit["countries"]?.list().map(country) ?? []
            mql.fit.employees = try fit["employees"].map(range)
            mql.fit.annualRevenue = try fit["annual_revenue"].map(range)
            mql.fit.titles = try fit["titles"]?.list().map(pattern) ?? []
        }
        if let t = keyed["score_threshold"] { mql.scoreThreshold = try number(t) }
        if let a = keyed["qualifying_actions"] { mql.qualifyingActions = try actions(a) }
        if let a = keyed["hand_raise_actions"] { mql.handRaiseActions = try actions(a) }
        if let f = keyed["hand_raise_forms"] { mql.handRaiseForms = try pattern(f) }
        return mql
    }

    static func score(_ node: ConfigNode, into score: inout ScoreDefinition) throws {
        let keyed = try node.keyed(allowed: ["actions", "half_life", "fit_points", "engagement_cap", "max"])
        if let actions = keyed["actions"] {
            for (action, points) in try actions.entries() {
                guard action.contains(".") else { throw points.error("'\(action)' is not a touchpoint action") }
                score.actions[action] = try number(points)
            }
        }
        if let h = keyed["half_life"] {
            let ms = milliseconds(try h.duration())
            guard ms > 0 else { throw h.error("the half-life must be longer than 0") }
            score.halfLifeMilliseconds = ms
        }
        if let f = keyed["fit_points"] { score.fitPoints = try number(f) }
        if let c = keyed["engagement_cap"] { score.engagementCap = abs(try number(c)) }
        if let m = keyed["max"] {
            score.max = try number(m)
            guard score.max > 0 else { throw m.error("the maximum score must be above 0") }
        }
    }

    static let weekdays = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]

    static func followUp(_ node: ConfigNode) throws -> FollowUpDefinition {
        let keyed = try node.keyed(allowed: ["window", "business_hours", "channels", "touch_target"])
        var sla = FollowUpDefinition()
        if let w = keyed["window"] {
            sla.windowMilliseconds = milliseconds(try w.duration())
            guard sla.windowMilliseconds > 0 else { throw w.error("the follow-up window must be longer than 0") }
        }
        if let c = keyed["channels"] { sla.channels = Set(try c.stringList()) }
        if let t = keyed["touch_target"] { sla.touchTarget = try t.int(in: 1...1000) }
        if let b = keyed["business_hours"] {
            let hours = try b.keyed(allowed: ["days", "start", "end", "time_zone"])
            var bh = BusinessHours()
            if let days = hours["days"] {
                bh.days = []
                for day in try days.list() {
                    let name = try day.nonEmptyString().lowercased().prefix(3)
                    guard let n = weekdays[String(name)] else { throw day.error("unknown weekday '\(name)'", hint: "mon, tue, wed, thu, fri, sat, sun") }
                    bh.days.insert(n)
                }
            }
            func minute(_ node: ConfigNode) throws -> Int {
                let text = try node.string()
                let parts = text.split(separator: ":")
                guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440
                else { throw node.error("'\(text)' is not a time of day", hint: "write HH:MM, e.g. 09:00") }
                return h * 60 + m
            }
            if let s = hours["start"] { bh.startMinute = try minute(s) }
            if let e = hours["end"] { bh.endMinute = try minute(e) }
            if bh.startMinute >= bh.endMinute { throw b.error("business hours must start before they end") }
            if let tz = hours["time_zone"] {
                let name = try tz.nonEmptyString()
                guard let zone = TimeZone(identifier: name) else { throw tz.error("unknown time zone '\(name)'", hint: "an IANA name, e.g. Europe/Berlin") }
                bh.timeZone = zone
            }
            if bh.days.isEmpty { throw b.error("business hours need at least one day") }
            sla.businessHours = bh
        }
        return sla
    }

    static func days(_ node: ConfigNode, allowZero: Bool = false) throws -> Int {
        let ms = milliseconds(try node.duration())
        guard ms > 0 || (allowZero && ms == 0) else { throw node.error("the duration must be longer than 0") }
        return Int((ms + 86_399_999) / 86_400_000)
    }

    static func stages(_ node: ConfigNode) throws -> Set<Stage> { Set(try node.list().map(stage)) }

    /// `actions:` — each key an action; a default's name changes only the keys given, a new
    /// name defines an action (`channel`, `side` and `taken_as` required); `enabled: false`
    /// takes one out.
    static func actions(_ node: ConfigNode, into settings: inout NextActionDefinition) throws {
        let allowed = ["channel", "side", "taken_as", "stages", "email", "cooldown", "quiet_for", "no_sales_touch_yet", "value", "weight",
                       "prior_lift", "enabled"]
        for (name, spec) in try node.entries() {
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), name != "hold" else {
                throw spec.error("'\(name)' cannot name an action", hint: "letters, digits and _; 'hold' is the built-in no-action")
            }
            let keyed = try spec.keyed(allowed: allowed)
            var action: CandidateAction
            if let known = settings.actions.first(where: { $0.name == name }) {
                action = known
            } else {
                guard let channel = keyed["channel"], let sideNode = keyed["side"], let taken = keyed["taken_as"] else {
                    throw spec.error(
                        "the new action '\(name)' needs channel, side and taken_as",
                        hint: "defaults you may change: \(CandidateAction.defaults.map(\.name).joined(separator: ", "))")
                }
                action = CandidateAction(
                    name: name, channel: try channel.nonEmptyString(), side: try Self.side(sideNode), takenAs: try takenAs(taken),
                    stages: [.lead, .mql], needsEmailConsent: try channel.nonEmptyString() == "email", cooldown: 7)
            }
            if let c = keyed["channel"] { action.channel = try c.nonEmptyString() }
            if let s = keyed["side"] { action.side = try Self.side(s) }
            if let t = keyed["taken_as"] { action.takenAs = try takenAs(t) }
            if let s = keyed["stages"] { action.stages = try stages(s) }
            if let e = keyed["email"] { action.needsEmailConsent = try e.bool() }
            if let c = keyed["cooldown"] { action.cooldownMilliseconds = Int64(try days(c, allowZero: true)) * 86_400_000 }
            if let q = keyed["quiet_for"] { action.quietForMilliseconds = Int64(try days(q)) * 86_400_000 }
            if let n = keyed["no_sales_touch_yet"] { action.noSalesTouchYet = try n.bool() }
            for (key, apply) in [("value", { (x: Double) in action.value = x }), ("weight", { action.weight = $0 }),
                                 ("prior_lift", { action.priorLift = $0 })] as [(String, (Double) -> Void)] {
                guard let n = keyed[key] else { continue }
                let x = try number(n)
                guard x > 0 else { throw n.error("\(key) must be above 0") }
                apply(x)
            }
            let enabled = try keyed["enabled"]?.bool() ?? true
            settings.actions.removeAll { $0.name == name }
            if enabled { settings.actions.append(action) }
        }
        // Defaults keep their order; new actions follow in the order written.
        let order = CandidateAction.defaults.map(\.name)
        settings.actions = settings.actions.enumerated().sorted { a, b in
            let ia = order.firstIndex(of: a.element.name) ?? order.count + a.offset
            let ib = order.firstIndex(of: b.element.name) ?? order.count + b.offset
            return ia < ib
        }.map(\.element)
    }

    static func side(_ node: ConfigNode) throws -> Side {
        let text = try node.nonEmptyString().lowercased()
        guard let s = Side(rawValue: text) else { throw node.error("side '\(text)' is neither marketing nor sales") }
        return s
    }

    static func takenAs(_ node: ConfigNode) throws -> [TakenAs] {
        let items = try node.list()
        guard !items.isEmpty else { throw node.error("taken_as needs at least one touch") }
        return try items.map { item in
            let text = try item.nonEmptyString()
            guard let t = TakenAs(text) else {
                throw item.error(
                    "'\(text)' is not a way an action shows in the data",
                    hint: "write ACTION, ACTION by SIDE, ACTION by SIDE after DURATION without a touch, or first sales touch")
            }
            return t
        }
    }

    /// `next_actions:` — the goal, horizon, contact limits, suppression, holdout and learning knobs.
    static func nextActions(_ node: ConfigNode, into n: inout NextActionDefinition) throws {
        let keyed = try node.keyed(allowed: [
            "goal", "horizon", "contact_limits", "stages", "suppress_for", "ignored_after", "holdout", "min_evidence", "smoothing",
            "lookback", "snapshot_every", "decision_window", "max_suggestions", "require_email_consent", "prior_strength",
        ])
        if let g = keyed["goal"] {
            let text = try g.nonEmptyString()
            guard let goal = NextActionGoal(text) else { throw g.error("unknown goal '\(text)'", hint: "next_stage, mql, sql, opportunity or customer") }
            n.goal = goal
        }
        if let h = keyed["horizon"] { n.horizonMilliseconds = Int64(try days(h)) * 86_400_000 }
        if let limits = keyed["contact_limits"] {
            for (channel, spec) in try limits.entries() {
                let l = try spec.keyed(allowed: ["max", "per", "actions"])
                var limit = n.contactLimits[channel] ?? ContactLimit(max: 3, periodDays: 7, actions: [])
                if let m = l["max"] { limit.max = try m.int(in: 0...10_000) }
                if let p = l["per"] { limit.periodMilliseconds = Int64(try days(p)) * 86_400_000 }
                if let a = l["actions"] { limit.actions = try actions(a) }
                if limit.actions.isEmpty { throw spec.error("a contact limit for '\(channel)' needs the actions that count as a contact") }
                n.contactLimits[channel] = limit
            }
        }
        if let s = keyed["stages"] { n.stages = try stages(s) }
        if let s = keyed["suppress_for"] { n.suppressForMilliseconds = Int64(try days(s, allowZero: true)) * 86_400_000 }
        if let s = keyed["ignored_after"] { n.ignoredAfterMilliseconds = Int64(try days(s)) * 86_400_000 }
        if let h = keyed["holdout"] {
            let x = try number(h)
            guard (0...0.5).contains(x) else { throw h.error("holdout is a share between 0 and 0.5, e.g. 0.1") }
            n.holdout = x
        }
        if let m = keyed["min_evidence"] { n.minEvidence = try m.int(in: 1...1_000_000) }
        if let s = keyed["smoothing"] {
            n.smoothing = try number(s)
            guard n.smoothing >= 0 else { throw s.error("smoothing cannot be negative") }
        }
        if let p = keyed["prior_strength"] {
            n.priorStrength = try number(p)
            guard n.priorStrength >= 0 else { throw p.error("prior_strength cannot be negative") }
        }
        if let l = keyed["lookback"] { n.lookbackMilliseconds = Int64(try days(l)) * 86_400_000 }
        if let e = keyed["snapshot_every"] { n.snapshotEveryMilliseconds = Int64(try days(e)) * 86_400_000 }
        if let w = keyed["decision_window"] { n.decisionWindowMilliseconds = Int64(try days(w)) * 86_400_000 }
        if n.decisionWindowMilliseconds > n.horizonMilliseconds {
            throw node.error("decision_window cannot be longer than the horizon")
        }
        if let m = keyed["max_suggestions"] { n.maxSuggestions = try m.int(in: 1...20) }
        if let r = keyed["require_email_consent"] { n.requireEmailConsent = try r.bool() }
    }
}
