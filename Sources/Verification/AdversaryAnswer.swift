public import CCAArch

/// Which answers the adversary may give.
public enum AnswerRules: Hashable, Sendable {
    /// Only answers DEN0137 allows at that point (granule-delegation.md section 5, sro.md sections 3 to 6).
    case specCompliant
    /// Also answers the spec forbids: RMI_SUCCESS with out_top equal to base, beyond top or misaligned, an
    /// undefined status, a memory request from a command that may not transfer memory, a reserved memory request.
    /// A buggy or hostile RMM may give them (section 8 item 3); a host must not hang or lie because of them.
    case includingForbidden
}

/// One answer the adversary can give to one SMC: the unit of a schedule.
///
/// Answers are values so that a schedule can be printed, compared and replayed, and so that the stationary tail
/// (see `AdversarialRMM`) can repeat "the same answer" exactly.
public enum AdversaryAnswer: Hashable, Sendable, CustomStringConvertible {
    /// A status with no state change: RMI_BUSY, RMI_BLOCKED, a listed error, an undefined status. To an OP_* call
    /// the operation stays as it was (sro.md section 6 item 4; a refused donation leaves it waiting, item 5).
    case refuse(RMIStatus)
    /// RMI_SUCCESS with this out_top. A legal out_top moves `[base, out_top)`; a forbidden one moves nothing.
    case progress(outTop: UInt64)
    /// RMI_INCOMPLETE without a memory request (start or continue an operation).
    case incomplete(canCancel: Bool)
    /// RMI_INCOMPLETE asking for `granules` L3 pages in `state`, non-contiguous.
    case requestDonation(granules: Int, state: OpMemState, canCancel: Bool)
    /// RMI_INCOMPLETE with the reserved memory request 3.
    case reservedMemoryRequest
    /// End the pending operation with a final status; on error every PARTIAL granule goes back (nothing moved).
    case finish(RMIStatus)
    /// RMI_OP_CONTINUE starts the failure path: hand back the donated memory (RECLAIM), then end with `status`.
    case failAndReclaim(RMIStatus)
    /// RMI_OP_MEM_DONATE consumes this many granules of the offered list, in list order.
    case consume(Int)
    /// RMI_OP_MEM_RECLAIM hands back this many donated granules.
    case handBack(Int)
    /// RMI_OP_CANCEL accepted: roll back, reclaiming donated memory first if there is any.
    case cancel

    public var description: String {
        switch self {
        case .refuse(let status): "\(status.name)"
        case .progress(let outTop): "RMI_SUCCESS out_top=0x\(String(outTop, radix: 16))"
        case .incomplete(let canCancel): "RMI_INCOMPLETE NONE\(canCancel ? " can-cancel" : "")"
        case .requestDonation(let granules, let state, let canCancel):
            "RMI_INCOMPLETE DONATE \(granules) x L3 \(state)\(canCancel ? " can-cancel" : "")"
        case .reservedMemoryRequest: "RMI_INCOMPLETE with reserved memory request 3"
        case .finish(let status): "final \(status.name)"
        case .failAndReclaim(let status): "RMI_INCOMPLETE RECLAIM (failing with \(status.name))"
        case .consume(let count): "donated_count=\(count)"
        case .handBack(let count): "reclaim_count=\(count)"
        case .cancel: "cancel accepted"
        }
    }
}

/// One SMC of a run, as the adversary answered it: the unit of a printed schedule.
public struct ScheduleStep: Hashable, Sendable, CustomStringConvertible {
    /// The host's SMC.
    public let arguments: SMCArguments
    /// What the adversary answered.
    public let answer: AdversaryAnswer
    /// Whether this answer was a choice of the schedule (more than one answer was allowed and the scheduler
    /// picked it), rather than forced, or repeated by the stationary tail.
    public let chosen: Bool
    /// How many answers were allowed.
    public let alternatives: Int
    /// Whether the specification forbids this answer here (only `AnswerRules.includingForbidden` gives it).
    public let forbidden: Bool

    init(arguments: SMCArguments, answer: AdversaryAnswer, chosen: Bool, alternatives: Int, forbidden: Bool = false) {
        self.arguments = arguments
        self.answer = answer
        self.chosen = chosen
        self.alternatives = alternatives
        self.forbidden = forbidden
    }

    /// e.g. `RMI_GRANULE_RANGE_DELEGATE(0x80000000, 0x80002000) -> RMI_SUCCESS out_top=0x80000000 [choice 1/12]`.
    public var description: String {
        let name =
            FunctionID(dispatching: arguments.x0).rmiCommand.map { "\($0.name)" }
            ?? "SMC 0x\(String(arguments.x0, radix: 16))"
        let call = "\(name)(0x\(String(arguments.x1, radix: 16)), 0x\(String(arguments.x2, radix: 16)))"
        let how = chosen ? "chosen among \(alternatives)" : (alternatives > 1 ? "repeated (stationary)" : "forced")
        return "\(call) -> \(answer)\(forbidden ? " [forbidden]" : "") [\(how)]"
    }
}
