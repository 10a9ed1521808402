import ArgumentParser
import Foundation

/// `rmm run`: replays a scenario of serve requests and checks every `expect`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a JSON Lines scenario of serve requests and check each response.",
        discussion: """
            Each line is a request of the serve protocol, optionally with an "expect" object that the response must \
            match: every key of "expect" present with an equal value, nested objects matched the same way, arrays \
            element by element. Strings compare exactly, so write hexadecimal in lowercase, as the server prints it. \
            Blank lines and lines starting with # or // are skipped. Prints each mismatch with its line number, then a \
            summary; exits non-zero if anything did not match.

            Examples:
              rmm run Examples/scenarios/seed-review.jsonl
              rmm run --verbose Examples/scenarios/faults.jsonl
            """
    )

    @Argument(help: "The scenario file (JSON Lines).")
    var file: String

    @Flag(name: .shortAndLong, help: "Print every response with its line number.")
    var verbose = false

    @OptionGroup var platform: PlatformOptions

    func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            StandardStreams.diagnose("rmm run: cannot read \(file): \(error.localizedDescription)")
            throw ExitCode.failure
        }
        let (machine, host) = try platform.machine()
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host)).run(text)
        if verbose {
            for response in report.responses { print("line \(response.line): \(response.text)") }
        }
        for failure in report.failures { print("\(file):\(failure.line): \(failure.message)") }
        print("\(file): \(report.summary)")
        if !report.failures.isEmpty { throw ExitCode.failure }
    }
}
