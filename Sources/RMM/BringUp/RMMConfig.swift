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

    /// RMI_RMM_CONFIG_GET (DEN0137 B4.5.53): writes the configuration into the Non-secure page at X1.
    ///
    /// Allowed in every state (the reference follows TF-RMM here). Failure conditions: `cfg_align`, `cfg_pas`,
    /// both RMI_ERROR_INPUT.
    func configGet(pointer: UInt64) -> SMCReturn {
        guard pointer != 0, isGranuleAligned(pointer) else { return .result(.errorInput) }
        let page = PhysicalAddress(pointer)
        guard
            port.write64(
                UInt64(trackingRegionEncoding), at: page + RMMConfiguration.trackingRegionSizeOffset,
                space: .nonSecure),
            port.write64(granuleSize.rmiEncoding, at: page + RMMConfiguration.granuleSizeOffset, space: .nonSecure)
        else { return .result(.errorInput) }
        return .result(.success)
    }

    /// RMI_RMM_ACTIVATE (DEN0137 B4.5.52): INIT to ACTIVE, synchronously.
    ///
    /// Failure condition `state`: not INIT, RMI_ERROR_GLOBAL. Activation builds the granule table: every tracking
    /// region that holds memory is tracked FINE, with metadata from the platform (as when EL3 preallocates it).
    func activate() -> SMCReturn {
        guard claimActivation() else { return .result(.errorGlobal) }
        let table = unsafe GranuleTable(manifest: manifest, regionSize: trackingRegionSize, observer: observer) {
            unsafe port.allocateMetadata(byteCount: $0)
        }
        publishActivation(table)
        return .result(.success)
    }
}
