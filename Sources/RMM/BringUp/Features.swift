public import CCAArch

extension RealmManagementMonitor {
    /// RMI feature register 0 as derived from the platform.
    ///
    /// S2SZ 48 (a 48-bit IPA space without LPA2), 6 breakpoints and 4 watchpoints, no SVE, no PMU,
    /// S2OASZ = the platform's PA size; L0GPT_BLOCK_DELEGATE 0 (its meaning is not documented).
    public var featureRegister0: FeatureRegister0 {
        var reg = FeatureRegister0()
        reg.s2sz = 48
        reg.numBPs = 5
        reg.numWPs = 3
        reg.s2oasz = UInt64(manifest.physicalAddressBits)
        return reg
    }

    /// RMI feature register 1 as derived from the platform.
    ///
    /// The physical granule size is the one RMI granule size supported; SHA-256 and SHA-512; up to 15 RECs
    /// per realm (MAX_RECS_ORDER 4); L0GPTSZ and PPS copied from the GPT configuration.
    public var featureRegister1: FeatureRegister1 {
        var reg = FeatureRegister1()
        reg.setSupports(manifest.granuleSize, true)
        reg.hashSHA256 = true
        reg.hashSHA512 = true
        reg.maxRecsOrder = 4
        reg.l0gptsz = UInt64(manifest.l0RegionBits - 30)
        reg.pps = UInt64(Self.ppsEncoding(bits: manifest.physicalAddressBits))
        return reg
    }

    /// GPCCR_EL3.PPS for a protected physical address width.
    static func ppsEncoding(bits: Int) -> UInt8 {
        switch bits {
        case 32: 0b000
        case 36: 0b001
        case 40: 0b010
        case 42: 0b011
        case 44: 0b100
        case 48: 0b101
        case 52: 0b110
        default: preconditionFailure("unsupported physical address size")
        }
    }

    /// RMI_FEATURES (DEN0137 B4.5.14): X1 the register index; X1 its value. No failure conditions: registers 2
    /// to 4 (device assignment, planes, MEC) read 0 in this model, and so does any other index.
    func features(index: UInt64) -> SMCReturn {
        switch index {
        case 0: .result(.success, featureRegister0.rawValue)
        case 1: .result(.success, featureRegister1.rawValue)
        default: .result(.success, 0)
        }
    }
}
