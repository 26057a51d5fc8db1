import Foundation

/// One real-world event recorded by two systems (a webinar attendance in Marketo and the
/// CampaignMember "Attended" in Salesforce; one form fill seen by HubSpot and Marketo) is one
/// touch in every report. Both rows stay in `touchpoints`; reports count them once:
/// - a campaign-bound action (`webinar.*`, `event.*`, `campaign.*`) happens once per person and
///   campaign: touches with the same person, action and campaign name (case and surrounding
///   spaces ignored) are one event, dated by the latest of them (the system that recorded the
///   outcome; Salesforce dates a member's status by its first response);
/// - any other action recorded by two sources for the same person at the same second is one.
public enum EventDeduplication {
    /// What a touch is, for telling two records of one event apart.
    public struct Key: Hashable, Sendable {
        var person: String
        var action: String
        var detail: String
    }

    public static func isCampaignBound(_ action: String) -> Bool {
        action.hasPrefix("webinar.") || action.hasPrefix("event.") || action.hasPrefix("campaign.")
    }

    /// The key two records of one event share.
    public static func key(person: String, action: String, campaign: String?, atSecond: Int64) -> Key {
        if isCampaignBound(action), let campaign = campaign?.trimmingCharacters(in: .whitespaces).lowercased(), !campaign.isEmpty {
            return Key(person: person, action: action, detail: "campaign " + campaign)
        }
        return Key(person: person, action: action, detail: "at \(atSecond)")
    }

    /// Indexes of `items` to keep: one per event, the latest (then the smallest id) of each.
    public static func keep<T>(_ items: [T], key: (T) -> Key, at: (T) -> Int64, id: (T) -> String) -> [Int] {
        var best: [Key: Int] = [:]
        for (i, item) in items.enumerated() {
            let k = key(item)
            if let j = best[k] {
                let a = items[j]
                if (at(item), id(a)) > (at(a), id(item)) { best[k] = i }
            } else {
                best[k] = i
            }
        }
        return best.values.sorted()
    }
}
