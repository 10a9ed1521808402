public import CCAArch

extension RealmManagementMonitor {
    /// RMI_OP_CONTINUE (DEN0137 B4.5.22): X1 handle, X2 flags.
    ///
    /// Failure condition `complete`: the handle names no incomplete operation, or the operation waits for a
    /// memory transfer instead (RMI_ERROR_INPUT; the operation stays as it was). Otherwise the operation resumes:
    /// it may answer RMI_INCOMPLETE again, or the outputs of the command that started it.
    func opContinue(handle: UInt64, cpu: Int) -> SMCReturn {
        guard lifecycleState == .active else { return .result(.errorGlobal) }
        guard let context = operations.resume(handle: handle) else { return .result(.errorInput) }
        guard context.step == .proceed else {
            _ = context.seal()
            return .result(.errorInput)
        }
        switch context.operation {
        case .range(var operation):
            guard let answer = finishRun(&operation, cpu: cpu, interruptible: true) else {
                context.operation = .range(operation)
                _ = context.seal()
                return .result(RMIResult.incomplete(.none, canCancel: false))
            }
            context.release()
            return answer
        case .none:
            context.release()
            return .result(.errorInput)
        }
    }

    /// RMI_OP_MEM_DONATE (DEN0137 B4.5.23) and RMI_OP_MEM_RECLAIM (B4.5.24): X1 handle, X2 list address, X3
    /// list count.
    ///
    /// Failure condition `complete`: the handle names no incomplete operation waiting for this transfer; the
    /// answer is RMI_ERROR_INPUT with a count of 0, and the operation stays as it was. Every operation this model
    /// starts today (interrupted range commands) waits only for RMI_OP_CONTINUE, so that is the answer to both.
    func opMemoryTransfer(handle: UInt64) -> SMCReturn {
        guard lifecycleState == .active else { return .result(.errorGlobal) }
        if let context = operations.resume(handle: handle) { _ = context.seal() }
        return .result(.errorInput)
    }

    /// RMI_OP_CANCEL (DEN0137 B4.5.21): X1 handle.
    ///
    /// Failure conditions: `complete` (no incomplete operation), `can_cancel` (the operation cannot be cancelled
    /// now); both RMI_ERROR_INPUT, and the operation stays as it was. Range operations are never cancellable.
    func opCancel(handle: UInt64) -> SMCReturn {
        guard lifecycleState == .active else { return .result(.errorGlobal) }
        guard let context = operations.resume(handle: handle) else { return .result(.errorInput) }
        defer { _ = context.seal() }
        return .result(.errorInput)
    }
}
