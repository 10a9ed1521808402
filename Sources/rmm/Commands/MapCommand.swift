import ArgumentParser
import CCAArch
import CCAPlatform
import Foundation

/// `rmm map`: the physical address space coloured by GPI.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Show the physical address space coloured by GPI, as text or as an SVG picture.",
        discussion: """
            Reads the GPT the way the hardware walks it and the RMM's granule table: each memory region is split \
            into runs of one GPI, one kind of descriptor (L0 block, contiguous 512MB / 32MB / 2MB, or per-granule) \
            and one RMM granule state, so fused blocks and realm objects show. The text map has a header row; the \
            SVG picture draws regions to scale on an address axis, breaks the axis for gaps, widens runs too small \
            to see, colours RD, RTT, REC, REC_AUX, DATA, GPT_L1 and PARTIAL granules in a row of their own with a \
            legend, and gives every run hover text with its addresses, state and GPI.

            Examples:
              rmm map
              rmm map --svg pas.svg
              rmm map --activate --dram 0x80000000:4GiB
              rmm map --after Examples/scenarios/seed-review.jsonl --svg after.svg
              rmm map --after Examples/scenarios/seed-review.jsonl --range 0x80000000:64MiB
            """
    )

    @OptionGroup var platform: PlatformOptions

    @Option(name: .customLong("svg"), help: ArgumentHelp("Write an SVG picture to this file.", valueName: "path"))
    var svgPath: String?

    @Option(
        name: .customLong("after"),
        help: ArgumentHelp("Replay this scenario (serve requests, JSON Lines) first.", valueName: "file"))
    var scenario: String?

    @Option(
        name: .customLong("range"),
        help: ArgumentHelp(
            "Show only [BASE, BASE + SIZE), e.g. 0x80000000:64MiB (the regions it meets, clipped).",
            valueName: "base:size"))
    var range: String?

    /// The `--range` option read, or `nil` without it.
    func zoom() throws(ValidationError) -> (base: UInt64, top: UInt64)? {
        guard let range else { return nil }
        let region: (base: PhysicalAddress, size: UInt64)
        do {
            region = try PlatformValueParser.parseRegion(range)
        } catch {
            throw ValidationError("--range: \(error)")
        }
        guard region.size > 0 else { throw ValidationError("--range: the size must not be zero") }
        return (region.base.rawValue, region.base.rawValue + region.size)
    }

    func validate() throws {
        _ = try zoom()
    }

    func run() throws {
        let (machine, host) = try platform.machine()
        if let scenario {
            let file = try ScenarioFile.read(scenario, command: "rmm map")
            let report = ScenarioRunner(session: ServeSession(machine: machine, host: host), showsSlowLines: true).run(
                file.text)
            if !report.failures.isEmpty {
                for failure in report.failures { print("\(file.name):\(failure.line): \(failure.message)") }
                throw ExitCode.failure
            }
        }
        let map = PASMap(machine: machine, range: try zoom())
        guard !map.regions.isEmpty else {
            throw ValidationError("--range \(range ?? ""): no DRAM or device region lies in that range")
        }
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
