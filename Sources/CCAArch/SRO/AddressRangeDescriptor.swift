/// Why a 64-bit word is not a valid RmiAddrRangeDesc.
@frozen
public enum AddressRangeDescriptorError: Error, Hashable, Sendable {
    /// Reserved bits 61:52, or address bits below the granule shift, are set.
    case reservedBitsSet
    /// The state field holds the reserved value 3.
    case reservedState
    /// The block size does not exist for this granule size (an L0 block with 64 KB granules).
    case unsupportedBlockSize
    /// The base is not aligned to the block size.
    case misaligned
    /// The described range passes the top of the 52-bit address space.
    case overflow
}

/// One entry of an RMI Address List (RmiAddrRangeDesc, DEN0137 B4.6): `count` blocks of `blockSize` from `base`,
/// and the state the memory is in.
///
/// Layout depends on the RMI granule size: size 1:0; count 11:2 (4 KB), 13:2 (16 KB) or 15:2 (64 KB); address
/// bits 51:granule-shift kept in place; reserved 61:52; state 63:62 (2.0-bet3 layout, which the model follows).
/// A count of 0 is an empty entry.
@frozen
public struct AddressRangeDescriptor: Hashable, Sendable {
    public var base: PhysicalAddress
    public var blockSize: AddressBlockSize
    public var count: UInt64
    public var state: OpMemState

    @inlinable
    public init(base: PhysicalAddress, blockSize: AddressBlockSize, count: UInt64, state: OpMemState) {
        self.base = base
        self.blockSize = blockSize
        self.count = count
        self.state = state
    }

    /// Bits of the count field for `granule`: 10, 12 or 14.
    @inlinable
    public static func countWidth(granule: GranuleSize) -> Int { granule.shift - 2 }

    /// Decodes one list entry for the RMI granule size `granule`.
    @inlinable
    public init(encoding: UInt64, granule: GranuleSize) throws(AddressRangeDescriptorError) {
        let countWidth = Self.countWidth(granule: granule)
        guard encoding[bits: 52..<62] == 0 else { throw .reservedBitsSet }
        let addressMask = UInt64.mask(bits: granule.shift..<52)
        // Bits between the count field and the address field (granule shift) do not exist for these layouts:
        // the count field ends exactly at the granule shift.
        guard let state = OpMemState(rawValue: UInt8(encoding[bits: 62..<64])) else { throw .reservedState }
        let blockSize = AddressBlockSize(rawValue: UInt8(encoding[bits: 0..<2]))!
        guard let blockShift = blockSize.shift(granule: granule) else { throw .unsupportedBlockSize }
        let base = PhysicalAddress(encoding & addressMask)
        guard base.isAligned(to: 1 << UInt64(blockShift)) else { throw .misaligned }
        let count = encoding[bits: 2..<(2 + countWidth)]
        guard count == 0 || (count << UInt64(blockShift)) >> UInt64(blockShift) == count,
            base.rawValue + (count << UInt64(blockShift)) <= 1 << 52
        else { throw .overflow }
        self.init(base: base, blockSize: blockSize, count: count, state: state)
    }

    /// Encodes the entry for `granule`; `nil` if a field does not fit that layout.
    @inlinable
    public func encoding(granule: GranuleSize) -> UInt64? {
        let countWidth = Self.countWidth(granule: granule)
        guard UInt64.fits(count, width: countWidth),
            base.rawValue & ~UInt64.mask(bits: granule.shift..<52) == 0,
            blockSize.shift(granule: granule) != nil
        else { return nil }
        var raw = base.rawValue
        raw[bits: 0..<2] = UInt64(blockSize.rawValue)
        raw[bits: 2..<(2 + countWidth)] = count
        raw[bits: 62..<64] = UInt64(state.rawValue)
        return raw
    }

    /// Bytes described, for `granule`.
    @inlinable
    public func byteCount(granule: GranuleSize) -> UInt64 {
        count << UInt64(blockSize.shift(granule: granule) ?? 0)
    }

    /// An RMI Address List holds at most this many entries: it may not cross a 4 KB page.
    @inlinable public static var maxListEntries: Int { 512 }
}
