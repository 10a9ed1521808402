/// The size of the aligned block a contiguous L1 GPT descriptor describes (bits 9:8 of the descriptor).
@frozen
public enum GPTContiguousSize: UInt64, CaseIterable, Hashable, Comparable, Sendable {
    /// 0b01: 2 MB.
    case size2MB = 0b01
    /// 0b10: 32 MB.
    case size32MB = 0b10
    /// 0b11: 512 MB.
    case size512MB = 0b11

    /// log2 of the block size in bytes: 21, 25 or 29.
    @inlinable
    public var shift: Int { 17 + 4 * Int(rawValue) }

    /// The block size in bytes.
    @inlinable
    public var bytes: UInt64 { 1 << UInt64(shift) }

    @inlinable
    public static func < (lhs: GPTContiguousSize, rhs: GPTContiguousSize) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A level 1 GPT descriptor: one 64-bit word of an L1 table (Arm ARM, FEAT_RME, "GPT level 1 descriptor formats").
///
/// A Granules descriptor holds sixteen 4-bit GPIs, granule i of the word in bits 4i+3:4i. A Contiguous descriptor
/// has 0b0001 in bits 3:0 (not a legal GPI, so it cannot be a Granules descriptor), the GPI in bits 7:4 and the
/// contiguous size in bits 9:8; it is written into every word of an aligned 2 MB, 32 MB or 512 MB block and says
/// every granule of the block has that GPI. Decoding rejects reserved GPIs, the reserved size 0b00 and set RES0
/// bits; the check reports those as a GPT walk fault at level 1.
@frozen
public enum GPTL1Descriptor: Hashable, Sendable {
    /// Granules descriptor: sixteen GPIs, one per granule.
    case granules(GPTL1Granules)
    /// Contiguous descriptor: every granule of the aligned block of `size` has `gpi`.
    case contiguous(GPI, size: GPTContiguousSize)

    /// Bits 3:0 of a Contiguous descriptor.
    @inlinable public static var contiguousType: UInt64 { 0b0001 }

    /// Decodes an L1 word; `nil` where any field holds a reserved value.
    @inlinable
    public init?(rawValue: UInt64) {
        if rawValue[bits: 0..<4] == Self.contiguousType {
            guard rawValue & ~UInt64(0x3FF) == 0, let size = GPTContiguousSize(rawValue: rawValue[bits: 8..<10]),
                let gpi = GPI(rawValue: UInt8(rawValue[bits: 4..<8])), gpi.isValidDescriptorEncoding
            else { return nil }
            self = .contiguous(gpi, size: size)
        } else {
            guard let granules = GPTL1Granules(rawValue: rawValue) else { return nil }
            self = .granules(granules)
        }
    }

    /// The 64-bit encoding.
    @inlinable
    public var rawValue: UInt64 {
        switch self {
        case .granules(let granules): granules.rawValue
        case .contiguous(let gpi, let size): size.rawValue << 8 | UInt64(gpi.rawValue) << 4 | Self.contiguousType
        }
    }

    /// The GPI of granule `index` (0..<16) of the word.
    @inlinable
    public func gpi(ofGranule index: Int) -> GPI {
        switch self {
        case .granules(let granules): granules[index]
        case .contiguous(let gpi, _): gpi
        }
    }
}

/// A Granules L1 GPT descriptor: sixteen 4-bit GPIs, granule i in bits 4i+3:4i.
@frozen
public struct GPTL1Granules: Hashable, Sendable {
    /// The 64-bit word.
    @inlinable
    public var rawValue: UInt64 { _rawValue }
    /// Storage; written only through the GPI subscript so every nibble stays a valid descriptor GPI.
    @usableFromInline var _rawValue: UInt64

    /// Decodes a Granules word; `nil` if any nibble is not a valid descriptor GPI (that includes 0b0001 in
    /// nibble 0, which marks a Contiguous descriptor).
    @inlinable
    public init?(rawValue: UInt64) {
        for index in 0..<16 {
            guard let gpi = GPI(rawValue: UInt8(rawValue[bits: 4 * index..<4 * index + 4])),
                gpi.isValidDescriptorEncoding
            else { return nil }
        }
        self._rawValue = rawValue
    }

    /// The word with all sixteen granules set to `gpi`.
    @inlinable
    public init(repeating gpi: GPI) {
        precondition(gpi.isValidDescriptorEncoding, "reserved GPI in an L1 descriptor")
        self._rawValue = UInt64(gpi.rawValue) &* 0x1111_1111_1111_1111
    }

    /// The GPI of granule `index` (0..<16).
    @inlinable
    public subscript(index: Int) -> GPI {
        get {
            precondition(index >= 0 && index < 16, "granule index out of an L1 word")
            return GPI(rawValue: UInt8(rawValue[bits: 4 * index..<4 * index + 4]))!
        }
        set {
            precondition(index >= 0 && index < 16, "granule index out of an L1 word")
            precondition(newValue.isValidDescriptorEncoding, "reserved GPI in an L1 descriptor")
            _rawValue[bits: 4 * index..<4 * index + 4] = UInt64(newValue.rawValue)
        }
    }
}
