import JourneyConfig
import Testing

@Suite("poll_interval and durations")
struct PollIntervalTests {
    @Test("valid poll intervals",
          arguments: [
            ("90s", Duration.seconds(90)), ("5m", .seconds(300)), ("1h30m", .seconds(5400)), ("1h", .seconds(3600)),
            ("1d", .seconds(86_400)), ("90", .seconds(90)), ("1.5m", .seconds(90)), ("2m30s", .seconds(150)),
            ("1500ms", .milliseconds(1500)), ("1s", .seconds(1)), ("10 ", .seconds(10)), ("5M", .seconds(300)),
            ("30sec", .seconds(30)), ("2mins", .seconds(120)), ("1hr", .seconds(3600)),
          ])
    func valid(text: String, expected: Duration) throws {
        let section = try onlySection("  - name: a\n    type: files\n    poll_interval: \"\(text)\"")
        #expect(section.pollInterval == expected)
    }

    @Test("the default is 5 minutes")
    func defaultInterval() throws {
        #expect(try onlySection("  - name: a\n    type: files").pollInterval == .seconds(300))
    }

    @Test("intervals under one second are refused", arguments: ["500ms", "0", "0s", "999ms", "0.5"])
    func tooShort(text: String) throws {
        let yaml = configYAML(sources: "  - name: a\n    type: files\n    poll_interval: \(text)")
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.key == "sources[0].poll_interval")
        #expect(error.line == line(of: "poll_interval", in: yaml))
        #expect(error.message.contains("at least 1s"))
    }

    @Test("text that is not a duration is refused with a hint",
          arguments: ["soon", "5 minutes", "m5", "5x", "-5s", "-5", "1h30", "", "s", "1..5s", "five"])
    func notADuration(text: String) throws {
        let yaml = configYAML(sources: "  - name: a\n    type: files\n    poll_interval: \"\(text)\"")
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        let error = try #require(errors.first)
        #expect(error.key == "sources[0].poll_interval")
        #expect(error.line == line(of: "poll_interval", in: yaml))
        #expect(error.message.contains("is not a duration"), "\(error)")
        #expect(error.hint?.contains("5m") == true)
    }

    @Test("a list is not a duration")
    func listIsNotADuration() {
        let yaml = configYAML(sources: "  - name: a\n    type: files\n    poll_interval: [5m]")
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        #expect(errors.first?.message.contains("expected a single value") == true)
    }

    @Test("DurationParser directly")
    func parser() {
        #expect(DurationParser.parse("500ms") == .milliseconds(500))
        #expect(DurationParser.parse("1h30m") == .seconds(5400))
        #expect(DurationParser.parse("0.25s") == .milliseconds(250))
        #expect(DurationParser.parse("soon") == nil)
        #expect(DurationParser.parse("") == nil)
    }

    @Test("enabled accepts YAML booleans and refuses others")
    func enabled() throws {
        for (text, value) in [("true", true), ("no", false), ("off", false), ("Yes", true)] {
            #expect(try onlySection("  - name: a\n    type: files\n    enabled: \(text)").enabled == value)
        }
        let errors = configErrors { _ = try onlySection("  - name: a\n    type: files\n    enabled: maybe") }
        #expect(errors.first?.message == "expected true or false, found 'maybe'")
    }
}
