import CCAPlatform
import Foundation
import Testing

@testable import rmm

@Suite("rmm trace")
struct TraceTests {
    @Test("a scenario's trace parses as trace-event JSON with a track per CPU and one for EL3 calls")
    func traceFile() throws {
        let (machine, host) = try PlatformOptions.parse(["--cpus", "2"]).machine()
        machine.tracer.setEnabled(true)
        let scenario = """
            {"op":"host.init"}
            {"op":"host.delegate","cpu":1,"base":"0x80000000","size":"0x200000","expect":{"ok":true}}
            {"op":"smc","cpu":0,"x":["0xc4000150","0x20000"]}
            """
        let report = ScenarioRunner(session: ServeSession(machine: machine, host: host)).run(scenario)
        #expect(report.failures.isEmpty)
        let json = TraceEventExport.json(machine.tracer.snapshot())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        let complete = events.filter { $0["ph"] as? String == "X" }
        let tracks = Set(complete.compactMap { $0["tid"] as? Int })
        #expect(tracks == [0, 1, TraceEventExport.el3Track])
        #expect(complete.contains { $0["name"] as? String == "RMI_GRANULE_RANGE_DELEGATE" && $0["tid"] as? Int == 1 })
        #expect(complete.contains { $0["name"] as? String == "FIRME_GM_GPI_SET" })
        #expect(complete.allSatisfy { ($0["dur"] as? Double ?? 0) > 0 && $0["ts"] != nil })
        let names = events.filter { $0["ph"] as? String == "M" }.compactMap {
            ($0["args"] as? [String: Any])?["name"] as? String
        }
        #expect(names.contains("EL3 calls") && names.contains("CPU 1 SMCs"))
    }
}
