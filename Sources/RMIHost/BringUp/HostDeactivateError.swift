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
    /// Destroying the L1 GPT table this host created at bring-up for the L0 region at `l0Base` failed: the status
    /// RMI_GPT_L1_DESTROY (or its reclaim) ended with, `nil` when the operation stalled or could not be completed.
    /// The tables destroyed before it stay destroyed; this one and the rest are still the host's.
    case l1TableDestroy(l0Base: PhysicalAddress, status: RMIStatus?)
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

extension HostDeactivateError {
    /// A short machine-readable kind, named after the case, for the serve protocol's `host.deactivate` answer:
    /// `not_initialized`, `still_delegated`, `leaked`, `l1_table_destroy`, `tracking_metadata`, `stalled` or
    /// `rmm_error`.
    public var kind: String {
        switch self {
        case .notInitialized: "not_initialized"
        case .stillDelegated: "still_delegated"
        case .leaked: "leaked"
        case .l1TableDestroy: "l1_table_destroy"
        case .trackingMetadata: "tracking_metadata"
        case .stalled: "stalled"
        case .rmmError: "rmm_error"
        }
    }

    /// The RMI status behind the failure, where the RMM returned one.
    public var status: RMIStatus? {
        switch self {
        case .trackingMetadata(_, let status), .l1TableDestroy(_, let status): status
        case .stalled(let status), .rmmError(let status): status
        case .notInitialized, .stillDelegated, .leaked: nil
        }
    }

    /// One line saying what the host's records or the RMM showed, for logs and the serve protocol.
    public var description: String {
        func ranges(_ list: [GranuleRange]) -> String {
            list.map { "[\(hex($0.base.rawValue)), \(hex($0.top.rawValue)))" }.joined(separator: ", ")
        }
        switch self {
        case .notInitialized:
            return "the host has not brought the RMM up (send host.init first), or has already deactivated it"
        case .stillDelegated(let list):
            return "the host still has memory delegated: \(ranges(list)); undelegate it first"
        case .leaked(let list):
            return "the leak ledger holds \(ranges(list)), which may still be the Realm world's"
        case .l1TableDestroy(let l0Base, let status?):
            return "RMI_GPT_L1_DESTROY(\(hex(l0Base.rawValue))) of a table the host created answered \(status.name)"
        case .l1TableDestroy(let l0Base, nil):
            return "RMI_GPT_L1_DESTROY(\(hex(l0Base.rawValue))) of a table the host created stalled or could not be "
                + "completed"
        case .trackingMetadata(let region, nil):
            return "the tracking metadata of the region at \(hex(region.rawValue)) could not be handed back: part "
                + "of the region is not free in the host's allocator"
        case .trackingMetadata(let region, let status?):
            return "handing back the tracking metadata of the region at \(hex(region.rawValue)) answered \(status.name)"
        case .stalled(let status):
            return "RMI_RMM_DEACTIVATE still answered \(status.name) when the retry budget ran out"
        case .rmmError(let status):
            return "RMI_RMM_DEACTIVATE answered \(status.name)"
        }
    }
}
