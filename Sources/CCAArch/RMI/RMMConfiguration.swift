/// The RMM lifecycle state (DEN0137 A2.1.2).
@frozen
public enum RMMLifecycleState: UInt8, CaseIterable, Hashable, Sendable {
    /// RMM_STATE_INIT: booted, configurable, not yet active.
    case initial = 0
    /// RMM_STATE_ACTIVE: delegation and realm commands allowed.
    case active = 1
    /// RMM_STATE_INTERMEDIATE: activation in progress (reported to the host as INIT by RMI_RMM_STATE_GET).
    case intermediate = 2

    /// The value RMI_RMM_STATE_GET reports in X1 (the reference's model choice: 0 INIT, 1 ACTIVE).
    @inlinable
    public var architecturalEncoding: UInt64 { self == .active ? 1 : 0 }

    public var name: StaticString {
        switch self {
        case .initial: "RMM_STATE_INIT"
        case .active: "RMM_STATE_ACTIVE"
        case .intermediate: "RMM_STATE_INTERMEDIATE"
        }
    }
}

/// The RmiRmmConfig structure (DEN0137 B4.6.78): a 4 KB Non-secure page read by RMI_RMM_CONFIG_SET and
/// written by RMI_RMM_CONFIG_GET.
@frozen
public struct RMMConfiguration: Hashable, Sendable {
    /// Offset 0x0: tracking_region_size, encoded as TrackingRegionSizeFromRmi (B3.219) reads it.
    public var trackingRegionSizeEncoding: UInt64
    /// Offset 0x8: rmi_granule_size (RmiGranuleSize).
    public var granuleSize: GranuleSize

    /// Offset of tracking_region_size.
    @inlinable public static var trackingRegionSizeOffset: UInt64 { 0x0 }
    /// Offset of rmi_granule_size.
    @inlinable public static var granuleSizeOffset: UInt64 { 0x8 }
    /// Size of the structure.
    @inlinable public static var size: UInt64 { 0x1000 }

    @inlinable
    public init(granuleSize: GranuleSize, trackingRegionSizeEncoding: UInt64 = 0) {
        self.granuleSize = granuleSize
        self.trackingRegionSizeEncoding = trackingRegionSizeEncoding
    }

    /// The tracking region size in bytes this configuration selects, or `nil` if the encoding is invalid for the
    /// granule size (TrackingRegionSizeFromRmi): 4KB: 0 = 1 GB; 16KB: 0 = 32 MB, 1 = 64 GB; 64KB: 0 = 512 MB,
    /// 1 = 4 TB.
    @inlinable
    public var trackingRegionSize: UInt64? {
        Self.trackingRegionSize(encoding: trackingRegionSizeEncoding, granuleSize: granuleSize)
    }

    /// TrackingRegionSizeFromRmi (B3.219), the one place the encoding is decoded.
    @inlinable
    public static func trackingRegionSize(encoding: UInt64, granuleSize: GranuleSize) -> UInt64? {
        switch (granuleSize, encoding) {
        case (.size4KB, 0): 1 << 30
        case (.size16KB, 0): 1 << 25
        case (.size16KB, 1): 1 << 36
        case (.size64KB, 0): 1 << 29
        case (.size64KB, 1): 1 << 42
        default: nil
        }
    }
}
