import CCAArch
import FirmwareSync
import Synchronization

/// The last calls of every CPU of a stress run, so that a failure can say what each CPU was doing.
public final class FlightRecorder: Sendable {
    /// Calls kept per CPU.
    public let depth: Int
    private let rings: [Slot]

    final class Slot: Sendable {
        let ring = Mutex(Ring())
    }

    struct Ring {
        var calls: [(SMCArguments, SMCReturn?)] = []
        var next = 0
    }

    public init(cpus: Int, depth: Int = 8) {
        self.depth = depth
        rings = (0..<cpus).map { _ in Slot() }
    }

    /// Records that `cpu` issues `call` (its answer `nil` until `answered` fills it in).
    func issue(_ call: SMCArguments, cpu: Int) {
        rings[cpu].ring.withLock { ring in
            if ring.calls.count < depth {
                ring.calls.append((call, nil))
                ring.next = ring.calls.count % depth
            } else {
                ring.calls[ring.next] = (call, nil)
                ring.next = (ring.next + 1) % depth
            }
        }
    }

    func answered(_ answer: SMCReturn, cpu: Int) {
        rings[cpu].ring.withLock { ring in
            let last = (ring.next + ring.calls.count - 1) % max(ring.calls.count, 1)
            if !ring.calls.isEmpty { ring.calls[last].1 = answer }
        }
    }

    /// Each CPU's last calls, oldest first; a call without an answer was still running.
    public func dump() -> [String] {
        var lines: [String] = []
        for (cpu, ring) in rings.enumerated() {
            let calls = ring.ring.withLock { ring in
                ring.calls.count < depth ? ring.calls : Array(ring.calls[ring.next...] + ring.calls[..<ring.next])
            }
            lines.append("cpu \(cpu), last \(calls.count) calls (oldest first):")
            for (call, answer) in calls {
                let fid = FunctionID(call.x0)
                let name = fid.rmiCommand.map { "\($0.name)" } ?? "0x" + String(call.x0, radix: 16)
                let arguments = [call.x1, call.x2, call.x3, call.x4].map { "0x" + String($0, radix: 16) }
                let outcome =
                    answer.map { "\(RMIResult(rawValue: $0.x0).status.name), X1 0x\(String($0.x1, radix: 16))" }
                    ?? "still running"
                lines.append("  \(name)(\(arguments.joined(separator: ", "))) -> \(outcome)")
            }
        }
        return lines
    }
}

/// Watches a stress run's firmware only for failed consistency checks, which it reports with the flight recorder
/// before the firmware traps; every other step costs one empty call.
final class StressObserver: SchedulingObserver {
    let recorder: FlightRecorder
    let onFailure: @Sendable ([String]) -> Void

    init(recorder: FlightRecorder, onFailure: @escaping @Sendable ([String]) -> Void) {
        self.recorder = recorder
        self.onFailure = onFailure
    }

    func willAccess(_ location: SharedLocation, _ access: SharedAccess) {}
    func willWait(for location: SharedLocation) {}
    func preconditionFailed(_ message: StaticString, at location: SharedLocation) {
        onFailure(["the firmware failed a consistency check at \(location): \(message)"] + recorder.dump())
    }
}
