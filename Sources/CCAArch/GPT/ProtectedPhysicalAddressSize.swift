/// The protected physical address size: how much of the physical address space the GPT describes.
///
/// GPCCR_EL3.PPS (Arm ARM, FEAT_RME). Accesses at or above 2^bits do not use the GPT. The raw value is the 3-bit
/// field encoding; the same encoding is reported to the Host in RMI_FEATURES register 1.
@frozen
public struct ProtectedPhysicalAddressSize: RawRepresentable, Hashable, Sendable {
    /// The GPCCR_EL3.PPS encoding (0b000 ... 0b110).
    public let rawValue: UInt64

    /// Decodes GPCCR_EL3.PPS; `nil` for the reserved encoding 0b111 and anything wider than 3 bits.
    @inlinable
    public init?(rawValue: UInt64) {
        guard rawValue <= 0b110 else { return nil }
        self.rawValue = rawValue
    }

    /// The encoding for a protected address width of `bits`; `nil` unless `bits` is 32, 36, 40, 42, 44, 48 or 52.
    @inlinable
    public init?(bits: Int) {
        switch bits {
        case 32: self.rawValue = 0b000
        case 36: self.rawValue = 0b001
        case 40: self.rawValue = 0b010
        case 42: self.rawValue = 0b011
        case 44: self.rawValue = 0b100
        case 48: self.rawValue = 0b101
        case 52: self.rawValue = 0b110
        default: return nil
        }
    }

    /// The protected address width in bits.
    @inlinable
    public var bits: Int {
        switch rawValue {
        case 0b000: 32
        case 0b001: 36
        case 0b010: 40
        case 0b011: 42
        case 0b100: 44
        case 0b101: 48
        default: 52
        }
    }

    /// 2^bits: the first physical address the GPT does not describe.
    @inlinable
    public var limit: UInt64 { 1 << UInt64(bits) }

    /// PPS 0b000, 32 bits (4 GB).
    @inlinable public static var bits32: ProtectedPhysicalAddressSize { ProtectedPhysicalAddressSize(rawValue: 0b000)! }
    /// PPS 0b001, 36 bits (64 GB).
    @inlinable public static var bits36: ProtectedPhysicalAddressSize { ProtectedPhysicalAddressSize(rawValue: 0b001)! }
    /// PPS 0b010, 40 bits (1 TB).
    @inlinable public static var bits40: ProtectedPhysicalAddressSize { ProtectedPhysicalAddressSize(rawValue: 0b010)! }
    /// PPS 0b011, 42 bits (4 TB).
    @inlinable public static var bits42: ProtectedPhysicalAddressSize { ProtectedPhysicalAddressSize(rawValue: 0b011)! }
    /// PPS 0b100, 44 bits (16 TB).
    @inlinable public static var bits44: ProtectedPhysicalAddressSize { ProtectedPhysicalAddressSize(rawValue: 0b100)! }
    /// PPS 0b101, 48 bits (256 TB).
    @inlinable public static var bits48: ProtectedPhysicalAddressSize { ProtectedPhysicalAddressSize(rawValue: 0b101)! }
    /// PPS 0b110, 52 bits (4 PB).
    @inlinable public static var bits52: ProtectedPhysicalAddressSize { ProtectedPhysicalAddressSize(rawValue: 0b110)! }

    /// Every defined encoding, smallest first.
    public static let allCases: [ProtectedPhysicalAddressSize] = [
        .bits32, .bits36, .bits40, .bits42, .bits44, .bits48, .bits52,
    ]
}
