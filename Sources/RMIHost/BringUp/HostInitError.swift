public import CCAArch

/// Why the host bring-up sequence (rmi-abi.md section 9) stopped. Each case names the step and what was found.
@frozen
public enum HostInitError: Error, Hashable, Sendable {
    /// RMI_VERSION answered X0 = -1 (SMCCC NOT_SUPPORTED): no RMM behind the conduit.
    case noRMM
    /// RMI_VERSION did not accept 2.0: its status and the lower / higher revisions it reported (raw X1, X2).
    case incompatibleVersion(status: RMIStatus, lower: UInt64, higher: UInt64)
    /// FEATURES register 1 does not advertise the host's granule size (RMI_GRAN_SZ_* bits).
    case granuleSizeUnsupported(GranuleSize, FeatureRegister1)
    /// A bring-up command answered an error status.
    case rmmError(command: FunctionID, status: RMIStatus)
    /// A bring-up command's BUSY / BLOCKED budget ran out.
    case stalled(command: FunctionID, status: RMIStatus)
    /// A bring-up command's stateful operation could not be completed.
    case statefulOperation(command: FunctionID, SROFailure)
    /// No Non-secure page could be allocated for the RmiRmmConfig structure.
    case outOfMemory
    /// Writing the RmiRmmConfig page faulted.
    case memoryFault(HostMemoryError)
    /// RMI_GRANULE_TRACKING_GET answered SUCCESS with an out_top (X3) outside `(base, top]` or misaligned.
    case trackingNoProgress(region: GranuleRange, answer: BadProgressAnswer)
    /// Part of a DRAM region is not tracked FINE with category CONVENTIONAL, so granules there cannot become RMM
    /// objects (granule-delegation.md section 8 item 11; Linux refuses to enable RMI). `[base, top)` is the part
    /// RMI_GRANULE_TRACKING_GET described; `category` (X1) and `state` (X2) are the raw encodings found.
    case regionNotFineConventional(
        region: GranuleRange, base: PhysicalAddress, top: PhysicalAddress, category: UInt64, state: UInt64)
    /// Making the tracking region at `region` FINE with donated metadata failed (host-supplied metadata): the status
    /// of the step that refused, or `nil` when nothing was FINE and no COARSE region lay wholly in free DRAM to
    /// bootstrap from.
    case trackingMetadata(region: PhysicalAddress, status: RMIStatus?)
    /// RMI_GPT_L1_CREATE for the L0 region at `l0Base` failed with `status` (ERROR_GPT, "already a table", and
    /// ERROR_GLOBAL, "platform-managed", are not failures).
    case gptL1CreateFailed(l0Base: PhysicalAddress, status: RMIStatus)
    /// Another thread is running the bring-up sequence on this host.
    case alreadyInProgress
    /// RMI_RMM_CONFIG_SET answered ERROR_GLOBAL and RMI_RMM_STATE_GET reports the RMM ACTIVE, but
    /// RMI_RMM_CONFIG_GET shows another configuration than `wanted`, this host's (raw RmiGranuleSize and
    /// tracking_region_size encodings found), so the host cannot adopt it.
    case activeWithOtherConfiguration(
        wanted: RMMConfiguration, granuleSizeEncoding: UInt64, trackingRegionSizeEncoding: UInt64)
    /// RMI_RMM_CONFIG_SET answered ERROR_GLOBAL although RMI_RMM_STATE_GET reports `state` (X1), not ACTIVE: an
    /// activation another agent started may be in progress (the spec reports INTERMEDIATE as INIT).
    case configurationRefused(state: UInt64)

    /// A short machine-readable kind for the serve protocol's `host.init` answer: `no_rmm`,
    /// `incompatible_version`, `granule_size_unsupported`, `rmm_error`, `stalled`, `cancelled`, `host_failure`,
    /// `out_of_memory`, `memory_fault`, `no_progress`, `tracking`, `in_progress`, or `already_active`.
    public var kind: String {
        switch self {
        case .noRMM: "no_rmm"
        case .incompatibleVersion: "incompatible_version"
        case .granuleSizeUnsupported: "granule_size_unsupported"
        case .rmmError, .gptL1CreateFailed: "rmm_error"
        case .stalled, .statefulOperation(_, .continuationLimit): "stalled"
        case .statefulOperation(_, .cancelled): "cancelled"
        case .statefulOperation(_, .hostFailure): "host_failure"
        case .outOfMemory: "out_of_memory"
        case .memoryFault: "memory_fault"
        case .trackingNoProgress: "no_progress"
        case .regionNotFineConventional, .trackingMetadata: "tracking"
        case .alreadyInProgress: "in_progress"
        case .activeWithOtherConfiguration, .configurationRefused: "already_active"
        }
    }

    /// The RMI status behind the failure, where the RMM returned one.
    public var status: RMIStatus? {
        switch self {
        case .incompatibleVersion(let status, _, _), .rmmError(_, let status), .stalled(_, let status),
            .gptL1CreateFailed(_, let status):
            status
        case .statefulOperation(_, .cancelled(_, let answer)): RMIResult(rawValue: answer.x0).status
        case .statefulOperation: .incomplete
        case .trackingNoProgress, .regionNotFineConventional: .success
        case .trackingMetadata(_, let status): status
        case .activeWithOtherConfiguration, .configurationRefused: .errorGlobal
        case .noRMM, .granuleSizeUnsupported, .outOfMemory, .memoryFault, .alreadyInProgress: nil
        }
    }

    /// One line naming the step and what was found, for logs and the serve protocol's diagnostics.
    public var description: String {
        switch self {
        case .noRMM:
            return "RMI_VERSION answered SMCCC NOT_SUPPORTED: no RMM"
        case .incompatibleVersion(let status, let lower, let higher):
            return "RMI_VERSION(2.0) answered \(status.name) with lower \(hex(lower)), higher \(hex(higher))"
        case .granuleSizeUnsupported(let size, let features):
            return "RMI_FEATURES register 1 \(hex(features.rawValue)) does not support \(size.bytes >> 10) KB granules"
        case .rmmError(let command, let status):
            return "\(commandName(command)) answered \(status.name)"
        case .stalled(let command, let status):
            return "\(commandName(command)) still answered \(status.name) when the retry budget ran out"
        case .statefulOperation(let command, let failure):
            return "\(commandName(command)) could not be completed: \(failure)"
        case .outOfMemory:
            return "no Non-secure page for the RMM configuration"
        case .memoryFault(let error):
            return "writing the RMM configuration faulted at \(hex(error.address.rawValue))"
        case .trackingNoProgress(let region, let answer):
            return "RMI_GRANULE_TRACKING_GET in DRAM [\(hex(region.base.rawValue)), \(hex(region.top.rawValue))): "
                + answer.description
        case .regionNotFineConventional(let region, let base, let top, let category, let state):
            let categoryName = category <= 3 ? "\(TrackingCategory(rawValue: UInt8(category))!.name)" : hex(category)
            let stateName = state <= 4 ? "\(TrackingState(rawValue: UInt8(state))!.name)" : hex(state)
            return "DRAM [\(hex(region.base.rawValue)), \(hex(region.top.rawValue))) is \(categoryName) "
                + "\(stateName) in [\(hex(base.rawValue)), \(hex(top.rawValue))), not CONVENTIONAL TRACKING_FINE"
        case .trackingMetadata(let region, nil):
            return "no tracking region is FINE and none lies wholly in free DRAM to bootstrap from (first region "
                + "to make FINE: \(hex(region.rawValue)))"
        case .trackingMetadata(let region, let status?):
            // The step that failed may be the bootstrap's delegation of the region, or TRACKING_SET and its donation.
            return "making tracking region \(hex(region.rawValue)) FINE with donated metadata failed: \(status.name)"
        case .gptL1CreateFailed(let l0Base, let status):
            return "RMI_GPT_L1_CREATE(\(hex(l0Base.rawValue))) answered \(status.name)"
        case .alreadyInProgress:
            return "bring-up is already running on another thread"
        case .activeWithOtherConfiguration(let wanted, let granule, let tracking):
            let granuleName = GranuleSize(rmiEncoding: granule).map { "\($0.bytes >> 10) KB" } ?? hex(granule)
            return "RMI_RMM_CONFIG_SET answered RMI_ERROR_GLOBAL because the RMM is already ACTIVE, and "
                + "RMI_RMM_CONFIG_GET shows rmi_granule_size \(granuleName), tracking_region_size \(hex(tracking)) "
                + "where this host needs \(wanted.granuleSize.bytes >> 10) KB and "
                + "\(hex(wanted.trackingRegionSizeEncoding)), so it cannot adopt that RMM"
        case .configurationRefused(let state):
            let stateName = state == 0 ? "RMM_STATE_INIT" : hex(state)
            return "RMI_RMM_CONFIG_SET answered RMI_ERROR_GLOBAL while RMI_RMM_STATE_GET reports \(stateName), not "
                + "ACTIVE: another agent's activation may be in progress"
        }
    }

    /// The decoded category, if the encoding is defined.
    public var trackingCategory: TrackingCategory? {
        guard case .regionNotFineConventional(_, _, _, let category, _) = self, category <= 0xFF else { return nil }
        return TrackingCategory(rawValue: UInt8(category))
    }

    /// The decoded tracking state, if the encoding is defined.
    public var trackingState: TrackingState? {
        guard case .regionNotFineConventional(_, _, _, _, let state) = self, state <= 0xFF else { return nil }
        return TrackingState(rawValue: UInt8(state))
    }
}

/// What a successful bring-up learned, kept for the host's lifetime.
@frozen
public struct HostRMIInfo: Hashable, Sendable {
    /// The revision RMI_VERSION accepted (X1: the requested one).
    public let version: RMIInterfaceVersion
    /// The highest revision the RMM implements (X2).
    public let highestVersion: RMIInterfaceVersion?
    public let featureRegister0: FeatureRegister0
    public let featureRegister1: FeatureRegister1
    /// Bytes one L0 GPT entry covers: 2^(30 + FEATURES1.L0GPTSZ).
    public let l0RegionSize: UInt64
    /// L0 regions whose L1 table this host created (the others already had one) and has not destroyed.
    public internal(set) var createdL1Tables: [PhysicalAddress]
}

/// The spec's name of an RMI command, or its FID in hexadecimal.
func commandName(_ id: FunctionID) -> String {
    id.rmiCommand.map { "\($0.name)" } ?? hex(id.rawValue)
}
