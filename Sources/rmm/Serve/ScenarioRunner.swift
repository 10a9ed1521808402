import Foundation

/// Replays a scenario through a `ServeSession` and checks each response against the request's `expect`.
///
/// A scenario is a JSON Lines file of serve requests. Blank lines and lines whose first non-blank characters are
/// `#` or `//` are comments and are skipped. Every other line must be a JSON object: it is sent to the session as
/// it stands (the session ignores the `expect` member) and, if it has `expect`, the response must match it
/// (`ExpectationMatcher`). A line that is not a JSON object, or whose `expect` is not an object, is a failure.
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
            return "\(verdict): \(requests) requests, \(checked) checked, \(failures.count) \(noun)"
        }
    }

    let session: ServeSession

    /// Replays `text`, the whole scenario file.
    func run(_ text: String) -> Report {
        var report = Report()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("//") { continue }
            report.requests += 1
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(line.utf8)),
                let request = parsed as? [String: Any]
            else {
                report.failures.append(Failure(line: number, message: "not a JSON object"))
                continue
            }
            let response = session.respond(to: ServeRequest(fields: request)).text
            report.responses.append((number, response))
            guard let expect = request["expect"] else { continue }
            report.checked += 1
            guard expect is [String: Any] else {
                report.failures.append(Failure(line: number, message: "'expect' is not an object"))
                continue
            }
            let actual = try? JSONSerialization.jsonObject(with: Data(response.utf8))
            for difference in ExpectationMatcher.differences(expected: expect, actual: actual) {
                let actualText = difference.actual ?? "nothing (missing)"
                report.failures.append(
                    Failure(
                        line: number,
                        message: "\(difference.path): expected \(difference.expected), got \(actualText); "
                            + "response \(response)"))
            }
        }
        return report
    }
}
