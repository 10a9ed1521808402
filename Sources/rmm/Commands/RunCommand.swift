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
            A request the server refuses fails its line unless "expect" names "error"; so does a host operation \
            answering "ok": false without an "expect"; a field the operation does not take (a misspelt "expct") is \
            refused. Blank lines and lines starting with # or // are skipped. Prints each failure with its line \
            number, then a summary; exits non-zero if anything failed. The format is described in \
            docs/scenarios.md, the requests in docs/serve-protocol.md.

            Examples:
              rmm run Examples/scenarios/seed-review.jsonl
              rmm run --verbose Examples/scenarios/faults.jsonl
              printf '%s\\n' '{"op":"host.init","expect":{"ok":true}}' | rmm run -
            """
    )

    @Argument(help: "The scenario file (JSON Lines), or - for standard input.")
    var file: String

    @Flag(name: .shortAndLong, help: "Print every response with its line number.")
    var verbose = false

    @OptionGroup var platform: PlatformOptions

    func run() throws {
        let scenario = try ScenarioFile.read(file, command: "rmm run")
        let (machine, host) = try platform.machine()
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host), showsSlowLines: true).run(
            scenario.text)
        if verbose {
            for response in report.responses { print("line \(response.line): \(response.text)") }
        }
        for failure in report.failures { print("\(scenario.name):\(failure.line): \(failure.message)") }
        print("\(scenario.name): \(report.summary)")
        if !report.failures.isEmpty { throw ExitCode.failure }
    }
}
