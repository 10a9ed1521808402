public import CCAArch

extension HostRMI {
    /// Takes the RMM back from ACTIVE to INIT with RMI_RMM_DEACTIVATE (bet3.md section 1), after checking the
    /// host's own records: nothing it delegated is still delegated, nothing is on the leak ledger, and it created
    /// no L1 GPT table. Any of those throws without an SMC. Tracking metadata it donated at bring-up is handed back
    /// first (`handBackTrackingMetadata()`), since INTERNAL granules make the RMM refuse. On success the host is uninitialized again:
    /// `initialize()` configures and activates the RMM anew.
    public func deactivate() throws(HostDeactivateError) {
        let info = shared.lifecycle.withLock { state -> HostRMIInfo? in
            guard case .ready(let info) = state else { return nil }
            state = .initializing
            return info
        }
        guard let info else { throw .notInitialized }
        do {
            try deactivateChecked(info)
            shared.lifecycle.withLock { $0 = .uninitialized }
        } catch {
            shared.lifecycle.withLock { $0 = .ready(info) }
            throw error
        }
    }

    private func deactivateChecked(_ info: HostRMIInfo) throws(HostDeactivateError) {
        let delegated = recordedDelegatedRanges
        guard delegated.isEmpty else { throw .stillDelegated(delegated) }
        let leaked = leakLedger.leakedRanges
        guard leaked.isEmpty else { throw .leaked(leaked) }
        guard info.createdL1Tables.isEmpty else { throw .l1TablesCreated(info.createdL1Tables) }
        try handBackTrackingMetadata()
        var smcCount = 0
        switch issue(SMCArguments(FunctionID.rmmDeactivate.rawValue), smcCount: &smcCount) {
        case .stalled(let status): throw .stalled(status)
        case .answered(let answer):
            let status = RMIResult(rawValue: answer.x0).status
            guard status == .success else { throw .rmmError(status) }
        }
    }
}
