import Foundation
import Testing

@testable import rmm

@Suite("rmm --version")
struct VersionTests {
    @Test("prints the tool version, the RMI revision and the specification revision, and exits 0")
    func version() throws {
        let (status, output) = try ServeFixture.runTool(["--version"])
        #expect(status == 0)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(output)")
        #expect(lines.first == "rmm \(ToolVersion.tool) (swift-rmm)")
        #expect(lines.dropFirst().first?.hasPrefix("RMI 2.0: ") == true)
        #expect(
            lines.last?.hasPrefix("Specification: Arm DEN0137 Realm Management Monitor 2.0, the 2.0-bet2 text") == true)
    }
}
