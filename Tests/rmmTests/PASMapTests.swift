import ArgumentParser
import CCAArch
import CCAPlatform
import Foundation
import MachineHost
import Testing

@testable import rmm

@Suite("rmm map: to scale")
struct PASMapTests {
    /// The default machine after the demo's bring-up, its 1 GiB delegation and its realm: RD, RTTs, REC, REC_AUX
    /// and DATA granules next to delegated and Non-secure memory.
    static func machineWithRealm() throws -> Machine {
        let machine = try Machine()
        var story = DemoStory(machine: machine, host: machine.host(), svgPath: nil) { _ in }
        try story.bringUp()
        _ = story.delegateOneGiB()
        _ = try story.buildRealm()
        #expect(story.failures.isEmpty)
        return machine
    }

    /// Where the realm's granules are, and the range the zoomed reference picture shows.
    static let rd: UInt64 = 0xc000_2000
    static let zoom = (base: UInt64(0xbfff_0000), top: UInt64(0xc003_0000))

    /// A machine with a 64 MiB bank and an 8 GiB bank far apart, one granule delegated in the large one.
    static func unevenMachine() throws -> Machine {
        let (machine, host) = try PlatformOptions.parse([
            "--dram", "0x80000000:64MiB", "--dram", "0x880000000:8GiB", "--mmio", "0:0x10000000",
        ]).machine()
        try host.initialize()
        #expect(host.delegate(base: PhysicalAddress(0x9_0000_0000), size: 0x1000).succeeded)
        return machine
    }

    @Test("regions are drawn to scale: 8 GiB is 128 times as wide as 64 MiB, and gaps become fixed breaks")
    func toScale() throws {
        let map = PASMap(machine: try Self.unevenMachine())
        let scale = PASMapScale(regions: map.regions.map { ($0.base, $0.top) }, left: 80, width: 1100)
        let widths = scale.segments.map(\.width)
        #expect(map.regions.map(\.name) == ["MMIO0", "DRAM0", "DRAM1"])
        #expect(abs(widths[2] / widths[1] - 128) < 0.01)
        #expect(scale.segments.map(\.breakBefore) == [false, true, true])
        let total = widths.reduce(0, +) + 2 * PASMapScale.breakWidth
        #expect(abs(total - 1100) < 0.001)
        let svg = map.svg()
        #expect(svg.contains(#"<g class="break" data-gap="0x70000000">"#))
        #expect(svg.contains("gap 1.75 GiB"))
        #expect(svg.contains(#"<g class="break" data-gap="0x7fc000000">"#))
    }

    @Test("a single granule in an 8 GiB region is still drawn at least 3 pixels wide, inside its region")
    func minimumWidth() throws {
        let map = PASMap(machine: try Self.unevenMachine())
        let scale = PASMapScale(regions: map.regions.map { ($0.base, $0.top) }, left: 80, width: 1100)
        let run = try #require(map.regions[2].runs.first { $0.gpi == .realm })
        #expect(run.top - run.base == 0x1000)
        let (x, width) = scale.span(run.base, run.top)
        #expect(width == PASMapScale.minimumRunWidth)
        #expect(x >= scale.segments[2].x && x + width <= scale.segments[2].x + scale.segments[2].width)
        let end = scale.span(0xA_7FFF_F000, 0xA_8000_0000)
        #expect(end.x + end.width <= scale.segments[2].x + scale.segments[2].width + 0.0001)
    }

    @Test("realm granules get their own colours, a legend entry and hover text with address, state and GPI")
    func realmObjects() throws {
        let svg = PASMap(machine: try Self.machineWithRealm()).svg()
        for state in ["RD", "RTT", "REC", "REC_AUX", "DATA"] {
            #expect(svg.contains(#"<rect class="object" data-state="\#(state)""#), "\(state) drawn")
        }
        for state in ["RD", "RTT", "REC", "REC_AUX", "DATA", "GPT_L1", "PARTIAL"] {
            #expect(svg.contains(#"class="legend-state" data-state="\#(state)""#), "\(state) in the legend")
        }
        #expect(svg.contains("<title>[0xc0002000, 0xc0003000) 4 KiB: GPI REALM, state RD, granules</title>"))
        #expect(
            svg.contains("<title>[0x80000000, 0xc0000000) 1 GiB: GPI REALM, state DELEGATED, contiguous 512MB</title>"))
        let colours = Set(PASMap.objectStates.map(PASMap.colour)).union([nil, .nonSecure, .realm].map(PASMap.colour))
        #expect(colours.count == PASMap.objectStates.count + 3, "every state and GPI has its own colour")
    }

    @Test("--range shows only the regions it meets, clipped, and says so")
    func range() throws {
        let machine = try Self.machineWithRealm()
        let map = PASMap(machine: machine, range: Self.zoom)
        #expect(map.regions.map(\.name) == ["DRAM0"])
        #expect(map.regions.first?.base == Self.zoom.base && map.regions.first?.top == Self.zoom.top)
        #expect(map.text().hasPrefix("range [0xbfff0000, 0xc0030000)\n"))
        #expect(map.svg().contains("range [0xbfff0000, 0xc0030000)"))
        let command = try MapCommand.parse(["--range", "0xbfff0000:256KiB"])
        #expect(try command.zoom()! == Self.zoom)
    }

    @Test(
        "a --range that is malformed, empty or meets no region is refused with a sentence",
        arguments: [
            (["--range", "0x80000000"], "not a region"), (["--range", "0x80000000:0"], "must not be zero"),
        ])
    func badRange(arguments: [String], fragment: String) {
        do {
            _ = try MapCommand.parse(arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            #expect(MapCommand.message(for: error).contains(fragment), "\(MapCommand.message(for: error))")
        }
    }

    @Test("a --range outside every region exits with an error and draws nothing")
    func rangeOutsideRegions() throws {
        let (status, output) = try ServeFixture.runTool(["map", "--range", "0x200000000:1GiB"])
        #expect(status != 0)
        #expect(output.isEmpty)
    }

    @Test("the text map has a header row and writes hexadecimal in lowercase, with the RMM state of every run")
    func textMap() throws {
        let text = PASMap(machine: try Self.machineWithRealm()).text()
        let lines = text.split(separator: "\n")
        #expect(lines.first == "  base           top            size       gpi        state        descriptor")
        #expect(text.contains("  0xc0002000     0xc0003000     4 KiB      REALM      RD           granules\n"))
        #expect(text.contains("DRAM0  [0x80000000, 0x100000000)  2 GiB\n"))
        #expect(text.range(of: "0x[0-9a-f]*[A-F]", options: .regularExpression) == nil, "no uppercase hex digit")
    }

    /// Renders `svg` with rsvg-convert and compares it with the reference picture `name` in Golden/; with
    /// RMM_UPDATE_GOLDEN set, writes the reference instead. Returns the rendered picture.
    static func render(_ svg: String, comparingWith name: String) throws -> PNGImage? {
        let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert", "/opt/homebrew/bin/rsvg-convert"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let converter else {
            Issue.record("rsvg-convert is not installed (Debian: apt-get install librsvg2-bin); .ci/run installs it")
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rmm-map-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("map.svg")
        let output = directory.appendingPathComponent("map.png")
        try Data(svg.utf8).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: converter)
        process.arguments = ["--background-color", "white", input.path, "-o", output.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let rendered = try Data(contentsOf: output)
        let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["RMM_UPDATE_GOLDEN"] != nil { try rendered.write(to: reference) }
        let picture = try PNGImage(data: rendered)
        let expected = try PNGImage(data: try Data(contentsOf: reference))
        #expect(picture.width == expected.width && picture.height == expected.height)
        // Fonts differ from machine to machine; shapes and colours may not. 2% of the pixels covers the text.
        let share = picture.differingShare(from: expected)
        #expect(share < 0.02, "\(Int(share * 1000)) per mille of the pixels differ from Golden/\(name)")
        return picture
    }

    @Test("the rendered picture of the whole map matches the reviewed reference, regions to scale with breaks")
    func renderedWholeMap() throws {
        let map = PASMap(machine: try Self.unevenMachine())
        guard let picture = try Self.render(map.svg(), comparingWith: "pas-map.png") else { return }
        let scale = PASMapScale(regions: map.regions.map { ($0.base, $0.top) }, left: 80, width: 1100)
        // The middle of the GPI bar: Non-secure in every region, Realm where the single granule is.
        let y = 98
        for segment in scale.segments {
            #expect(picture.colour(x: Int(segment.x + segment.width / 2), y: y) == 0x4e79a7)
        }
        let granule = scale.span(0x9_0000_0000, 0x9_0000_1000)
        #expect(picture.colour(x: Int(granule.x + granule.width / 2), y: y) == 0xe15759)
    }

    @Test("the rendered picture zoomed on a realm shows RD, RTT, DATA, REC and REC_AUX in their colours")
    func renderedRealm() throws {
        let map = PASMap(machine: try Self.machineWithRealm(), range: Self.zoom)
        guard let picture = try Self.render(map.svg(), comparingWith: "pas-map-realm.png") else { return }
        let scale = PASMapScale(regions: map.regions.map { ($0.base, $0.top) }, left: 80, width: 1100)
        let objectRow = 140
        let expected: [(UInt64, UInt64, GranuleState)] = [
            (0xc000_2000, 0xc000_3000, .rd), (0xc000_3000, 0xc000_6000, .rtt), (0xc000_6000, 0xc000_7000, .data),
            (0xc000_7000, 0xc000_8000, .rec), (0xc000_9000, 0xc001_9000, .recAux),
        ]
        for (base, top, state) in expected {
            let span = scale.span(base, top)
            let colour = UInt32(PASMap.colour(state).dropFirst(), radix: 16)
            #expect(picture.colour(x: Int(span.x + span.width / 2), y: objectRow) == colour, "\(state.name)")
        }
    }
}
