import Foundation
import Testing

@testable import rmm

@Suite("rmm run")
struct RunScenarioTests {
    static let shipped = ["seed-review.jsonl", "bring-up.jsonl", "faults.jsonl"]

    @Test("every shipped scenario passes, and every request in it carries an expect", arguments: shipped)
    func shippedScenarioPasses(name: String) throws {
        let text = try String(contentsOf: ServeFixture.scenario(name), encoding: .utf8)
        let report = ScenarioRunner(session: try ServeFixture.session()).run(text)
        #expect(report.failures == [])
        #expect(report.requests > 5)
        #expect(report.checked == report.requests)
    }

    @Test("the rmm run command exits 0 on a shipped scenario", arguments: shipped)
    func commandPasses(name: String) throws {
        let (status, output) = try ServeFixture.runTool(["run", ServeFixture.scenario(name).path])
        #expect(status == 0)
        #expect(output.contains("passed: "))
    }

    @Test("a mismatch fails with its line number, the expected and the actual value")
    func mismatch() throws {
        let text = """
            # a comment
            {"op":"host.init","expect":{"ok":true}}

            // another comment
            {"op":"granule","pa":"0x80000000","expect":{"state":"DELEGATED","gpi":"NS"}}
            {"op":"check","expect":{"ok":true}}
            """
        let report = ScenarioRunner(session: try ServeFixture.session()).run(text)
        #expect(report.requests == 3)
        #expect(report.checked == 3)
        #expect(report.failures.count == 1)
        let failure = try #require(report.failures.first)
        #expect(failure.line == 5)
        #expect(failure.message.hasPrefix(#"state: expected "DELEGATED", got "UNDELEGATED""#))
        #expect(report.summary == "FAILED: 3 requests, 3 checked, 1 failure")
    }

    @Test("the rmm run command exits non-zero and names the line of a mismatch")
    func commandFails() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rmm-run-\(UUID().uuidString).jsonl")
        try Data("{\"op\":\"check\",\"expect\":{\"ok\":true}}\n{\"op\":\"stats\",\"expect\":{\"smc\":5}}\n".utf8)
            .write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try ServeFixture.runTool(["run", file.path])
        #expect(status != 0)
        #expect(output.contains("\(file.path):2: smc: expected 5, got 0"))
        #expect(output.contains("FAILED: 2 requests, 2 checked, 1 failure"))
    }

    @Test("a line that is not a JSON object, or an expect that is not an object, is a failure")
    func malformedLines() throws {
        let text = "{\"op\":\"check\"\n{\"op\":\"check\",\"expect\":true}\n[1]\n"
        let report = ScenarioRunner(session: try ServeFixture.session()).run(text)
        #expect(report.failures.map(\.line) == [1, 2, 3])
        #expect(report.checked == 1)
    }

    @Test("requests without expect are replayed but not checked")
    func unchecked() throws {
        let text = #"{"op":"host.init"}"# + "\n" + #"{"op":"granule","pa":"0x80000000","expect":{"gpi":"NS"}}"#
        let report = ScenarioRunner(session: try ServeFixture.session()).run(text)
        #expect(report.requests == 2 && report.checked == 1 && report.failures.isEmpty)
        #expect(report.responses.map(\.line) == [1, 2])
    }
}

@Suite("rmm run: expectation matching")
struct ExpectationMatcherTests {
    private func differences(_ expected: String, _ actual: String) -> [ExpectationMatcher.Difference] {
        let expectedValue = try? JSONSerialization.jsonObject(with: Data(expected.utf8), options: .fragmentsAllowed)
        let actualValue = try? JSONSerialization.jsonObject(with: Data(actual.utf8), options: .fragmentsAllowed)
        return ExpectationMatcher.differences(expected: expectedValue as Any, actual: actualValue)
    }

    @Test("keys the expectation leaves out are ignored")
    func partialObjects() {
        #expect(differences(#"{"ok":true}"#, #"{"ok":true,"top":"0x1"}"#) == [])
        #expect(differences(#"{"f":{"kind":"gpf"}}"#, #"{"f":{"kind":"gpf","pa":"0x0"}}"#) == [])
    }

    @Test("a missing key is a difference")
    func missingKey() {
        #expect(
            differences(#"{"status":"0x0"}"#, #"{"ok":true}"#)
                == [ExpectationMatcher.Difference(path: "status", expected: #""0x0""#, actual: nil)])
    }

    @Test("arrays must have the same length and match element by element")
    func arrays() {
        #expect(differences(#"{"x":["0x0","0x1"]}"#, #"{"x":["0x0","0x1"]}"#) == [])
        #expect(differences(#"{"x":["0x0"]}"#, #"{"x":["0x0","0x1"]}"#).map(\.path) == ["x"])
        #expect(differences(#"{"x":["0x0","0x2"]}"#, #"{"x":["0x0","0x1"]}"#).map(\.path) == ["x[1]"])
        #expect(differences(#"{"x":[{"a":1}]}"#, #"{"x":[{"a":1,"b":2}]}"#) == [])
    }

    @Test("strings compare exactly, so hexadecimal case matters")
    func hexCase() {
        #expect(differences(#"{"top":"0xC0000000"}"#, #"{"top":"0xc0000000"}"#).map(\.path) == ["top"])
    }

    @Test("booleans match only booleans; numbers compare by value")
    func booleansAndNumbers() {
        #expect(differences(#"{"ok":1}"#, #"{"ok":true}"#).map(\.path) == ["ok"])
        #expect(differences(#"{"ok":true}"#, #"{"ok":1}"#).map(\.path) == ["ok"])
        #expect(differences(#"{"smc":1}"#, #"{"smc":1.0}"#) == [])
        #expect(differences(#"{"id":null}"#, #"{"id":null}"#) == [])
        #expect(differences(#"{"id":null}"#, #"{"id":0}"#).map(\.path) == ["id"])
    }
}
