import ArgumentParser
import CCAPlatform
import Foundation

/// `rmm map`: the physical address space coloured by GPI.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Show the physical address space coloured by GPI, as text or as an SVG picture.",
        discussion: """
            Reads the GPT the way the hardware walks it: each memory region is split into runs of one GPI and one \
            kind of descriptor (L0 block, contiguous 512MB / 32MB / 2MB, or per-granule), so fused blocks show.

            Examples:
              rmm map
              rmm map --svg pas.svg
              rmm map --activate --dram 0x80000000:4GiB
              rmm map --after Examples/scenarios/seed-review.jsonl --svg after.svg
            """
    )

    @OptionGroup var platform: PlatformOptions

    @Option(name: .customLong("svg"), help: ArgumentHelp("Write an SVG picture to this file.", valueName: "path"))
    var svgPath: String?

    @Option(
        name: .customLong("after"),
        help: ArgumentHelp("Replay this scenario (serve requests, JSON Lines) first.", valueName: "file"))
    var scenario: String?

    func run() throws {
        let (machine, host) = try platform.machine()
        if let scenario {
            let file = try ScenarioFile.read(scenario, command: "rmm map")
            let report = ScenarioRunner(session: ServeSession(machine: machine, host: host)).run(file.text)
            if !report.failures.isEmpty {
                for failure in report.failures { print("\(file.name):\(failure.line): \(failure.message)") }
                throw ExitCode.failure
            }
        }
        let map = PASMap(machine: machine)
        if let svgPath {
            guard FileManager.default.createFile(atPath: svgPath, contents: Data(map.svg().utf8)) else {
                throw ValidationError("cannot write \(svgPath)")
            }
            print("wrote \(svgPath)")
        } else {
            print(map.text(), terminator: "")
        }
    }
}
