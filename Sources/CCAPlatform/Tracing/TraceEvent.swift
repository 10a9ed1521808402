public import CCAArch

/// Which choke point recorded a trace event.
@frozen
public enum TraceEventKind: Hashable, Sendable {
    /// An SMC from a host CPU.
    case hostSMC
    /// A call from the RMM to EL3.
    case el3Call
    /// A checked memory access (see `MemoryAccessOperation` for how its registers read).
    case memoryAccess
}

/// The operation of a `.memoryAccess` event, carried in its function ID.
@frozen
public enum MemoryAccessOperation: UInt64, Hashable, Sendable {
    case read = 0
    case write = 1
    case zero = 2
    case copy = 3
}

/// One event at a choke point: who, what, with which registers, and when.
///
/// For SMCs and EL3 calls the registers are the call's. For a memory access the function ID is the
/// `MemoryAccessOperation`, the arguments are X1 the PA, X2 the byte count, X3 the security state's PAS number,
/// X4 the source PA and X5 the source PAS number (copies only); the results are X0 0 (done), 1 (protection
/// fault), 2 (not memory) or 3 (negative length), X1 the faulting PA and X2 the GPCSC of a protection fault.
public struct TraceEvent: Hashable, Sendable {
    /// The CPU the event happened on, or `nil` where the caller did not say.
    public var cpu: Int?
    public var kind: TraceEventKind
    /// The function ID (SMCs and EL3 calls) or the memory operation.
    public var functionID: UInt64
    public var arguments: SMCArguments
    public var result: SMCReturn
    /// Nanoseconds from the tracer's creation to the start of the event, on a monotonic clock.
    public var startNanoseconds: UInt64
    /// How long the event took, in nanoseconds.
    public var durationNanoseconds: UInt64

    public init(
        cpu: Int?, kind: TraceEventKind, functionID: UInt64, arguments: SMCArguments, result: SMCReturn,
        startNanoseconds: UInt64, durationNanoseconds: UInt64
    ) {
        self.cpu = cpu
        self.kind = kind
        self.functionID = functionID
        self.arguments = arguments
        self.result = result
        self.startNanoseconds = startNanoseconds
        self.durationNanoseconds = durationNanoseconds
    }
}

/// What the tracer held at one moment: the kept events, oldest first, and how many older ones were dropped.
public struct TraceSnapshot: Hashable, Sendable {
    public var events: [TraceEvent]
    /// Events dropped because the buffer was full (the oldest go first).
    public var droppedCount: UInt64

    public init(events: [TraceEvent], droppedCount: UInt64) {
        self.events = events
        self.droppedCount = droppedCount
    }
}
