import Foundation

/// Replays a scenario through a `ServeSession` and checks each response against the request's `expect`.
///
/// A scenario is a JSON Lines file of serve requests (docs/scenarios.md). Blank lines and lines whose first
/// non-blank characters are `#` or `//` are comments and are skipped. Every other line must be a JSON object: its
/// `expect` member is taken off and the rest is sent to the session, which refuses fields the operation does not
/// take (so a misspelt `expct` fails the line). With `expect`, the response must match it (`ExpectationMatcher`);
/// a refused request matches only an `expect` that names `error`. Without `expect`, a refused request or a host
/// operation answering `"ok": false` fails the line: a scenario passes only if every line did what it asked.
struct ScenarioRunner {
    /// One failed line.
    struct Failure: Equatable {
        /// The 1-based line number in the file.
        let line: Int
        /// What went wrong, one line.
        let message: String
    }

    /// What a replay found.
    struct Report {
        /// Requests sent to the session.
        var requests = 0
        /// Requests that carried `expect`.
        var checked = 0
        var failures: [Failure] = []
        /// The response to every request, with its line number, in order.
        var responses: [(line: Int, text: String)] = []

        /// The summary line `rmm run` prints last.
        var summary: String {
            let verdict = failures.isEmpty ? "passed" : "FAILED"
            let noun = failures.count == 1 ? "failure" : "failures"
            return "\(verdict): \(requests) request\(requests == 1 ? "" : "s"), \(checked) checked, "
                + "\(failures.count) \(noun)"
        }
    }

    let session: ServeSession
    /// Whether a line that runs longer than a second shows its progress on standard error (only ever drawn when
    /// standard error is a terminal). The commands set it; tests leave it off.
    let showsSlowLines: Bool

    init(session: ServeSession, showsSlowLines: Bool = false) {
        self.session = session
        self.showsSlowLines = showsSlowLines
    }

    /// Replays `text`, the whole scenario file.
    func run(_ text: String) -> Report {
        var report = Report()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("//") { continue }
            report.requests += 1
            if let problem = JSONSyntaxCheck.firstProblem(in: Array(line.utf8)) {
                report.failures.append(
                    Failure(line: number, message: "not valid JSON at column \(problem.column): \(problem.expectation)")
                )
                continue
            }
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(line.utf8)),
                var request = parsed as? [String: Any]
            else {
                report.failures.append(Failure(line: number, message: "not a JSON object"))
                continue
            }
            if let complaint = Self.unknownKey(in: request) {
                report.failures.append(Failure(line: number, message: complaint))
                continue
            }
            let expect = request.removeValue(forKey: "expect")
            if let expect, !(expect is [String: Any]) {
                // A malformed line is not sent: it changes nothing.
                report.failures.append(
                    Failure(line: number, message: "'expect' is not an object; the line was not sent"))
                continue
            }
            let indicator =
                showsSlowLines
                ? SlowRequestIndicator(label: "line \(number)") { [machine = session.machine] in
                    machine.counters.snapshot().smc
                } : nil
            let response = session.respond(to: ServeRequest(fields: request)).text
            indicator?.finish()
            report.responses.append((number, response))
            let actual = try? JSONSerialization.jsonObject(with: Data(response.utf8)) as? [String: Any]
            guard let expect else {
                if let complaint = Self.unexpectedOutcome(actual ?? [:]) {
                    report.failures.append(Failure(line: number, message: complaint))
                }
                continue
            }
            report.checked += 1
            guard let expected = expect as? [String: Any] else { continue }
            if let message = Self.rejection(actual ?? [:]), expected["error"] == nil {
                report.failures.append(
                    Failure(
                        line: number,
                        message: "the server rejected the request: \(message); "
                            + "write \"expect\":{\"error\":...} if that is what the line tests"))
                continue
            }
            for difference in ExpectationMatcher.differences(expected: expected, actual: actual) {
                report.failures.append(
                    Failure(line: number, message: "\(difference.explanation); response \(response)"))
            }
        }
        return report
    }

    /// A line's first key (in name order) that neither its operation nor the scenario format knows, as a failure
    /// message; `nil` when every key is known, or the operation itself is unknown (the server then says so).
    ///
    /// Checked before the request is sent, so a misspelt `expect` is reported as what it is rather than as a
    /// request the server refused.
    static func unknownKey(in line: [String: Any]) -> String? {
        guard let name = line["op"] as? String, let operation = ServeOperation.named(name) else { return nil }
        let known = ServeOperation.commonFields + operation.fields + ["expect"]
        guard let unknown = line.keys.sorted().first(where: { !known.contains($0) }) else { return nil }
        let hint = editDistance(unknown, "expect") <= 2 ? " (did you mean 'expect'?)" : ""
        return "unknown key '\(ServeRequestError.quoted(unknown))'\(hint): a line with op '\(name)' takes "
            + (known.dropLast().joined(separator: ", ")) + " and " + known.last! + "; the line was not sent"
    }

    /// The number of single-character insertions, deletions and substitutions that turn `a` into `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, characterA) in a.enumerated() {
            var current = [i + 1]
            for (j, characterB) in b.enumerated() {
                current.append(
                    min(previous[j + 1] + 1, current[j] + 1, previous[j] + (characterA == characterB ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The message of a response that refused its request (`{"error": ...}` without `ok`), or `nil`.
    static func rejection(_ response: [String: Any]) -> String? {
        guard response["ok"] == nil, let message = response["error"] as? String else { return nil }
        return message
    }

    /// Why a response to a line without `expect` fails the scenario: the server rejected the request, or a host
    /// operation answered `"ok": false`. `nil` when the request did what it asked.
    static func unexpectedOutcome(_ response: [String: Any]) -> String? {
        if let message = rejection(response) {
            return "the server rejected the request: \(message); "
                + "write \"expect\":{\"error\":...} if that is what the line tests"
        }
        if let ok = response["ok"] as? Bool, !ok {
            let kind = response["error"] as? String ?? "failure"
            let message = response["message"] as? String ?? ""
            return "the operation failed (\(kind): \(message)); "
                + "write \"expect\":{\"ok\":false,...} if that is what the line tests"
        }
        return nil
    }
}
