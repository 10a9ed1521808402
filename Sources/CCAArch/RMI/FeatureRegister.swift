/// RMI feature register 0 (RmiFeatureRegister0, DEN0137 B4.6), read with RMI_FEATURES index 0.
@frozen
public struct FeatureRegister0: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    @inlinable
    public init() { self.rawValue = 0 }

    /// Bits 7:0, S2SZ: the largest Realm IPA width in bits.
    public var s2sz: UInt64 {
        get { rawValue[bits: 0..<8] }
        set { rawValue[bits: 0..<8] = newValue }
    }
    /// Bit 8, LPA2.
    public var lpa2: Bool {
        get { rawValue[bit: 8] }
        set { rawValue[bit: 8] = newValue }
    }
    /// Bit 9, SVE.
    public var sve: Bool {
        get { rawValue[bit: 9] }
        set { rawValue[bit: 9] = newValue }
    }
    /// Bits 13:10, SVE_VL: the largest vector length is (SVE_VL + 1) * 128 bits.
    public var sveVL: UInt64 {
        get { rawValue[bits: 10..<14] }
        set { rawValue[bits: 10..<14] = newValue }
    }
    /// Bits 19:14, NUM_BPS: breakpoints minus one (0 reserved).
    public var numBPs: UInt64 {
        get { rawValue[bits: 14..<20] }
        set { rawValue[bits: 14..<20] = newValue }
    }
    /// Bits 25:20, NUM_WPS: watchpoints minus one (0 reserved).
    public var numWPs: UInt64 {
        get { rawValue[bits: 20..<26] }
        set { rawValue[bits: 20..<26] = newValue }
    }
    /// Bit 26, PMU.
    public var pmu: Bool {
        get { rawValue[bit: 26] }
        set { rawValue[bit: 26] = newValue }
    }
    /// Bits 31:27, PMU_NUM_CTRS.
    public var pmuNumCounters: UInt64 {
        get { rawValue[bits: 27..<32] }
        set { rawValue[bits: 27..<32] = newValue }
    }
    /// Bit 32, L0GPT_BLOCK_DELEGATE (2.0-bet3; meaning undocumented in what the reference read: reported 0).
    public var l0gptBlockDelegate: Bool {
        get { rawValue[bit: 32] }
        set { rawValue[bit: 32] = newValue }
    }
    /// Bits 40:33, S2OASZ (2.0-bet3): the stage-2 output address size in bits.
    public var s2oasz: UInt64 {
        get { rawValue[bits: 33..<41] }
        set { rawValue[bits: 33..<41] = newValue }
    }

    /// Whether the reserved bits 63:41 are zero and NUM_BPS / NUM_WPS avoid their reserved 0.
    @inlinable
    public var isValid: Bool { rawValue >> 41 == 0 && numBPs != 0 && numWPs != 0 }
}

/// RMI feature register 1 (RmiFeatureRegister1, DEN0137 B4.6), read with RMI_FEATURES index 1.
@frozen
public struct FeatureRegister1: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    @inlinable
    public init() { self.rawValue = 0 }

    /// Bits 2:0, RMI_GRAN_SZ_4KB / _16KB / _64KB: whether each RMI granule size is supported.
    @inlinable
    public func supports(_ size: GranuleSize) -> Bool { rawValue[bit: Int(size.rawValue)] }

    @inlinable
    public mutating func setSupports(_ size: GranuleSize, _ supported: Bool) {
        rawValue[bit: Int(size.rawValue)] = supported
    }

    /// Bit 3, HASH_SHA_256.
    public var hashSHA256: Bool {
        get { rawValue[bit: 3] }
        set { rawValue[bit: 3] = newValue }
    }
    /// Bit 4, HASH_SHA_384.
    public var hashSHA384: Bool {
        get { rawValue[bit: 4] }
        set { rawValue[bit: 4] = newValue }
    }
    /// Bit 5, HASH_SHA_512.
    public var hashSHA512: Bool {
        get { rawValue[bit: 5] }
        set { rawValue[bit: 5] = newValue }
    }
    /// Bits 9:6, MAX_RECS_ORDER: a realm may have up to 2^v - 1 RECs.
    public var maxRecsOrder: UInt64 {
        get { rawValue[bits: 6..<10] }
        set { rawValue[bits: 6..<10] = newValue }
    }
    /// Bits 13:10, L0GPTSZ: a copy of GPCCR_EL3.L0GPTSZ (an L0 GPT entry covers 2^(30+v) bytes).
    public var l0gptsz: UInt64 {
        get { rawValue[bits: 10..<14] }
        set { rawValue[bits: 10..<14] = newValue }
    }
    /// Bits 16:14, PPS: a copy of GPCCR_EL3.PPS.
    public var pps: UInt64 {
        get { rawValue[bits: 14..<17] }
        set { rawValue[bits: 14..<17] = newValue }
    }

    /// Whether the reserved bits 63:17 are zero.
    @inlinable
    public var isValid: Bool { rawValue >> 17 == 0 }
}
