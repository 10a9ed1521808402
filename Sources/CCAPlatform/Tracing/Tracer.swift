public import CCAArch
import Glibc
import Synchronization

/// Records events at the platform's choke points (host SMCs, EL3 calls, memory accesses) into a bounded buffer.
///
/// Disabled, a choke point pays one relaxed atomic load. Enabled, each event takes a lock briefly; when the
/// buffer is full the oldest event is dropped and counted. Safe to use from every CPU thread at once.
public final class Tracer: Sendable {
    /// The most events kept.
    public let capacity: Int
    private let enabled: Atomic<Bool>
    private let buffer: Mutex<_TraceRing>
    /// The monotonic clock reading at creation; event times are relative to it.
    private let origin: UInt64

    /// A tracer keeping up to `capacity` events (at least 1), enabled or not.
    public init(capacity: Int = 65_536, enabled: Bool = false) {
        self.capacity = Swift.max(1, capacity)
        self.enabled = Atomic(enabled)
        self.buffer = Mutex(_TraceRing(capacity: Swift.max(1, capacity)))
        self.origin = Self.monotonicNanoseconds()
    }

    /// Whether events are being recorded.
    public var isEnabled: Bool {
        // Relaxed: the flag guards no other memory; an event racing a toggle may or may not be recorded.
        enabled.load(ordering: .relaxed)
    }

    /// Starts or stops recording.
    public func setEnabled(_ isEnabled: Bool) {
        enabled.store(isEnabled, ordering: .relaxed)  // Relaxed: see `isEnabled`.
    }

    /// Nanoseconds since the tracer was created, on a monotonic clock.
    public func now() -> UInt64 { Self.monotonicNanoseconds() &- origin }

    /// Records `event` if the tracer is enabled.
    public func record(_ event: TraceEvent) {
        guard isEnabled else { return }
        buffer.withLock { $0.append(event) }
    }

    /// Runs `body` (an SMC or EL3 call) and, if enabled, records it with its timing. (The router looks at
    /// `isEnabled` itself first, and when nothing traces it calls the route directly, so that the route's answer
    /// is its own, not a closure's to copy.)
    public func traceCall(
        cpu: Int?, kind: TraceEventKind, arguments: SMCArguments, _ body: () -> SMCReturn
    ) -> SMCReturn {
        guard isEnabled else { return body() }
        let start = now()
        let result = body()
        let end = now()
        record(
            TraceEvent(
                cpu: cpu, kind: kind, functionID: arguments.x0, arguments: arguments, result: result,
                startNanoseconds: start, durationNanoseconds: end &- start))
        return result
    }

    /// The kept events, oldest first, and the drop count.
    public func snapshot() -> TraceSnapshot {
        buffer.withLock { TraceSnapshot(events: $0.ordered(), droppedCount: $0.dropped) }
    }

    /// Forgets every kept event and the drop count.
    public func clear() {
        buffer.withLock { $0 = _TraceRing(capacity: capacity) }
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        unsafe clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}

/// A ring of events that drops the oldest when full.
struct _TraceRing: Sendable {
    private var events: [TraceEvent] = []
    private var next = 0
    private let capacity: Int
    private(set) var dropped: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
        events.reserveCapacity(Swift.min(capacity, 4096))
    }

    mutating func append(_ event: TraceEvent) {
        if events.count < capacity {
            events.append(event)
        } else {
            events[next] = event
            next = (next + 1) % capacity
            dropped += 1
        }
    }

    func ordered() -> [TraceEvent] {
        Array(events[next...] + events[..<next])
    }
}
