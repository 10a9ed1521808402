import CCAArch

/// The statuses each RMI command may answer, from its failure conditions and the stateful-operation rules.
/// The fuzzer flags any other answer.
enum AllowedStatuses {
    static func allowed(_ fid: FunctionID) -> [RMIStatus]? {
        switch fid {
        case .version: [.success, .errorInput]
        case .features, .rmmStateGet: [.success]
        case .rmmConfigSet: [.success, .errorGlobal, .errorInput]
        case .rmmConfigGet: [.success, .errorInput]
        case .rmmActivate: [.success, .errorGlobal]
        case .rmmDeactivate: [.success, .errorGlobal, .busy]
        case .granuleTrackingGet: [.success, .errorInput]
        case .granuleTrackingSet: [.success, .errorGlobal, .errorInput, .busy, .blocked, .incomplete]
        case .granuleRangeDelegate, .granuleRangeUndelegate:
            [.success, .errorGlobal, .errorInput, .errorTracking, .busy, .blocked, .incomplete]
        case .gptL1Create: [.incomplete, .errorGlobal, .errorInput, .errorGPT, .blocked, .busy]
        case .gptL1Destroy: [.incomplete, .errorGlobal, .errorInput, .blocked, .busy]
        case .gptInfo: [.success, .errorGlobal, .errorInput]
        // A resumed range command ends with its own errors: a COARSE delegation EL3 refused part way ends with
        // RMI_ERROR_TRACKING once rolled back (bet3.md section 5). Last, so that the libFuzzer format's status
        // bytes of injected answers keep their meaning.
        case .opContinue: [.success, .errorGlobal, .errorInput, .busy, .blocked, .incomplete, .errorTracking]
        case .opMemDonate, .opMemReclaim, .opCancel: [.errorGlobal, .errorInput, .incomplete]
        case .realmCreate: [.incomplete, .errorGlobal, .errorInput, .blocked, .busy]
        case .realmActivate, .realmTerminate: [.success, .errorGlobal, .errorInput, .errorRealm, .blocked]
        case .realmDestroy: [.incomplete, .errorGlobal, .errorInput, .errorRealm, .blocked, .busy]
        case .recCreate: [.incomplete, .errorGlobal, .errorInput, .errorRealm, .blocked, .busy]
        case .recDestroy: [.incomplete, .errorGlobal, .errorInput, .errorREC, .blocked, .busy]
        case .rttCreate, .rttDestroy: [.success, .errorGlobal, .errorInput, .errorRTT, .blocked]
        case .rttDataMapInit: [.success, .errorGlobal, .errorInput, .errorRealm, .errorRTT, .blocked]
        case .rttDataUnmap: [.success, .errorGlobal, .errorInput, .errorRTT, .blocked]
        case .rttReadEntry: [.success, .errorGlobal, .errorInput, .blocked]
        default: fid.isRMI ? [.errorNotSupported] : nil
        }
    }

    /// Whether a failure of this command must leave the machine unchanged. OP_CONTINUE's failure is the final
    /// answer of an operation it resumed (a cancelled REC creation ends with RMI_ERROR_INPUT after rolling
    /// back), so it is exempt; so is RMI_INCOMPLETE, which starts an operation by design.
    static func failureChangesNothing(_ fid: FunctionID, _ status: RMIStatus) -> Bool {
        fid != .opContinue && status != .success && status != .incomplete
    }
}
