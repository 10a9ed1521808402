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

    @Test("the donated-metadata scenario passes with the options on its Run line, every request checked")
    func donatedMetadataScenario() throws {
        let name = "donated-metadata.jsonl"
        let text = try String(contentsOf: ServeFixture.scenario(name), encoding: .utf8)
        #expect(text.contains("# Run: rmm run --tracking-metadata donated Examples/scenarios/\(name)"))
        let (status, output) = try ServeFixture.runTool([
            "run", "--tracking-metadata", "donated", ServeFixture.scenario(name).path,
        ])
        #expect(status == 0)
        #expect(output.contains("passed: 40 requests, 40 checked, 0 failures"))
    }

    @Test("the deactivate scenario passes with the options on its Run line, every request checked")
    func deactivateScenario() throws {
        let name = "deactivate.jsonl"
        let text = try String(contentsOf: ServeFixture.scenario(name), encoding: .utf8)
        #expect(text.contains("# Run: rmm run --host-l1-tables Examples/scenarios/\(name)"))
        let (status, output) = try ServeFixture.runTool(["run", "--host-l1-tables", ServeFixture.scenario(name).path])
        #expect(status == 0)
        #expect(output.contains("passed: 16 requests, 16 checked, 0 failures"))
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
        #expect(report.failures.dropFirst().first?.message == "'expect' is not an object; the line was not sent")
        #expect(report.responses.isEmpty, "no malformed line reaches the server")
        #expect(report.checked == 0)
    }

    @Test(
        "a request the server refuses fails its line when nothing expected the refusal",
        arguments: [
            (#"{"op":"host.delegte","base":"0x80000000","size":"0x1000"}"#, "unknown op 'host.delegte'"),
            (#"{"op":"host.delegate","base":"0x80000000"}"#, "missing field 'size'"),
            (#"{"op":"host.delegate","base":"0x80000000","expect":{"ok":true}}"#, "missing field 'size'"),
        ])
    func refusedRequestFails(line: String, fragment: String) throws {
        let report = ScenarioRunner(session: try ServeFixture.session(activate: true)).run(line)
        let failure = try #require(report.failures.first)
        #expect(report.failures.count == 1)
        #expect(failure.line == 1)
        #expect(failure.message.hasPrefix("the server rejected the request: "), "\(failure.message)")
        #expect(failure.message.contains(fragment), "\(failure.message)")
    }

    @Test(
        "a key neither the operation nor the scenario format knows fails its line, which is not sent",
        arguments: [
            (
                #"{"op":"granule","pa":"0x80000000","expct":{"gpi":"REALM"}}"#,
                "unknown key 'expct' (did you mean 'expect'?): a line with op 'granule' takes op, id, pa and expect"
            ),
            (
                #"{"op":"host.delegate","base":"0x80000000","sise":"0x1000","size":"0x1000"}"#,
                "unknown key 'sise': a line with op 'host.delegate' takes op, id, cpu, base, size and expect"
            ),
        ])
    func unknownKey(line: String, message: String) throws {
        let session = try ServeFixture.session(activate: true)
        let report = ScenarioRunner(session: session).run(line)
        #expect(report.failures.map(\.message) == [message + "; the line was not sent"])
        #expect(report.responses.isEmpty)
        #expect(report.summary == "FAILED: 1 request, 0 checked, 1 failure")
        #expect(ServeFixture.answer(session, #"{"op":"granule","pa":"0x80000000"}"#)["gpi"] as? String == "NS")
    }

    @Test("a refusal the line expects with \"expect\": {\"error\": ...} passes, and the message is matched")
    func expectedRefusalPasses() throws {
        let passing = #"{"op":"host.delegate","base":"0x80000000","expect":{"error":"missing field 'size'"}}"#
        #expect(ScenarioRunner(session: try ServeFixture.session()).run(passing).failures.isEmpty)
        let wrong = #"{"op":"host.delegate","base":"0x80000000","expect":{"error":"missing field 'base'"}}"#
        #expect(ScenarioRunner(session: try ServeFixture.session()).run(wrong).failures.map(\.line) == [1])
    }

    @Test("a host operation answering ok:false fails a line without expect; with expect it is matched")
    func failedHostOperation() throws {
        let text = """
            {"op":"host.delegate","base":"0x80000000","size":"0x1000"}
            {"op":"host.delegate","base":"0x80000000","size":"0x1000","expect":{"ok":false,"error":"not_initialized"}}
            """
        let report = ScenarioRunner(session: try ServeFixture.session()).run(text)
        #expect(report.failures.map(\.line) == [1])
        #expect(report.failures.first?.message.contains("not_initialized") == true)
    }

    @Test("a value of another JSON type is named with its type")
    func typeMismatch() throws {
        let report = ScenarioRunner(session: try ServeFixture.session()).run(
            #"{"op":"stats","expect":{"smc":"0x0","gpf":0}}"#)
        let failure = try #require(report.failures.first)
        #expect(report.failures.count == 1)
        #expect(failure.message.hasPrefix(#"smc: expected the string "0x0", got the number 0"#), "\(failure.message)")
    }

    @Test("rmm run - reads the scenario from standard input and reports it as stdin")
    func standardInput() throws {
        let text = #"{"op":"host.init","expect":{"ok":true}}"# + "\n" + #"{"op":"stats","expect":{"smc":"0x5"}}"# + "\n"
        let (status, output) = try ServeFixture.runTool(["run", "-"], input: Data(text.utf8))
        #expect(status != 0)
        #expect(output.contains(#"stdin:2: smc: expected the string "0x5", got the number "#), "\(output)")
        #expect(output.contains("stdin: FAILED: 2 requests, 2 checked, 1 failure"))
        let (passing, _) = try ServeFixture.runTool(["run", "-"], input: Data(text.utf8.prefix(40) + [10]))
        #expect(passing == 0)
    }

    @Test("rmm trace on a failing scenario names each failing line and exits non-zero")
    func traceNamesFailingLines() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("rmm-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: output) }
        let text = #"{"op":"check","expect":{"ok":true}}"# + "\n" + #"{"op":"host.delegte"}"# + "\n"
        let (status, printed) = try ServeFixture.runTool(
            ["trace", "-", "--output", output.path], input: Data(text.utf8))
        #expect(status != 0)
        #expect(printed.contains("stdin:2: the server rejected the request: unknown op 'host.delegte'"), "\(printed)")
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
        #expect(differences(#"{"status":"0x0"}"#, #"{"ok":true}"#).first?.explanation.contains("missing") == true)
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

    @Test("a type mismatch reads as a sentence naming both types")
    func typeMismatchExplanation() throws {
        let difference = try #require(differences(#"{"x":"0x5"}"#, #"{"x":15}"#).first)
        #expect(difference.explanation.hasPrefix(#"x: expected the string "0x5", got the number 15"#))
        let same = try #require(differences(#"{"x":"0x5"}"#, #"{"x":"0xf"}"#).first)
        #expect(same.explanation == #"x: expected "0x5", got "0xf""#)
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

@Suite("rmm serve: host.init after a bring-up by raw SMCs")
struct HostInitAdoptionTests {
    @Test("host.init adopts an RMM the shipped raw-SMC bring-up activated, and host.delegate then works")
    func adoptsRawBringUp() throws {
        let bringUp = try String(contentsOf: ServeFixture.scenario("bring-up.jsonl"), encoding: .utf8)
        let session = try ServeFixture.session()
        #expect(ScenarioRunner(session: session).run(bringUp).failures == [])
        let after = """
            {"op":"host.init","expect":{"ok":true,"version":"2.0"}}
            {"op":"host.delegate","base":"0x80200000","size":"0x200000","expect":{"ok":true,"top":"0x80400000"}}
            {"op":"granule","pa":"0x803ff000","expect":{"state":"DELEGATED","gpi":"REALM"}}
            """
        #expect(ScenarioRunner(session: session).run(after).failures == [])
    }

    @Test("host.delegate before host.init says what to do")
    func notInitializedExplained() throws {
        let session = try ServeFixture.session()
        let answer = ServeFixture.answer(session, #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
        #expect(answer["error"] as? String == "not_initialized")
        #expect((answer["message"] as? String)?.contains("send host.init first") == true)
    }
}
