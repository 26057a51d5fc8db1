public import JourneyStore

extension NextActionRow {
    /// A stored suggestion as the read surfaces show it, so a page the HTTP API reads off the
    /// store (`JourneyReader.nextActions`) prints each row as `journeylake next-actions` does.
    public init(_ stored: StoredNextAction) {
        self.init(
            personId: stored.personId, rank: stored.rank, action: stored.action, channel: stored.channel, side: stored.side,
            score: stored.score ?? 0, reason: stored.reason, evidence: stored.evidence ?? "{}", computedAt: stored.computedAt,
            email: stored.primaryEmail, owner: stored.owner, stage: stored.lifecycleStage)
    }
}
