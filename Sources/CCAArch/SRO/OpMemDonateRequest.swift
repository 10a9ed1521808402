/// A donation request (RmiOpMemDonateReq, DEN0137 B4.6), in X2 of an RMI_INCOMPLETE result whose memory request
/// is DONATE: how many blocks of which size, contiguous or not, in which state.
///
/// Bits 1:0 size, 15:2 count, 16 contig, 18:17 state (2.0-bet3 layout), 63:19 zero.
@frozen
public struct OpMemDonateRequest: Hashable, Sendable {
    public var blockSize: AddressBlockSize
    /// Number of blocks required (14 bits).
    public var count: UInt16
    /// Whether the blocks must form one region whose base is aligned to the total size.
    public var contiguous: Bool
    public var state: OpMemState

    /// Largest encodable count.
    @inlinable public static var maxCount: UInt16 { (1 << 14) - 1 }

    @inlinable
    public init(blockSize: AddressBlockSize, count: UInt16, contiguous: Bool, state: OpMemState) {
        precondition(count <= Self.maxCount, "donation count is 14 bits")
        self.blockSize = blockSize
        self.count = count
        self.contiguous = contiguous
        self.state = state
    }

    /// Decodes X2; `nil` for reserved bits set or the reserved state 3.
    @inlinable
    public init?(encoding: UInt64) {
        guard encoding >> 19 == 0, let state = OpMemState(rawValue: UInt8(encoding[bits: 17..<19])) else { return nil }
        self.blockSize = AddressBlockSize(rawValue: UInt8(encoding[bits: 0..<2]))!
        self.count = UInt16(encoding[bits: 2..<16])
        self.contiguous = encoding[bit: 16]
        self.state = state
    }

    @inlinable
    public var encoding: UInt64 {
        var raw: UInt64 = 0
        raw[bits: 0..<2] = UInt64(blockSize.rawValue)
        raw[bits: 2..<16] = UInt64(count)
        raw[bit: 16] = contiguous
        raw[bits: 17..<19] = UInt64(state.rawValue)
        return raw
    }
}

/// Flags of RMI_OP_CONTINUE (RmiContinueFlags): bit 0 `beyond`, bits 63:1 SBZ.
@frozen
public struct OpContinueFlags: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// KEEP_GOING (0): keep processing the target set.
    @inlinable public static var keepGoing: OpContinueFlags { OpContinueFlags(rawValue: 0) }
    /// STOP (1): return once every object of the target set has left the intermediate state.
    @inlinable public static var stop: OpContinueFlags { OpContinueFlags(rawValue: 1) }

    /// Whether bits 63:1 are zero.
    @inlinable
    public var isValid: Bool { rawValue >> 1 == 0 }
}
