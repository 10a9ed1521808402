public import CCAArch

/// Why `HostRMI.deactivate()` left the RMM ACTIVE. Each case says what the host's own records, or the RMM, showed.
@frozen
public enum HostDeactivateError: Error, Hashable, Sendable {
    /// This host has not brought the RMM up (or already deactivated it, or is bringing it up now).
    case notInitialized
    /// The host's record shows these ranges delegated and not undelegated: the RMM would refuse (ERROR_GLOBAL).
    case stillDelegated([GranuleRange])
    /// The leak ledger holds these granules: they may still be Realm PAS, so the RMM would refuse.
    case leaked([GranuleRange])
    /// The host created the L1 GPT tables of these L0 regions at bring-up: their memory is GPT_L1 in the RMM
    /// until RMI_GPT_L1_DESTROY gives it back, which this library does not issue.
    case l1TablesCreated([PhysicalAddress])
    /// Handing back the tracking metadata this host donated failed for the region at `region` (host-supplied
    /// metadata): the status of the step that refused, or `nil` when part of a self-describing region was not free
    /// in the allocator (the host still uses it), so it could not be delegated whole again.
    case trackingMetadata(region: PhysicalAddress, status: RMIStatus?)
    /// RMI_RMM_DEACTIVATE's BUSY / BLOCKED budget ran out.
    case stalled(RMIStatus)
    /// RMI_RMM_DEACTIVATE answered this status (ERROR_GLOBAL: memory the host's records do not show is still the
    /// Realm world's, for example delegated by another agent).
    case rmmError(RMIStatus)
}

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
