public import CCAArch

/// One stateful operation waiting for the host (a SEALED context), as a debug port reports it.
public struct PendingOperationInfo: Hashable, Sendable {
    /// The handle RMI_INCOMPLETE gave (X1), which the OP_* commands name.
    public let handle: UInt64
    /// The command that started it (RMI_GRANULE_RANGE_DELEGATE, RMI_REALM_CREATE, RMI_REC_CREATE, ...).
    public let command: FunctionID
    /// The OP_* command it accepts next: RMI_OP_CONTINUE, RMI_OP_MEM_DONATE or RMI_OP_MEM_RECLAIM (sro.md section 6).
    public let waitingFor: FunctionID
    /// Whether the latest RMI_INCOMPLETE allowed RMI_OP_CANCEL.
    public let canCancel: Bool
}

extension RealmManagementMonitor {
    /// Every operation waiting for the host, by context index. A debug port, not an RMI command: a context a CPU
    /// resumes while this reads it may be reported with fields from before or after, so call it at quiescent
    /// points (as the invariant checker).
    public func pendingOperations() -> [PendingOperationInfo] {
        var found: [PendingOperationInfo] = []
        for context in operations.contexts {
            let word = context.word
            guard word & 3 == OperationContext.sealed else { continue }
            let command: FunctionID
            switch context.operation {
            case .none: continue
            case .range(let range):
                command = range.direction == .delegate ? .granuleRangeDelegate : .granuleRangeUndelegate
            case .coarse(let unit):
                command = unit.direction == .delegate ? .granuleRangeDelegate : .granuleRangeUndelegate
            case .recCreate: command = .recCreate
            case .recDestroy: command = .recDestroy
            case .realmCreate: command = .realmCreate
            case .realmDestroy: command = .realmDestroy
            case .gptL1Create: command = .gptL1Create
            case .gptL1Destroy: command = .gptL1Destroy
            case .tracking: command = .granuleTrackingSet
            }
            let waitingFor: FunctionID =
                switch context.step {
                case .proceed: .opContinue
                case .donate: .opMemDonate
                case .reclaim: .opMemReclaim
                }
            found.append(
                PendingOperationInfo(
                    handle: (word >> 2) << 16 | UInt64(context.index), command: command, waitingFor: waitingFor,
                    canCancel: context.canCancel))
        }
        return found
    }
}
