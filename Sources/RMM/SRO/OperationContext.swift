import CCAArch
import FirmwareSync
import Synchronization

/// What an incomplete operation waits for next (sro.md section 6): the OP_* command that may drive it.
enum OperationStep: Equatable {
    /// RMI_OP_CONTINUE.
    case proceed
    /// RMI_OP_MEM_DONATE with memory matching the request.
    case donate(OpMemDonateRequest)
    /// RMI_OP_MEM_RECLAIM.
    case reclaim
}

/// An interrupted range delegation or undelegation: the run of granules it holds PARTIAL.
struct RangeOperation {
    var direction: RangeDirection
    /// Not retained (a retain and release on every range SMC): a region lives as long as the granule table, and
    /// the table outlives every range operation, since RMI_RMM_DEACTIVATE discards it only with every operation
    /// context FREE and no other command in flight, and a context that is not FREE or a command's stack is where
    /// a `RangeOperation` lives.
    @safe unowned(unsafe) var region: TrackingRegion
    /// First and one-past-last granule index of the run.
    var runStart: Int
    var runEnd: Int
    /// Granules of the run already scrubbed (undelegation).
    var scrubbed: UInt64
    /// Whether the command had already skipped granules before the run (progress to report on failure).
    var progressed: Bool
    /// Whether the run is held by its granules' locks (a delegation finishing in the same call) rather than
    /// PARTIAL (an undelegation, or any run an interrupt handed to an operation).
    var heldLocked: Bool
}

/// A REC being created (auxiliary granules arriving by donation) or destroyed (handed back by reclaim). The
/// auxiliary granules' addresses are kept in the REC granule itself, which the operation holds PARTIAL.
struct RECOperation {
    var rec: PhysicalAddress
    var rd: PhysicalAddress
    /// Auxiliary granules the REC holds now.
    var auxCount: Int
    /// Of those, how many have been handed back.
    var reclaimed: Int
    /// Whether a creation is being rolled back after RMI_OP_CANCEL.
    var cancelled: Bool
}

/// A realm being created (its RD's auxiliary granules arriving by donation) or destroyed (handed back by reclaim).
/// The RD granule, which the operation holds PARTIAL, keeps what REALM_CREATE validated and the auxiliary
/// granules' addresses.
struct RealmOperation {
    var rd: PhysicalAddress
    /// Auxiliary granules the RD holds now.
    var auxCount: Int
    /// Of those, how many have been handed back.
    var reclaimed: Int
    /// Whether a creation is being rolled back after RMI_OP_CANCEL.
    var cancelled: Bool
    /// The status a creation that failed at its last step ends with, once its auxiliary granules are back.
    var failure: RMIStatus?
}

/// An operation on an object that holds auxiliary granules (a REC or an RD), their addresses kept in the object's
/// own granule.
protocol AuxiliaryHolding {
    /// The object's granule.
    var holder: PhysicalAddress { get }
    /// Where in the object's granule the first auxiliary address is kept.
    static var auxiliaryOffset: UInt64 { get }
    /// The state of the object's auxiliary granules.
    static var auxiliaryState: GranuleState { get }
    /// Auxiliary granules the object holds now.
    var auxCount: Int { get set }
    /// Of those, how many have been handed back.
    var reclaimed: Int { get set }
}

extension RECOperation: AuxiliaryHolding {
    var holder: PhysicalAddress { rec }
    static var auxiliaryOffset: UInt64 { RECField.aux }
    static var auxiliaryState: GranuleState { .recAux }
}

extension RealmOperation: AuxiliaryHolding {
    var holder: PhysicalAddress { rd }
    static var auxiliaryOffset: UInt64 { RDField.aux }
    static var auxiliaryState: GranuleState { .rdAux }
}

/// An L1 GPT table being created (its memory arriving by donation) or destroyed (its memory handed back by
/// reclaim) for the L0 region of `entry`, which the operation holds CREATING or DESTROYING.
struct GPTL1Operation {
    var entry: GPTL1Entry
    /// The table's memory, once donated (creation) or from the start (destruction); `nil` before the donation.
    var table: PhysicalAddress?
    /// Whether a creation was cancelled before its memory arrived.
    var cancelled: Bool
}

/// The operation a context holds.
enum PendingOperation {
    case none
    case range(RangeOperation)
    case coarse(CoarseOperation)
    case recCreate(RECOperation)
    case recDestroy(RECOperation)
    case realmCreate(RealmOperation)
    case realmDestroy(RealmOperation)
    case gptL1Create(GPTL1Operation)
    case gptL1Destroy(GPTL1Operation)
    case tracking(TrackingOperation)
}

/// One stateful RMI operation context (sro.md section 6): FREE, RESERVED by the call running it, or SEALED
/// while it waits for the host.
///
/// The state word carries a generation that changes each time the context is freed, so a stale handle never
/// reaches a later operation. Fields other than the state word belong to whoever holds the context RESERVED:
/// reserving acquires, sealing and freeing release.
final class OperationContext: Sendable {
    static let free: UInt64 = 0
    static let reserved: UInt64 = 1
    static let sealed: UInt64 = 2

    let index: Int
    /// Bits 1:0 the state, bits 31:2 the generation.
    private let _word: SharedWord
    nonisolated(unsafe) private var _operation = PendingOperation.none
    nonisolated(unsafe) private var _step = OperationStep.proceed
    nonisolated(unsafe) private var _canCancel = false

    // The fields below are plain memory shared between CPUs, made safe by the context protocol: only the call that
    // holds the context RESERVED reads or writes them, and reserving acquires what the last holder released.

    /// The operation the context holds.
    var operation: PendingOperation {
        get { unsafe _operation }
        set { unsafe _operation = newValue }
    }

    /// What the operation waits for next.
    var step: OperationStep {
        get { unsafe _step }
        set { unsafe _step = newValue }
    }

    /// Whether RMI_OP_CANCEL may end the operation now.
    var canCancel: Bool {
        get { unsafe _canCancel }
        set { unsafe _canCancel = newValue }
    }

    init(index: Int, observer: (any SchedulingObserver)?) {
        self.index = index
        self._word = SharedWord(0, location: SharedLocation(.operationContext, UInt64(index)), observer: observer)
    }

    var word: UInt64 { _word.load(ordering: .acquiring) }

    /// FREE to RESERVED.
    func reserve() -> Bool {
        let current = _word.load(ordering: .relaxed)
        guard current & 3 == Self.free else { return false }
        return _word.compareExchange(
            expected: current, desired: current | Self.reserved, ordering: .acquiringAndReleasing
        ).exchanged
    }

    /// SEALED to RESERVED, if `handle` names this context's current generation.
    func resume(generation: UInt32) -> Bool {
        _word.compareExchange(
            expected: UInt64(generation) << 2 | Self.sealed, desired: UInt64(generation) << 2 | Self.reserved,
            ordering: .acquiringAndReleasing
        ).exchanged
    }

    /// RESERVED to SEALED: the host now drives it. Returns the handle.
    func seal() -> UInt64 {
        let generation = _word.load(ordering: .relaxed) >> 2
        _word.store(generation << 2 | Self.sealed, ordering: .releasing)
        return generation << 16 | UInt64(index)
    }

    /// RESERVED to FREE, with a new generation.
    func release() {
        operation = .none
        step = .proceed
        canCancel = false
        let generation = (_word.load(ordering: .relaxed) >> 2) &+ 1
        _word.store((generation & 0x3FFF_FFFF) << 2 | Self.free, ordering: .releasing)
    }
}

/// The fixed pool of operation contexts, as firmware would size it: a few per CPU.
final class OperationPool: Sendable {
    /// The contexts, lent without a retain to the range SMC path's reservation (`withReservedContext`).
    private let pool: UnretainedObjects<OperationContext>
    /// The contexts.
    var contexts: [OperationContext] { pool.all }

    /// `perCPU` contexts for each of `cpuCount` CPUs (the boot manifest's `operationContextsPerCPU`).
    init(cpuCount: Int, perCPU: Int, observer: (any SchedulingObserver)?) {
        var contexts: [OperationContext] = []
        for index in 0..<(cpuCount * perCPU) {
            contexts.append(OperationContext(index: index, observer: observer))
        }
        pool = UnretainedObjects(contexts)
    }

    /// A FREE context, now RESERVED; or the status to answer: RMI_BLOCKED if every context is SEALED (waiting
    /// for the host), RMI_BUSY if some are merely reserved by running calls.
    func reserve() throws(RMIStatusError) -> OperationContext {
        try withReservedContext { $0 }
    }

    /// Runs `body` with a FREE context, now RESERVED, borrowed rather than retained; throws what `reserve()`
    /// throws when there is none. `body` seals or releases the context as `reserve()`'s callers do.
    @inline(__always)
    func withReservedContext<Result>(
        _ body: (OperationContext) -> Result
    ) throws(RMIStatusError) -> Result {
        for index in 0..<pool.count {
            if let reserved = pool.withObject(at: index, { $0.reserve() ? body($0) : nil }) { return reserved }
        }
        let allSealed = contexts.allSatisfy { $0.word & 3 == OperationContext.sealed }
        throw RMIStatusError(allSealed ? .blocked : .busy)
    }

    /// The sealed context `handle` names, now RESERVED; `nil` if the handle names no incomplete operation.
    func resume(handle: UInt64) -> OperationContext? {
        let index = Int(truncatingIfNeeded: handle & 0xFFFF)
        guard handle >> 46 == 0, index < contexts.count else { return nil }
        let context = contexts[index]
        return context.resume(generation: UInt32(truncatingIfNeeded: handle >> 16)) ? context : nil
    }

    /// Whether every context is FREE: no operation is pending and no call holds one.
    var allFree: Bool { contexts.allSatisfy { $0.word & 3 == OperationContext.free } }

    /// Whether any operation is incomplete.
    var anySealed: Bool { contexts.contains { $0.word & 3 == OperationContext.sealed } }
}
