import ArgumentParser

@main
struct JourneyLake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journeylake",
        abstract: "Customer-journey ingestion: CRM and marketing-automation data in one journey store.",
        subcommands: [
            Ingest.self, Reprocess.self, Report.self, NextActions.self, BacktestCommand.self, FeedbackCommand.self, Serve.self, Query.self, Forget.self,
            Sources.self, Journey.self, IdentityCommand.self, ConfigCommand.self, Token.self,
        ])

    static func main() async {
        MemoryTuning.apply()
        await main(nil)
    }
}
