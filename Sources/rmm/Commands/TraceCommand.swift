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
            too). The trace has one track per CPU for host SMCs and one for the RMM's calls to EL3.

            Examples:
              rmm trace Examples/scenarios/seed-review.jsonl --output seed.trace.json
            """
    )

    @Argument(help: "The scenario (JSON Lines).") var scenario: String
    @Option(name: .shortAndLong, help: "Where to write the trace.") var output = "rmm.trace.json"
    @OptionGroup var platform: PlatformOptions

    func run() throws {
        guard let data = FileManager.default.contents(atPath: scenario) else {
            throw ValidationError("cannot read \(scenario)")
        }
        let (machine, host) = try platform.machine()
        machine.tracer.setEnabled(true)
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host)).run(
            String(decoding: data, as: UTF8.self))
        let snapshot = machine.tracer.snapshot()
        guard
            FileManager.default.createFile(
                atPath: output, contents: Data(TraceEventExport.json(snapshot).utf8))
        else { throw ValidationError("cannot write \(output)") }
        let smcs = snapshot.events.filter { $0.kind == .hostSMC }.count
        let el3 = snapshot.events.filter { $0.kind == .el3Call }.count
        print("wrote \(output): \(smcs) SMCs, \(el3) EL3 calls; scenario \(report.summary)")
        if !report.failures.isEmpty { throw ExitCode.failure }
    }
}
