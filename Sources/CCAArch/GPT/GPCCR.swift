/// The Granule Protection Check Control Register, GPCCR_EL3 (Arm ARM, FEAT_RME).
///
/// A struct over the register's 64 bits with one computed property per field this model uses. Fields whose
/// encodings may be reserved (PPS, PGS, L0GPTSZ) read as optionals; `isValid` says whether all three are defined.
/// GPC2 fields (RLPAD, NSPAD, SPAD, APPSAA, SA/NSP/NA6/NA7, GPCBW) are carried in `rawValue` but not interpreted.
@frozen
public struct GPCCR: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// A register value with the given geometry, checks enabled (GPC = 1), NSO clear and walk attributes zero.
    @inlinable
    public init(
        pps: ProtectedPhysicalAddressSize, pgs: GranuleSize, l0gptsz: L0GPTSize, gpc: Bool = true, nso: Bool = false
    ) {
        self.rawValue = 0
        self.pps = pps
        self.pgs = pgs
        self.l0gptsz = l0gptsz
        self.gpc = gpc
        self.nso = nso
    }

    /// PPS, bits 2:0: the protected physical address size; `nil` for the reserved encoding.
    @inlinable
    public var pps: ProtectedPhysicalAddressSize? {
        get { ProtectedPhysicalAddressSize(rawValue: rawValue[bits: 0..<3]) }
        set { rawValue[bits: 0..<3] = newValue?.rawValue ?? 0b111 }
    }

    /// IRGN, bits 9:8: inner cacheability of GPT walks.
    @inlinable
    public var irgn: UInt64 {
        get { rawValue[bits: 8..<10] }
        set { rawValue[bits: 8..<10] = newValue }
    }

    /// ORGN, bits 11:10: outer cacheability of GPT walks.
    @inlinable
    public var orgn: UInt64 {
        get { rawValue[bits: 10..<12] }
        set { rawValue[bits: 10..<12] = newValue }
    }

    /// SH, bits 13:12: shareability of GPT walks.
    @inlinable
    public var sh: UInt64 {
        get { rawValue[bits: 12..<14] }
        set { rawValue[bits: 12..<14] = newValue }
    }

    /// PGS, bits 15:14: the physical granule size; `nil` for the reserved encoding 0b11.
    @inlinable
    public var pgs: GranuleSize? {
        get { GranuleSize(pgsEncoding: rawValue[bits: 14..<16]) }
        set { rawValue[bits: 14..<16] = newValue?.pgsEncoding ?? 0b11 }
    }

    /// GPC, bit 16: granule protection checks enabled.
    @inlinable
    public var gpc: Bool {
        get { rawValue[bit: 16] }
        set { rawValue[bit: 16] = newValue }
    }

    /// GPCP, bit 17: granule protection check priority.
    @inlinable
    public var gpcp: Bool {
        get { rawValue[bit: 17] }
        set { rawValue[bit: 17] = newValue }
    }

    /// NSO, bit 19: enables the Non-secure-only GPI encoding 0b1101.
    @inlinable
    public var nso: Bool {
        get { rawValue[bit: 19] }
        set { rawValue[bit: 19] = newValue }
    }

    /// L0GPTSZ, bits 23:20: the size one L0 GPT entry covers; `nil` for a reserved encoding.
    @inlinable
    public var l0gptsz: L0GPTSize? {
        get { L0GPTSize(rawValue: rawValue[bits: 20..<24]) }
        set { rawValue[bits: 20..<24] = newValue?.rawValue ?? 0b1111 }
    }

    /// Whether PPS, PGS and L0GPTSZ all hold defined encodings.
    @inlinable
    public var isValid: Bool { pps != nil && pgs != nil && l0gptsz != nil }
}
