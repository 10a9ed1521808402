import CCAArch
import CCAPlatform

/// The trace-event JSON format Perfetto and chrome://tracing load: one complete ("X") event per SMC or EL3 call,
/// one track per CPU for host SMCs and one track for EL3 calls, times in microseconds.
enum TraceEventExport {
    /// The track of EL3 calls.
    static let el3Track = 1000

    static func name(_ functionID: UInt64) -> String {
        if let command = FunctionID(dispatching: functionID).rmiCommand { return "\(command.name)" }
        if let el3 = EL3FunctionID(named: functionID) { return "\(el3.name)" }
        return "0x" + String(functionID, radix: 16)
    }

    static func json(_ snapshot: TraceSnapshot) -> String {
        var lines: [String] = []
        var cpus = Set<Int>()
        let origin = snapshot.events.map(\.startNanoseconds).min() ?? 0
        for event in snapshot.events {
            let track: Int
            switch event.kind {
            case .hostSMC:
                track = event.cpu ?? 0
                cpus.insert(track)
            case .el3Call: track = el3Track
            case .memoryAccess: continue
            }
            let start = Double(event.startNanoseconds - origin) / 1000
            let duration = max(Double(event.durationNanoseconds) / 1000, 0.001)
            let registers = (0..<4).map { "\"x\($0)\":\"0x\(String(event.arguments[$0], radix: 16))\"" }
            let results = (0..<3).map { "\"r\($0)\":\"0x\(String(event.result[$0], radix: 16))\"" }
            lines.append(
                "{\"name\":\"\(name(event.functionID))\",\"cat\":\"\(event.kind == .hostSMC ? "smc" : "el3")\","
                    + "\"ph\":\"X\",\"pid\":1,\"tid\":\(track),\"ts\":\(start),\"dur\":\(duration),"
                    + "\"args\":{\(registers.joined(separator: ",")),\(results.joined(separator: ","))}}")
        }
        for cpu in cpus.sorted() {
            lines.append(
                "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":\(cpu),\"args\":{\"name\":\"CPU \(cpu) SMCs\"}}"
            )
        }
        lines.append(
            "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":\(el3Track),\"args\":{\"name\":\"EL3 calls\"}}")
        lines.append("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"swift-rmm\"}}")
        return "{\"traceEvents\":[\n" + lines.joined(separator: ",\n") + "\n],\"displayTimeUnit\":\"ns\","
            + "\"otherData\":{\"dropped\":\(snapshot.droppedCount)}}\n"
    }
}
