import CCAArch

extension RealmManagementMonitor {
    /// RMI_RMM_CONFIG_SET (DEN0137 B4.5.54): X1 the PA of an RmiRmmConfig page in Non-secure memory.
    ///
    /// Failure conditions: `rmm_state` (not INIT: RMI_ERROR_GLOBAL, the command table's gate), `cfg_align` (not granule aligned),
    /// `cfg_pas` (not readable through the Non-secure PAS, or 0 as TF-RMM also rejects), `cfg_supp` (granule size
    /// not advertised, or a tracking region size encoding invalid for it), all RMI_ERROR_INPUT. `tracked` cannot
    /// arise here: tracking starts at activation, and CONFIG_SET after activation fails `rmm_state` first.
    func configSet(pointer: UInt64) -> SMCReturn {
        guard pointer != 0, isGranuleAligned(pointer) else { return .result(.errorInput) }
        let page = PhysicalAddress(pointer)
        guard
            let trackingEncoding = port.read64(page + RMMConfiguration.trackingRegionSizeOffset, space: .nonSecure),
            let granuleEncoding = port.read64(page + RMMConfiguration.granuleSizeOffset, space: .nonSecure)
        else { return .result(.errorInput) }
        guard let granule = GranuleSize(rmiEncoding: granuleEncoding), featureRegister1.supports(granule),
            RMMConfiguration.trackingRegionSize(encoding: trackingEncoding, granuleSize: granule) != nil
        else { return .result(.errorInput) }
        setTrackingRegionEncoding(UInt8(trackingEncoding))
        return .result(.success)
    }

    /// RMI_RMM_CONFIG_GET (DEN0137 B4.5.53): writes the configuration into the Non-secure page at X1: the whole
    /// 4 KB RmiRmmConfig, its two fields and zeros in every reserved byte (bet3.md section 2).
    ///
    /// Allowed in every state (the reference follows TF-RMM here). Failure conditions: `cfg_align`, `cfg_pas`,
    /// both RMI_ERROR_INPUT. The page is one granule, so its Non-secure check passes for all of it or none.
    func configGet(pointer: UInt64) -> SMCReturn {
        guard pointer != 0, isGranuleAligned(pointer) else { return .result(.errorInput) }
        let page = PhysicalAddress(pointer)
        guard
            port.zero(page, byteCount: RMMConfiguration.size, space: .nonSecure),
            port.write64(
                UInt64(trackingRegionEncoding), at: page + RMMConfiguration.trackingRegionSizeOffset,
                space: .nonSecure),
            port.write64(granuleSize.rmiEncoding, at: page + RMMConfiguration.granuleSizeOffset, space: .nonSecure)
        else { return .result(.errorInput) }
        return .result(.success)
    }

    /// RMI_RMM_ACTIVATE (DEN0137 B4.5.52): INIT to ACTIVE, synchronously.
    ///
    /// Failure condition `state`: not INIT, RMI_ERROR_GLOBAL. Activation builds the granule table. With
    /// preallocated metadata (the default) every tracking region that holds memory is tracked FINE, with metadata
    /// from the platform (as when EL3 preallocates it). With host-supplied metadata (bet3.md section 3) each region
    /// that lies wholly inside one bank is COARSE (one UNDELEGATED unit) and every other region with memory NONE.
    func activate() -> SMCReturn {
        guard claimActivation() else { return .result(.errorGlobal) }
        let table = unsafe GranuleTable(manifest: manifest, regionSize: trackingRegionSize, observer: observer) {
            unsafe port.allocateMetadata(byteCount: $0).base
        }
        publishActivation(table)
        return .result(.success)
    }
}

extension RealmManagementMonitor {
    /// RMI_RMM_DEACTIVATE (2.0-bet3, bet3.md section 1): ACTIVE back to INIT, so the host may reconfigure the RMM
    /// or give all memory back after a failed bring-up. No inputs; X1...X3 are 0 on every answer.
    ///
    /// Conditions, in this order: not ACTIVE (INIT, or INTERMEDIATE while an activation is in flight)
    /// RMI_ERROR_GLOBAL, the command table's gate, or here when another deactivation won; another CPU inside an RMI
    /// command (another DEACTIVATE included), or any operation context RESERVED or SEALED, RMI_BUSY (a pending
    /// handle stays valid); any granule of a FINE region in a state other than UNDELEGATED (DELEGATED, an object,
    /// PARTIAL, INTERNAL, GPT_L1), or a COARSE unit that is not UNDELEGATED, RMI_ERROR_GLOBAL. Regions tracked NONE
    /// never block it. Every refusal leaves the RMM ACTIVE and unchanged. On success the tracking layout is
    /// discarded and its metadata handed back to the platform: CONFIG_SET is accepted again and ACTIVATE builds a
    /// new layout from the configuration then in force.
    ///
    /// Why the table may be freed (docs/concurrency.md, "Deactivation"): the claim ACTIVE -> DEACTIVATING and the
    /// load of the other CPUs' in-flight counts are sequentially consistent, as are a command's increment of its
    /// own count and its load of the lifecycle in `handle`. So either this load sees the command's count (BUSY,
    /// nothing freed) or the command's load sees DEACTIVATING and waits for the decision, then reads INIT and
    /// never touches the table. A sealed context (which may hold a tracking region) blocks the deactivation too.
    func deactivate(cpu: Int) -> SMCReturn {
        if let found = claimDeactivation() {
            // Another CPU claimed it first (it is inside DEACTIVATE now), or finished it.
            return .result(found == Self.deactivating ? .busy : .errorGlobal)
        }
        guard inFlight.onlyCaller(cpu), operations.allFree, let table = tableDuringDeactivation else {
            endDeactivation(to: .active)
            return .result(.busy)
        }
        // Nobody else can change a granule word now: no other CPU is inside a command, new ones wait, and no
        // operation holds a run.
        guard table.regions.allSatisfy({ $0.isWhollyUndelegated }) else {
            endDeactivation(to: .active)
            return .result(.errorGlobal)
        }
        if let metadata = unsafe table.metadata {
            unsafe port.releaseMetadata(MetadataMemory(base: metadata, byteCount: table.metadataByteCount))
        }
        endDeactivation(to: .initial)
        return .result(.success)
    }
}
