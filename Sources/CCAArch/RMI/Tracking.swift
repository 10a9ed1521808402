/// The tracking state of a tracking region (DEN0137 A2.3.4), in its RMI encoding (3 bits).
@frozen
public enum TrackingState: UInt8, CaseIterable, Hashable, Sendable {
    /// TRACKING_RESERVED (0): reserved for platform use, or a hole with no memory.
    case reserved = 0
    /// TRACKING_NONE (1): not tracked; nothing in it can be delegated.
    case none = 1
    /// TRACKING_FINE (2): tracked per RMI granule.
    case fine = 2
    /// TRACKING_COARSE (3): tracked as one unit of the whole region.
    case coarse = 3
    /// TRACKING_INTERMEDIATE (4): mid-transition (2.0-bet3 only).
    case intermediate = 4

    public var name: StaticString {
        switch self {
        case .reserved: "TRACKING_RESERVED"
        case .none: "TRACKING_NONE"
        case .fine: "TRACKING_FINE"
        case .coarse: "TRACKING_COARSE"
        case .intermediate: "TRACKING_INTERMEDIATE"
        }
    }
}

/// The memory category of a tracking region (DEN0137 A2.3.4), in its RMI encoding (2 bits).
@frozen
public enum TrackingCategory: UInt8, CaseIterable, Hashable, Sendable {
    /// CONVENTIONAL (0): DRAM, or coherent device memory used as conventional memory.
    case conventional = 0
    /// DEV_NCOH (1): non-coherent device memory.
    case deviceNonCoherent = 1
    /// DEV_COH (2): coherent device memory.
    case deviceCoherent = 2
    /// NONE (3): no memory (2.0-bet3).
    case none = 3

    public var name: StaticString {
        switch self {
        case .conventional: "CONVENTIONAL"
        case .deviceNonCoherent: "DEV_NCOH"
        case .deviceCoherent: "DEV_COH"
        case .none: "NONE"
        }
    }
}

/// The owner of an L0 region's L1 GPT table, as RMI_GPT_INFO (2.0-bet3) reports it in X2.
@frozen
public enum GPTL1Owner: UInt8, CaseIterable, Hashable, Sendable {
    /// 0: reserved; no L1 table can exist here.
    case reserved = 0
    /// 1: created and managed by the platform firmware.
    case platform = 1
    /// 2: the host may create one with RMI_GPT_L1_CREATE; none exists.
    case hostNotCreated = 2
    /// 3: created by the host.
    case hostCreated = 3
}
