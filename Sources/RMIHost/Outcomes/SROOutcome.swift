public import CCAArch

/// Why the host could not serve a step of a stateful operation (sro.md section 7, "a step failed on the Host side").
///
/// When one happens and the operation may be cancelled (RmiOpCanCancel = 1), the driver issues RMI_OP_CANCEL once
/// and drives the roll-back; otherwise it stops and reports, never looping.
@frozen
public enum SROHostFailure: Hashable, Sendable {
    /// The command does not transfer memory, yet the RMM asked for a donation or a reclaim (a contract breach:
    /// serving it could recurse through the range helpers the donation itself needs).
    case unexpectedMemoryRequest(OpMemRequest)
    /// RMI_INCOMPLETE carried the reserved memory request 3 (the raw X0).
    case malformedResult(UInt64)
    /// X2 of a donation request has reserved bits set or asks for zero blocks (the raw X2).
    case malformedDonationRequest(UInt64)
    /// A well-formed donation request the host does not serve: CONDITIONAL state (only TRACKING_SET uses it), a
    /// block size the granule size lacks, or a contiguous total that is not a power of two or does not fit one
    /// address-range descriptor.
    case unsupportedDonationRequest(OpMemDonateRequest)
    /// The page allocator could not provide `bytes` (donated blocks or the address-list page).
    case outOfMemory(bytes: UInt64)
    /// Delegating memory before donating it (the request's state was DELEGATED) failed at `address`.
    case delegationFailed(at: PhysicalAddress, status: RMIStatus?)
    /// Writing an address list or reading a reclaim list faulted.
    case memoryFault(HostMemoryError)
    /// RMI_OP_MEM_DONATE refused the list with this status; the operation still waits for memory (sro.md
    /// section 6 item 5).
    case donationRefused(RMIStatus)
    /// A reclaim list entry does not decode as an RmiAddrRangeDesc (the raw entry). The memory it names is lost
    /// to the host.
    case malformedReclaimEntry(UInt64)
}

/// How a stateful operation that did not complete ended.
@frozen
public enum SROFailure: Hashable, Sendable {
    /// The continuation budget ran out while the RMM still answered RMI_INCOMPLETE: the operation is left
    /// unfinished under `handle`.
    case continuationLimit(handle: UInt64)
    /// The host could not serve a step (`reason`), cancelled, and drove the roll-back to `answer`, its final
    /// registers. The cancelled operation's final status is not specified (sro.md section 4); the host reports
    /// "cancelled" whatever it is, as Linux does.
    case cancelled(reason: SROHostFailure, answer: SMCReturn)
    /// The host could not serve a step and could not cancel (can-cancel was 0, or the failure came during the
    /// roll-back): the operation is left unfinished under `handle`.
    case hostFailure(SROHostFailure, handle: UInt64)
}

/// Where the generic stateful-operation driver stopped, and what it cost.
@frozen
public struct SROOutcome: Hashable, Sendable {
    /// The three ways a drive ends.
    @frozen
    public enum End: Hashable, Sendable {
        /// A final answer (any status but BUSY, BLOCKED and INCOMPLETE): the command's own outputs, success or
        /// error, from the initiating call or from the last RMI_OP_* call.
        case completed(SMCReturn)
        /// The BUSY or BLOCKED retry budget of one step ran out; this is the last status seen.
        case stalled(RMIStatus)
        /// The operation could not be completed.
        case failed(SROFailure)
    }

    public let end: End
    /// SMCs issued, retries, OP_* calls and the range calls that delegated or undelegated donated memory included.
    public let smcCount: Int
    /// The handle from the initiating RMI_INCOMPLETE answer; `nil` if the command never went incomplete.
    public let handle: UInt64?

    public init(end: End, smcCount: Int, handle: UInt64?) {
        self.end = end
        self.smcCount = smcCount
        self.handle = handle
    }

    /// The final registers of a completed operation.
    public var answer: SMCReturn? {
        if case .completed(let answer) = end { return answer }
        return nil
    }

    /// The final status of a completed operation.
    public var status: RMIStatus? { answer.map { RMIResult(rawValue: $0.x0).status } }
}
