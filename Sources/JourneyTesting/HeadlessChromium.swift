import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real headless Chromium (Debian's `chromium`) driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: messages are JSON texts ended by a NUL byte on fds 3 and 4), so a
/// test can log in, click, post forms, read the DOM and take screenshots as a person's browser
/// would. Every wait is bounded; the browser is killed when the value goes away.
public final class HeadlessChromium: Sendable {
    /// A browser problem, with what the test should look at.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The browser's path: `$CHROMIUM`, else the first of `chromium`, `chromium-browser`,
    /// `google-chrome` on `PATH`; nil when there is none.
    public static var executable: String? {
        if let path = ProcessInfo.processInfo.environment["CHROMIUM"], FileManager.default.isExecutableFile(atPath: path) { return path }
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") { return "\(folder)/\(name)" }
        }
        return nil
    }

    private struct State {
        var nextId = 1
        var responses: [Int: Data] = [:]
        /// Every event so far, in order: (method, session id, the whole message).
        var events: [(method: String, session: String?, message: Data)] = []
        var closed = false
    }

    /// What the reading thread hands over; its own object, so the thread does not keep the
    /// browser alive.
    private final class Inbox: Sendable {
        let state = Mutex(State())
    }

    private let pid: pid_t
    private let toBrowser: Int32
    private let profile: URL
    private let inbox = Inbox()
    private let writeLock = Mutex(())
    /// How long one protocol command or one page load may take.
    public let timeout: Duration

    public init(timeout: Duration = .seconds(60)) throws {
        guard let executable = Self.executable else { throw Failure(description: "no chromium on PATH (apt-get install chromium)") }
        self.timeout = timeout
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("jl-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        // Pipe ends above the standard descriptors and closed on exec, so the child gets only the
        // two the protocol names (dup2 onto 3 and 4 clears the flag on those).
        func pipeEnds() throws -> (Int32, Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw Failure(description: "pipe() failed: errno \(errno)") }
            let high = fds.map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
            fds.forEach { close($0) }
            return (high[0], high[1])
        }
        let (browserReads, weWrite) = try pipeEnds()
        let (weRead, browserWrites) = try pipeEnds()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let log = profile.appendingPathComponent("chromium.log").path
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, browserReads, 3)
        posix_spawn_file_actions_adddup2(&actions, browserWrites, 4)
        let arguments = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--remote-debugging-pipe",
            "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--hide-scrollbars", "--mute-audio", "--force-color-profile=srgb", "--lang=en-US", "about:blank",
        ]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, nil, &argv, environ)
        close(browserReads)
        close(browserWrites)
        guard spawned == 0 else {
            close(weWrite)
            close(weRead)
            throw Failure(description: "cannot start \(executable): errno \(spawned)")
        }
        pid = child
        toBrowser = weWrite
        let inbox = self.inbox
        Thread.detachNewThread { Self.readMessages(from: weRead, into: inbox) }
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(toBrowser)
        try? FileManager.default.removeItem(at: profile)
    }

    /// What the browser printed (for a failing test's message).
    public var log: String { (try? String(contentsOf: profile.appendingPathComponent("chromium.log"), encoding: .utf8)) ?? "" }

    private static func readMessages(from fd: Int32, into inbox: Inbox) {
        defer { close(fd) }
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            pending.append(contentsOf: buffer[0..<n])
            while let end = pending.firstIndex(of: 0) {
                let message = pending[pending.startIndex..<end]
                pending = Data(pending[(end + 1)...])
                guard let object = (try? JSONSerialization.jsonObject(with: message)) as? [String: Any] else { continue }
                inbox.state.withLock { s in
                    if let id = object["id"] as? Int {
                        s.responses[id] = Data(message)
                    } else if let method = object["method"] as? String {
                        s.events.append((method, object["sessionId"] as? String, Data(message)))
                    }
                }
            }
        }
        inbox.state.withLock { $0.closed = true }
    }

    /// Sends one protocol command and returns its `result`; throws the protocol's error.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil) async throws -> [String: Any] {
        let id = inbox.state.withLock { s -> Int in
            defer { s.nextId += 1 }
            return s.nextId
        }
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var bytes = try JSONSerialization.data(withJSONObject: message)
        bytes.append(0)
        try writeLock.withLock { _ in
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(toBrowser, raw.baseAddress! + offset, raw.count - offset)
                    guard n > 0 else { throw Failure(description: "the browser closed its pipe (\(method))") }
                    offset += n
                }
            }
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (reply, closed) = inbox.state.withLock { s in (s.responses.removeValue(forKey: id), s.closed) }
            if let reply {
                let object = (try JSONSerialization.jsonObject(with: reply)) as? [String: Any] ?? [:]
                if let error = object["error"] as? [String: Any] { throw Failure(description: "\(method): \(error)") }
                return object["result"] as? [String: Any] ?? [:]
            }
            if closed { throw Failure(description: "the browser exited during \(method): \(log.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Failure(description: "\(method) had no answer in \(timeout)")
    }

    /// How many events have arrived: a mark to wait for later ones from.
    var eventCount: Int { inbox.state.withLock { $0.events.count } }

    /// Waits for an event of `method` (for `session`) after the `after`-th one.
    func waitForEvent(_ method: String, session: String?, after mark: Int) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = inbox.state.withLock { s in s.events.dropFirst(mark).contains { $0.method == method && $0.session == session } }
            if found { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Failure(description: "no \(method) in \(timeout)")
    }

    /// A new tab of `width` × `height` CSS pixels (a phone below 600: mobile emulation).
    public func newPage(width: Int = 1280, height: Int = 900) async throws -> Page {
        let target = try await send("Target.createTarget", ["url": "about:blank"])
        guard let targetId = target["targetId"] as? String else { throw Failure(description: "no target id: \(target)") }
        let attached = try await send("Target.attachToTarget", ["targetId": targetId, "flatten": true])
        guard let session = attached["sessionId"] as? String else { throw Failure(description: "no session id: \(attached)") }
        let page = Page(browser: self, session: session)
        try await send("Page.enable", session: session)
        try await page.resize(width: width, height: height)
        return page
    }

    /// Closes the browser (and waits for it, a bounded time).
    public func quit() async {
        _ = try? await send("Browser.close")
        let deadline = ContinuousClock.now + .seconds(10)
        var status: Int32 = 0
        while ContinuousClock.now < deadline, waitpid(pid, &status, WNOHANG) == 0 { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// One tab.
    public struct Page: Sendable {
        let browser: HeadlessChromium
        let session: String

        /// Goes to `url` and waits for the page (after any redirects) to load.
        public func go(_ url: String) async throws {
            let mark = browser.eventCount
            let result = try await browser.send("Page.navigate", ["url": url], session: session)
            if let error = result["errorText"] as? String { throw Failure(description: "navigating to \(url): \(error)") }
            try await browser.waitForEvent("Page.loadEventFired", session: session, after: mark)
        }

        /// Runs a script in the page and returns its value (JSON-like: strings, numbers, arrays, objects).
        @discardableResult
        public func evaluate(_ script: String) async throws -> Any? {
            let result = try await browser.send(
                "Runtime.evaluate", ["expression": script, "returnByValue": true, "awaitPromise": true], session: session)
            if let exception = result["exceptionDetails"] { throw Failure(description: "script failed: \(exception)") }
            return (result["result"] as? [String: Any])?["value"]
        }

        /// Runs a script that navigates (clicks a submit button, follows a link) and waits for the next page.
        public func navigating(_ script: String) async throws {
            let mark = browser.eventCount
            try await evaluate(script)
            try await browser.waitForEvent("Page.loadEventFired", session: session, after: mark)
        }

        /// Clicks the element `selector` names and waits for the page it leads to.
        public func click(_ selector: String) async throws {
            try await navigating("document.querySelector(\(Self.quoted(selector))).click()")
        }

        public var url: String { get async throws { try await evaluate("location.href") as? String ?? "" } }
        public var html: String { get async throws { try await evaluate("document.documentElement.outerHTML") as? String ?? "" } }

        /// Texts of the elements `selector` matches.
        public func texts(_ selector: String) async throws -> [String] {
            try await evaluate("[...document.querySelectorAll(\(Self.quoted(selector)))].map(e => e.textContent.trim())") as? [String] ?? []
        }

        /// `data-metric` → `data-value` of every number on the page.
        public func metrics() async throws -> [String: String] {
            try await evaluate(
                "Object.fromEntries([...document.querySelectorAll('[data-metric]')].map(e => [e.dataset.metric, e.dataset.value]))"
            ) as? [String: String] ?? [:]
        }

        public func resize(width: Int, height: Int = 900) async throws {
            try await browser.send(
                "Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600],
                session: session)
        }

        /// Presses a key (e.g. Tab) as a keyboard would.
        public func press(_ key: String, code: Int) async throws {
            try await browser.send("Page.bringToFront", session: session)
            for type in ["rawKeyDown", "keyUp"] {
                try await browser.send(
                    "Input.dispatchKeyEvent", ["type": type, "key": key, "code": key, "windowsVirtualKeyCode": code], session: session)
            }
        }

        /// The whole page as a PNG, at the tab's width.
        public func screenshot() async throws -> Data {
            let size = try await evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]") as? [Any]
            let width = (size?.first as? NSNumber)?.doubleValue ?? 1280, height = (size?.last as? NSNumber)?.doubleValue ?? 900
            let shot = try await browser.send(
                "Page.captureScreenshot",
                ["format": "png", "captureBeyondViewport": true, "clip": ["x": 0, "y": 0, "width": width, "height": height, "scale": 1]],
                session: session)
            guard let text = shot["data"] as? String, let png = Data(base64Encoded: text) else { throw Failure(description: "no screenshot") }
            return png
        }

        /// The cookies the browser holds for the page, by name.
        public func cookies() async throws -> [String: [String: Any]] {
            let result = try await browser.send("Network.getCookies", session: session)
            var out: [String: [String: Any]] = [:]
            for cookie in result["cookies"] as? [[String: Any]] ?? [] { if let name = cookie["name"] as? String { out[name] = cookie } }
            return out
        }

        /// `text` as a JavaScript string literal.
        public static func quoted(_ text: String) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
        }
    }
}
