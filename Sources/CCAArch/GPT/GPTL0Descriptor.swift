/// A level 0 GPT descriptor (Arm ARM, FEAT_RME, "GPT level 0 descriptor formats").
///
/// One 64-bit descriptor per L0 region. Bits 3:0 select the format: 0b0001 Block (one GPI for the whole region,
/// GPI in bits 7:4, every other bit RES0), 0b0011 Table (the L1 table's PA bits 51:12 in bits 51:12, other bits
/// RES0). Every other encoding is invalid and makes the check report a GPT walk fault at level 0.
@frozen
public enum GPTL0Descriptor: Hashable, Sendable {
    /// Block: the whole L0 region has `gpi`.
    case block(GPI)
    /// Table: the region is described granule by granule by the L1 table at `l1Address` (4 KB aligned).
    case table(l1Address: PhysicalAddress)

    /// Bits 3:0 of a Block descriptor.
    @inlinable public static var blockType: UInt64 { 0b0001 }
    /// Bits 3:0 of a Table descriptor.
    @inlinable public static var tableType: UInt64 { 0b0011 }

    /// Decodes a descriptor; `nil` for an invalid type, a reserved GPI in a Block, or a set RES0 bit.
    @inlinable
    public init?(rawValue: UInt64) {
        switch rawValue[bits: 0..<4] {
        case Self.blockType:
            guard rawValue & ~UInt64(0xFF) == 0, let gpi = GPI(rawValue: UInt8(rawValue[bits: 4..<8])),
                gpi.isValidDescriptorEncoding
            else { return nil }
            self = .block(gpi)
        case Self.tableType:
            guard rawValue & ~(UInt64.mask(bits: 12..<52) | 0xF) == 0 else { return nil }
            self = .table(l1Address: PhysicalAddress(rawValue & UInt64.mask(bits: 12..<52)))
        default:
            return nil
        }
    }

    /// The 64-bit encoding. A Table's address must be 4 KB aligned and below 2^52 (traps otherwise).
    @inlinable
    public var rawValue: UInt64 {
        switch self {
        case .block(let gpi):
            return UInt64(gpi.rawValue) << 4 | Self.blockType
        case .table(let address):
            precondition(
                address.rawValue & ~UInt64.mask(bits: 12..<52) == 0, "L1 table address not 4 KB aligned below 2^52")
            return address.rawValue | Self.tableType
        }
    }
}

extension GPI {
    /// Whether a GPT descriptor may carry this encoding: a base RME encoding or the NSO variant 0b1101 (whose
    /// use the check still refuses unless GPCCR_EL3.NSO is set).
    @inlinable
    public var isValidDescriptorEncoding: Bool { isValidBaseEncoding || self == .nonSecureOnly }
}
