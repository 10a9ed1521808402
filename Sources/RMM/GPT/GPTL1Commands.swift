public import CCAArch

extension RealmManagementMonitor {
    /// The size of the PA region one L0 GPT entry describes.
    var l0RegionSize: UInt64 { 1 << UInt64(manifest.l0RegionBits) }

    /// Who manages the L1 GPT table of the L0 region at `base`.
    func l1Owner(of base: PhysicalAddress) -> GPTL1Owner {
        if manifest.platformL1Regions.contains(base) { return .platform }
        let top = base + l0RegionSize
        for bank in manifest.banks where bank.base < top && bank.top > base { return .hostNotCreated }
        return .reserved
    }

    /// The checks RMI_GPT_L1_CREATE and _DESTROY share: `addr_bound` and `addr_align`.
    private func validL0Address(_ address: UInt64) -> Bool {
        address < manifest.physicalAddressLimit && address & (l0RegionSize - 1) == 0
    }

    /// RMI_GPT_L1_CREATE (DEN0137 B4.5.15): X1 the base of an L0 region.
    ///
    /// Failure conditions: `addr_bound`, `addr_align` (RMI_ERROR_INPUT); `entry_state` (the L0 entry is already
    /// a Table: RMI_ERROR_GPT), which is the answer for every region whose table the platform created;
    /// `unfold_denied` (RMI_ERROR_GLOBAL) for a region that holds no memory, and for a region without a table,
    /// because host-created tables need a memory-donating stateful operation this model does not offer.
    func gptL1Create(address: UInt64) -> SMCReturn {
        guard lifecycleState == .active else { return .result(.errorGlobal) }
        guard validL0Address(address) else { return .result(.errorInput) }
        switch l1Owner(of: PhysicalAddress(address)) {
        case .platform, .hostCreated: return .result(.errorGPT)
        case .reserved, .hostNotCreated: return .result(.errorGlobal)
        }
    }

    /// RMI_GPT_L1_DESTROY (DEN0137 B4.5.16): X1 the base of an L0 region.
    ///
    /// Failure conditions: `addr_bound`, `addr_align` (RMI_ERROR_INPUT); `entry_state` (the L0 entry is a Block:
    /// RMI_ERROR_INPUT). A platform-created table cannot be folded by the host: RMI_ERROR_GLOBAL, as TF-RMM answers.
    func gptL1Destroy(address: UInt64) -> SMCReturn {
        guard lifecycleState == .active else { return .result(.errorGlobal) }
        guard validL0Address(address) else { return .result(.errorInput) }
        switch l1Owner(of: PhysicalAddress(address)) {
        case .platform, .hostCreated: return .result(.errorGlobal)
        case .reserved, .hostNotCreated: return .result(.errorInput)
        }
    }

    /// RMI_GPT_INFO (2.0-bet3): X1 base, X2 top, both L0-region aligned, base < top <= the PA size. Answers
    /// X1 = base + the L0 region size (where the next call starts) and X2 = the owner of base's L1 table.
    func gptInfo(base: UInt64, top: UInt64) -> SMCReturn {
        guard lifecycleState == .active else { return .result(.errorGlobal) }
        guard base & (l0RegionSize - 1) == 0, top & (l0RegionSize - 1) == 0, base < top,
            top <= manifest.physicalAddressLimit
        else { return .result(.errorInput) }
        let owner = l1Owner(of: PhysicalAddress(base))
        return .result(.success, base + l0RegionSize, UInt64(owner.rawValue))
    }
}
