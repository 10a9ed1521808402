public import CCAArch

/// An RMI_SUCCESS answer to a range command that breaks the spec's progress guarantee.
///
/// DEN0137 A2.3.6.2 guarantees `base < out_top <= top` on SUCCESS, with out_top granule-aligned. The Linux loop
/// under review fed a non-advancing out_top straight back, spinning forever (seed-review.txt); this library stops
/// on the first such answer and names it (granule-delegation.md section 8 item 3).
@frozen
public struct BadProgressAnswer: Hashable, Sendable {
    /// What is wrong with out_top.
    @frozen
    public enum Defect: Hashable, Sendable {
        /// out_top == base: no progress.
        case noAdvance
        /// out_top < base: progress backwards.
        case belowBase
        /// out_top > top: beyond what was asked.
        case beyondTop
        /// out_top is not a multiple of the granule size.
        case misaligned
    }

    /// The command that answered.
    public let command: FunctionID
    /// X1 of the call (base of this step).
    public let base: PhysicalAddress
    /// X2 of the call (top of the request).
    public let top: PhysicalAddress
    /// The out_top the RMM reported.
    public let outTop: PhysicalAddress
    public let defect: Defect

    public init(
        command: FunctionID, base: PhysicalAddress, top: PhysicalAddress, outTop: PhysicalAddress,
        defect: Defect
    ) {
        self.command = command
        self.base = base
        self.top = top
        self.outTop = outTop
        self.defect = defect
    }

    /// Checks an out_top against `base < out_top <= top` and alignment; `nil` when it is good.
    static func check(
        command: FunctionID, base: PhysicalAddress, top: PhysicalAddress, outTop: PhysicalAddress,
        granuleSize: GranuleSize
    ) -> BadProgressAnswer? {
        let defect: Defect
        if outTop == base {
            defect = .noAdvance
        } else if outTop < base {
            defect = .belowBase
        } else if outTop > top {
            defect = .beyondTop
        } else if !outTop.isAligned(to: granuleSize.bytes) {
            defect = .misaligned
        } else {
            return nil
        }
        return BadProgressAnswer(command: command, base: base, top: top, outTop: outTop, defect: defect)
    }

    /// One line for logs and the serve protocol, e.g.
    /// `RMI_SUCCESS with out_top 0x80000000 equal to base for [0x80000000, 0x80200000)`.
    public var description: String {
        let what =
            switch defect {
            case .noAdvance: "equal to base"
            case .belowBase: "below base"
            case .beyondTop: "beyond top"
            case .misaligned: "not granule-aligned"
            }
        return "RMI_SUCCESS with out_top \(hex(outTop.rawValue)) \(what) for [\(hex(base.rawValue)), "
            + "\(hex(top.rawValue)))"
    }
}

/// Why a range delegation or undelegation did not reach its top.
///
/// Each case maps onto one error KIND of the serve protocol (`kind`).
@frozen
public enum RangeFailure: Hashable, Sendable {
    /// Base or size is not a multiple of the granule size. Rejected before any SMC.
    case unaligned(base: PhysicalAddress, size: UInt64)
    /// base + size passes 2^64. Rejected before any SMC: the Linux loop `while (phys < top)` would skip its body
    /// and report success (granule-delegation.md section 8 item 2).
    case overflow(base: PhysicalAddress, size: UInt64)
    /// The bring-up sequence has not completed on this host. Rejected before any SMC.
    case notInitialized
    /// The RMM answered this status (directly, or as the final answer of a stateful operation). Final for the
    /// request: an error can surface one call after the granule that causes it (section 8 item 10), and
    /// RMI_ERROR_TRACKING means "make the region FINE first", not "retry" (item 11).
    case rmmError(RMIStatus)
    /// The RMM answered RMI_SUCCESS without valid progress.
    case noProgress(BadProgressAnswer)
    /// The BUSY or BLOCKED budget ran out; the last status seen.
    case stalled(RMIStatus)
    /// An RMI_INCOMPLETE answer could not be driven to completion.
    case statefulOperation(SROFailure)

    /// The serve protocol's error KIND: `unaligned`, `overflow`, `not_initialized`, `rmm_error`, `no_progress`,
    /// `stalled`; for stateful operations `stalled` (continuation budget), `cancelled`, or `host_failure`.
    public var kind: String {
        switch self {
        case .unaligned: "unaligned"
        case .overflow: "overflow"
        case .notInitialized: "not_initialized"
        case .rmmError: "rmm_error"
        case .noProgress: "no_progress"
        case .stalled: "stalled"
        case .statefulOperation(.continuationLimit): "stalled"
        case .statefulOperation(.cancelled): "cancelled"
        case .statefulOperation(.hostFailure): "host_failure"
        }
    }

    /// One line for logs and the serve protocol's diagnostics.
    public var description: String {
        switch self {
        case .unaligned(let base, let size):
            "base \(hex(base.rawValue)) or size \(hex(size)) is not a multiple of the granule size"
        case .overflow(let base, let size): "base \(hex(base.rawValue)) + size \(hex(size)) passes 2^64"
        case .notInitialized: "the host has not completed bring-up"
        case .rmmError(let status): "the RMM answered \(status.name)"
        case .noProgress(let answer): answer.description
        case .stalled(let status): "still \(status.name) when the retry budget ran out"
        case .statefulOperation(let failure): "the stateful operation did not complete: \(failure)"
        }
    }

    /// The RMI status the RMM returned, where it returned one that ended the request.
    public var status: RMIStatus? {
        switch self {
        case .rmmError(let status), .stalled(let status): status
        case .noProgress: .success
        case .statefulOperation(.cancelled(_, let answer)): RMIResult(rawValue: answer.x0).status
        case .statefulOperation(.continuationLimit), .statefulOperation(.hostFailure): .incomplete
        case .unaligned, .overflow, .notInitialized: nil
        }
    }
}

/// A range operation the host started with RMI_INCOMPLETE and had to abandon: the BUSY or BLOCKED budget of an
/// RMI_OP_CONTINUE ran out, the continuation budget ran out, or the host could not serve a step and could not
/// cancel.
///
/// The RMM still holds the operation under `handle`, with an unknown part of `range` in its intermediate (PARTIAL)
/// state: neither Non-secure memory the host may reuse nor a delegated prefix it could undelegate (any command
/// that reaches a PARTIAL granule answers RMI_BLOCKED). The host cannot learn which granules are held, so the
/// helpers quarantine the whole of `range` in the leak ledger: an over-approximation by at most the granules the
/// RMM never reached, which is the price of never reusing Realm memory as Non-secure (granule-delegation.md
/// section 8 item 7).
@frozen
public struct AbandonedRangeOperation: Hashable, Sendable {
    /// The handle from the initiating RMI_INCOMPLETE answer.
    public let handle: UInt64
    /// `[cursor, top)` of the call that went incomplete: every granule the operation may hold.
    public let range: GranuleRange

    public init(handle: UInt64, range: GranuleRange) {
        self.handle = handle
        self.range = range
    }
}

/// What a range delegation or undelegation achieved: always how far it got, what it cost, and why it stopped.
///
/// granule-delegation.md section 8 item 6: a multi-call delegation can fail after moving a prefix; the caller must
/// learn the prefix `[base, top)` so it can undelegate exactly that (see `HostRMI.rollback(_:)`).
@frozen
public struct RangeOutcome: Hashable, Sendable {
    /// Which direction the range moved.
    @frozen
    public enum Operation: Hashable, Sendable {
        /// RMI_GRANULE_RANGE_DELEGATE: Non-secure to Realm PAS.
        case delegate
        /// RMI_GRANULE_RANGE_UNDELEGATE: wiped and back to Non-secure.
        case undelegate

        /// The RMI command.
        public var command: FunctionID {
            self == .delegate ? .granuleRangeDelegate : .granuleRangeUndelegate
        }
    }

    public let operation: Operation
    /// The requested base.
    public let base: PhysicalAddress
    /// The requested size in bytes.
    public let size: UInt64
    /// The end of the prefix `[base, top)` this call actually moved to the target state (`base` if nothing moved).
    public let top: PhysicalAddress
    /// SMCs this call issued (retries and stateful-operation steps included; 0 for rejected input and size 0).
    public let smcCount: Int
    /// Why the call stopped short; `nil` on success.
    public let failure: RangeFailure?
    /// Granules this call recorded in the leak ledger: for an undelegation, the unfinished suffix of a failure;
    /// for either direction, the range an abandoned stateful operation may hold (`abandonedOperation`).
    public let leakedGranules: UInt64
    /// The stateful operation this call started and had to leave unfinished, if any; its range is quarantined.
    public let abandonedOperation: AbandonedRangeOperation?
    /// Granules of `[base, top)` where the host's own records disagree with the move: for a delegation, granules
    /// the host had already delegated (with 2.0-bet3 skip semantics the RMM reports them as progress, so success
    /// does not prove the host owned them as Non-secure; section 8 item 9); for an undelegation, granules the host
    /// has no record of delegating (possibly delegated through another path, or already Non-secure and skipped).
    public let bookkeepingMismatchGranules: UInt64

    public init(
        operation: Operation, base: PhysicalAddress, size: UInt64, top: PhysicalAddress, smcCount: Int,
        failure: RangeFailure?, leakedGranules: UInt64 = 0, abandonedOperation: AbandonedRangeOperation? = nil,
        bookkeepingMismatchGranules: UInt64 = 0
    ) {
        self.operation = operation
        self.base = base
        self.size = size
        self.top = top
        self.smcCount = smcCount
        self.failure = failure
        self.leakedGranules = leakedGranules
        self.abandonedOperation = abandonedOperation
        self.bookkeepingMismatchGranules = bookkeepingMismatchGranules
    }

    /// Whether the whole range moved.
    public var succeeded: Bool { failure == nil }

    /// The RMI status behind a failure, if the RMM returned one.
    public var status: RMIStatus? { failure?.status }

    /// One line for logs and the CLI, e.g. `delegate [0x80000000, +0x4000): moved to 0x80002000 in 2 SMCs,
    /// the RMM answered RMI_ERROR_INPUT`.
    public var description: String {
        let name = operation == .delegate ? "delegate" : "undelegate"
        var line = "\(name) [\(hex(base.rawValue)), +\(hex(size))): moved to \(hex(top.rawValue)) in \(smcCount) SMCs"
        if let failure { line += ", " + failure.description }
        if let held = abandonedOperation {
            line +=
                ", operation \(held.handle) abandoned holding part of [\(hex(held.range.base.rawValue)), "
                + "\(hex(held.range.top.rawValue)))"
        }
        if leakedGranules != 0 { line += ", \(leakedGranules) granules leaked" }
        return line
    }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
