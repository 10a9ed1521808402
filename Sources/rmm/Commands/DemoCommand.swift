import ArgumentParser
import CCAPlatform
import MachineHost

/// `rmm demo`: the story of the system on the default platform.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Tell the story of Arm CCA memory delegation on a simulated machine, checking every step.",
        discussion: """
            Brings the RMM up, delegates a gigabyte with one range command beside the cost of one granule per SMC, \
            shows the host faulting on delegated memory, builds a realm from delegated granules, tears it down in \
            order with the wipe checked, and answers the review's questions (size 0, wrap-around, an RMM that makes \
            no progress, a BUSY storm). Exits non-zero if any check fails.

            Examples:
              rmm demo
              rmm demo --svg /tmp/pas.svg
            """
    )

    @Option(
        name: .customLong("svg"),
        help: ArgumentHelp("Where to write the PAS map picture.", valueName: "path"))
    var svgPath = "rmm-pas-map.svg"

    func run() throws {
        let machine: Machine
        do {
            machine = try Machine()
        } catch {
            throw ValidationError(error.description)
        }
        var story = DemoStory(machine: machine, host: machine.host(), svgPath: svgPath) { print($0) }
        try story.run()
        if !story.failures.isEmpty { throw ExitCode.failure }
    }
}
