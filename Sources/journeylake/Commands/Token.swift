import ArgumentParser
import Foundation
import QueryServer

/// `journeylake token create --scope read|write|admin`: a new API token and its tokens-file line.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make API tokens for the HTTP API.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random token and the line that stores its hash in the tokens file.",
            discussion: """
                The token is printed once, on the first line: give it to its user. The second line (scope:sha256) goes into \
                the file server.tokens.file names; the daemon reads it on start and on reload (systemctl reload journeylake). \
                Remove the line to revoke the token.
                """)

        @Option(name: .long, help: "read (persons, journeys, reports, SQL), write (read and future edits) or admin (also runs sources).")
        var scope: TokenScope

        func run() async throws {
            let token = TokenFile.generateToken()
            print("token: \(token)")
            print(TokenFile.line(for: token, scope: scope))
        }
    }
}

extension TokenScope: ExpressibleByArgument {}
