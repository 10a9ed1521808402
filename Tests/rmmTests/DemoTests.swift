import CCAPlatform
import Foundation
import MachineHost
import Testing

@testable import rmm

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("rmm demo and rmm map")
struct DemoTests {
    /// The demo's output with durations and the temporary path masked.
    static func demoOutput(svgPath: String) throws -> (String, [String]) {
        let machine = try Machine()
        var lines: [String] = []
        var story = DemoStory(machine: machine, host: machine.host(), svgPath: svgPath) { lines.append($0) }
        try story.run()
        var text = lines.joined(separator: "\n") + "\n"
        text = text.replacingOccurrences(of: svgPath, with: "<svg>")
        // A timing's width varies from run to run, and so does the padding of the table column it sits in.
        text = text.replacingOccurrences(
            of: #"[0-9]+\.[0-9]+ (ms|s)\b +(?=\S)"#, with: "<time> ", options: .regularExpression)
        text = text.replacingOccurrences(of: #"[0-9]+\.[0-9]+ (ms|s)\b"#, with: "<time>", options: .regularExpression)
        return (text, story.failures)
    }

    static var goldenURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/demo.txt")
    }

    @Test("the demo passes every check and its output matches the golden file (timings masked)")
    func golden() throws {
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString).svg").path
        defer { try? FileManager.default.removeItem(atPath: svg) }
        let (text, failures) = try Self.demoOutput(svgPath: svg)
        #expect(failures.isEmpty)
        if ProcessInfo.processInfo.environment["RMM_UPDATE_GOLDEN"] != nil {
            try text.write(to: Self.goldenURL, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: Self.goldenURL, encoding: .utf8)
        #expect(text == golden)
        #expect(FileManager.default.fileExists(atPath: svg))
    }

    @Test("the SVG map parses as XML and shows each region, with Realm runs where memory is delegated")
    func svgParses() throws {
        let machine = try Machine()
        let host = machine.host()
        try host.initialize()
        #expect(host.delegate(base: .init(0x8000_0000), size: 0x2000_0000).succeeded)
        #expect(host.delegate(base: .init(0x8_8000_0000), size: 0x1000).succeeded)
        let svg = PASMap(machine: machine).svg()
        let document = try XMLDocument(data: Data(svg.utf8))
        let root = try #require(document.rootElement())
        #expect(root.name == "svg")
        var elements: [XMLElement] = []
        func collect(_ element: XMLElement) {
            elements.append(element)
            for child in element.children ?? [] { if let child = child as? XMLElement { collect(child) } }
        }
        collect(root)
        // FoundationXML's attribute(forName:) misses attributes of elements in a default namespace on Linux.
        func attribute(_ element: XMLElement, _ name: String) -> String? {
            element.attributes?.first { $0.name == name }?.stringValue
        }
        let groups = elements.filter { $0.name == "g" }.compactMap { attribute($0, "id") }
        #expect(groups == ["MMIO0", "DRAM0", "DRAM1"])
        let gpis = elements.filter { $0.name == "rect" && attribute($0, "class") == "run" }.compactMap {
            attribute($0, "data-gpi")
        }
        #expect(gpis.contains("REALM") && gpis.contains("NS"))
        let kinds = Set(
            elements.filter { $0.name == "rect" && attribute($0, "class") == "descriptor" }.compactMap {
                attribute($0, "data-kind")
            })
        #expect(kinds.isSuperset(of: ["L0 block", "contiguous 512MB", "granules"]))
    }

    @Test("the text map lists fused blocks and single granules")
    func textMap() throws {
        let machine = try Machine()
        let host = machine.host()
        try host.initialize()
        #expect(host.delegate(base: .init(0x8000_0000), size: 0x1000).succeeded)
        let text = PASMap(machine: machine).text()
        #expect(text.contains("DRAM0  [0x80000000, 0x100000000)  2 GiB\n"))
        #expect(text.contains("0x80000000     0x80001000     4 KiB      REALM      DELEGATED    granules\n"))
        #expect(text.contains("contiguous 512MB"))
        #expect(text.contains("MMIO0  [0x0, 0x80000000)  2 GiB\n"))
    }
}

@Suite("rmm map --after")
struct MapAfterTests {
    @Test("the map after a scenario shows the memory the scenario left delegated")
    func afterScenario() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("map-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let scenario = """
            {"op":"host.init","expect":{"ok":true}}
            {"op":"host.delegate","base":"0x80000000","size":"0x200000","expect":{"ok":true}}
            """
        try scenario.write(to: file, atomically: true, encoding: .utf8)
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("map-\(UUID().uuidString).svg").path
        defer { try? FileManager.default.removeItem(atPath: svg) }
        let command = try MapCommand.parse(["--after", file.path, "--svg", svg])
        try command.run()
        let picture = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(
            picture.contains(
                "<title>[0x80000000, 0x80200000) 2 MiB: GPI REALM, state DELEGATED, contiguous 2MB</title>"))
    }
}
