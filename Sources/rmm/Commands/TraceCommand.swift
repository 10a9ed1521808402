import ArgumentParser
import CCAPlatform
import Foundation

/// `rmm trace`: run a scenario and write a trace-event file.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Run a scenario and write its SMCs and EL3 calls as a trace (Perfetto, chrome://tracing).",
        discussion: """
            The scenario is a JSON Lines file of `rmm serve` requests (as for `rmm run`; expectations are checked \
            too, and each failing line is printed with its number). The trace has one track per CPU for host SMCs \
            and one for the RMM's calls to EL3. The scenario format is described in docs/scenarios.md.

            Examples:
              rmm trace Examples/scenarios/seed-review.jsonl --output seed.trace.json
            """
    )

    @Argument(help: "The scenario (JSON Lines), or - for standard input.") var scenario: String
    @Option(name: .shortAndLong, help: "Where to write the trace.") var output = "rmm.trace.json"
    @OptionGroup var platform: PlatformOptions

    func run() throws {
        let file = try ScenarioFile.read(scenario, command: "rmm trace")
        let (machine, host) = try platform.machine()
        machine.tracer.setEnabled(true)
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host), showsSlowLines: true).run(
            file.text)
        let snapshot = machine.tracer.snapshot()
        guard
            FileManager.default.createFile(
                atPath: output, contents: Data(TraceEventExport.json(snapshot).utf8))
        else { throw ValidationError("cannot write \(output)") }
        let smcs = snapshot.events.filter { $0.kind == .hostSMC }.count
        let el3 = snapshot.events.filter { $0.kind == .el3Call }.count
        for failure in report.failures { print("\(file.name):\(failure.line): \(failure.message)") }
        print("wrote \(output): \(smcs) SMCs, \(el3) EL3 calls; scenario \(report.summary)")
        if !report.failures.isEmpty { throw ExitCode.failure }
    }
}
