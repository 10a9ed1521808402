/// A granule size: the unit of the GPT (physical granule, GPCCR_EL3.PGS) and of RMM tracking (RMI granule).
///
/// The architecture defines 4 KB, 16 KB and 64 KB. `rmiEncoding` is the spec's RmiGranuleSize (0 = 4KB,
/// 1 = 16KB, 2 = 64KB); `pgsEncoding` is GPCCR_EL3.PGS (0b00 = 4KB, 0b01 = 64KB, 0b10 = 16KB).
@frozen
public enum GranuleSize: UInt8, CaseIterable, Hashable, Sendable {
    /// 4 KB granules, the spec's RMI_GRANULE_SIZE_4KB (0).
    case size4KB = 0
    /// 16 KB granules, the spec's RMI_GRANULE_SIZE_16KB (1).
    case size16KB = 1
    /// 64 KB granules, the spec's RMI_GRANULE_SIZE_64KB (2).
    case size64KB = 2

    /// log2 of the size in bytes (12, 14 or 16).
    @inlinable
    public var shift: Int {
        switch self {
        case .size4KB: 12
        case .size16KB: 14
        case .size64KB: 16
        }
    }

    /// The size in bytes.
    @inlinable
    public var bytes: UInt64 { 1 << UInt64(shift) }

    /// The spec's RmiGranuleSize encoding.
    @inlinable
    public var rmiEncoding: UInt64 { UInt64(rawValue) }

    /// Decodes RmiGranuleSize; `nil` for the reserved encodings.
    @inlinable
    public init?(rmiEncoding: UInt64) {
        guard rmiEncoding <= 2, let size = GranuleSize(rawValue: UInt8(rmiEncoding)) else { return nil }
        self = size
    }

    /// GPCCR_EL3.PGS encoding.
    @inlinable
    public var pgsEncoding: UInt64 {
        switch self {
        case .size4KB: 0b00
        case .size64KB: 0b01
        case .size16KB: 0b10
        }
    }

    /// Decodes GPCCR_EL3.PGS; `nil` for the reserved 0b11.
    @inlinable
    public init?(pgsEncoding: UInt64) {
        switch pgsEncoding {
        case 0b00: self = .size4KB
        case 0b01: self = .size64KB
        case 0b10: self = .size16KB
        default: return nil
        }
    }

    /// The granule size of `bytes` bytes, if it is one.
    @inlinable
    public init?(bytes: UInt64) {
        switch bytes {
        case 1 << 12: self = .size4KB
        case 1 << 14: self = .size16KB
        case 1 << 16: self = .size64KB
        default: return nil
        }
    }
}
