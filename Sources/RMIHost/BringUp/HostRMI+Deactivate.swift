import CCAArch

extension HostRMI {
    /// Takes the RMM back from ACTIVE to INIT with RMI_RMM_DEACTIVATE (bet3.md section 1), after checking the
    /// host's own records and handing back what bring-up gave the RMM.
    ///
    /// Refused without an SMC while memory the host delegated is still delegated or the leak ledger holds granules:
    /// those are the caller's to undelegate, or may be the Realm world's for good. Otherwise the tracking metadata it
    /// donated at bring-up comes back first (`handBackTrackingMetadata()`: INTERNAL granules make the RMM refuse,
    /// and Realm granules in an L0 region make RMI_GPT_L1_DESTROY refuse), then every L1 GPT table it created is
    /// destroyed, last created first (`destroyCreatedL1Tables`: GPT_L1 granules make the RMM refuse). On success the
    /// host is uninitialized again: `initialize()` configures and activates the RMM anew, creating the tables again.
    public func deactivate() throws(HostDeactivateError) {
        let taken = shared.lifecycle.withLock { state -> HostRMIInfo? in
            guard case .ready(let info) = state else { return nil }
            state = .initializing
            return info
        }
        guard var info = taken else { throw .notInitialized }
        do {
            try deactivateChecked(&info)
            shared.lifecycle.withLock { $0 = .uninitialized }
        } catch {
            // What was handed back stays handed back: the record keeps only the tables still created.
            shared.lifecycle.withLock { [info] in $0 = .ready(info) }
            throw error
        }
    }

    private func deactivateChecked(_ info: inout HostRMIInfo) throws(HostDeactivateError) {
        let delegated = recordedDelegatedRanges
        guard delegated.isEmpty else { throw .stillDelegated(delegated) }
        let leaked = leakLedger.leakedRanges
        guard leaked.isEmpty else { throw .leaked(leaked) }
        try handBackTrackingMetadata()
        try destroyCreatedL1Tables(&info)
        var smcCount = 0
        switch issue(SMCArguments(FunctionID.rmmDeactivate.rawValue), smcCount: &smcCount) {
        case .stalled(let status): throw .stalled(status)
        case .answered(let answer):
            let status = RMIResult(rawValue: answer.x0).status
            guard status == .success else { throw .rmmError(status) }
        }
    }

    /// RMI_GPT_L1_DESTROY for every L1 table this host created, last created first, through the stateful-operation
    /// driver: the RMM folds the table and asks for its memory to be reclaimed, and the driver takes the reclaimed
    /// granules back into the allocator (undelegating any the RMM returns DELEGATED). Each destroyed table leaves
    /// `info.createdL1Tables` at once.
    private func destroyCreatedL1Tables(_ info: inout HostRMIInfo) throws(HostDeactivateError) {
        while let l0Base = info.createdL1Tables.last {
            let outcome = execute(
                SMCArguments(FunctionID.gptL1Destroy.rawValue, l0Base.rawValue), transfersMemory: true)
            guard outcome.status == .success else { throw .l1TableDestroy(l0Base: l0Base, status: outcome.status) }
            info.createdL1Tables.removeLast()
        }
    }
}
