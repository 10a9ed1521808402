import CCAArch

/// Offsets in RmiRealmParams (DEN0137 B4.6.62).
enum RealmParams {
    static let flags0: UInt64 = 0x000
    static let s2sz: UInt64 = 0x008
    static let sveVL: UInt64 = 0x010
    static let numBPs: UInt64 = 0x018
    static let numWPs: UInt64 = 0x020
    static let pmuNumCounters: UInt64 = 0x028
    static let hashAlgorithm: UInt64 = 0x030
    static let numAuxPlanes: UInt64 = 0x038
    static let atsPlane: UInt64 = 0x440
    static let rttBase: UInt64 = 0x808
    static let rttLevelStart: UInt64 = 0x810
    static let rttNumStart: UInt64 = 0x818
    static let flags1: UInt64 = 0x820
}

extension RealmManagementMonitor {
    /// RMI_REALM_CREATE (DEN0137 B4.5.46): X1 rd, X2 params_ptr.
    ///
    /// Failure conditions: `params_align`, `params_pas`, `params_valid` (reserved values, SBZ bits),
    /// `params_supp` (a feature the RMM lacks: LPA2, SVE, PMU, DA, planes, ATS; S2SZ above 48; breakpoints or
    /// watchpoints 0 or above the count; SHA-384), `alias`, `rd_align`, `rd_bound`, `rd_state`, `rtt_align`,
    /// `rtt_num_level`, `rtt_state`, `ats_plane`: RMI_ERROR_INPUT. `vmid` and `mec_policy` (private MEC
    /// asked for; none exists): RMI_ERROR_GLOBAL. `pat_valid` never fails in this model.
    /// Success: RD and the starting-level RTTs take their states; the realm is NEW with every entry VOID.
    func realmCreate(rd: UInt64, params: UInt64) throws(RMIStatusError) -> SMCReturn {
        guard isGranuleAligned(params) else { return .result(.errorInput) }
        func param(_ offset: UInt64) -> UInt64? { port.read64(PhysicalAddress(params) + offset, space: .nonSecure) }
        guard let flags0 = param(RealmParams.flags0), let s2sz = param(RealmParams.s2sz),
            let sveVL = param(RealmParams.sveVL), let numBPs = param(RealmParams.numBPs),
            let numWPs = param(RealmParams.numWPs), let pmuCounters = param(RealmParams.pmuNumCounters),
            let hash = param(RealmParams.hashAlgorithm), let auxPlanes = param(RealmParams.numAuxPlanes),
            let atsPlane = param(RealmParams.atsPlane), let rttBaseRaw = param(RealmParams.rttBase),
            let levelRaw = param(RealmParams.rttLevelStart), let numStartRaw = param(RealmParams.rttNumStart),
            let flags1 = param(RealmParams.flags1)
        else { return .result(.errorInput) }
        // params_valid: SBZ bits and reserved encodings.
        guard flags0 >> 9 == 0, flags0[bit: 4] == false, flags0[bits: 5..<7] <= 1, flags0[bits: 7..<9] <= 1,
            s2sz >> 8 == 0, sveVL >> 8 == 0, numBPs >> 8 == 0, numWPs >> 8 == 0, pmuCounters >> 8 == 0, hash <= 2,
            numStartRaw >> 32 == 0, flags1 >> 3 == 0
        else { return .result(.errorInput) }
        // params_supp: what feature register 0 does not offer.
        guard flags0 & 0b1111 == 0, s2sz <= 48, sveVL == 0, numBPs != 0, numBPs <= featureRegister0.numBPs,
            numWPs != 0, numWPs <= featureRegister0.numWPs, pmuCounters == 0, hash != 2, auxPlanes == 0, flags1 == 0
        else { return .result(.errorInput) }
        guard atsPlane <= auxPlanes else { return .result(.errorInput) }
        guard flags0[bits: 7..<9] == 0 else { return .result(.errorGlobal) }
        let levelStart = Int(Int64(bitPattern: levelRaw))
        let rttBase = PhysicalAddress(rttBaseRaw)
        let rttBytes = numStartRaw << UInt64(granuleSize.shift)
        guard rd < rttBaseRaw || rd >= rttBaseRaw + rttBytes else { return .result(.errorInput) }
        guard isGranuleAligned(rd), numStartRaw != 0, rttBase.isAligned(to: rttBytes) else {
            return .result(.errorInput)
        }
        guard isValidRTTGeometry(ipaWidth: Int(s2sz), levelStart: levelStart, numStart: numStartRaw) else {
            return .result(.errorInput)
        }

        // Lock the RD and the starting tables in ascending PA order, each checked as soon as it is locked; a
        // failure releases what was locked (the tokens' ends) and answers the status.
        let rdPA = PhysicalAddress(rd)
        if rd < rttBaseRaw {
            let rdGranule = try lockExpecting(rdPA, .delegated)
            let tables = try lockRun(rttBase, count: Int(numStartRaw), expecting: .delegated)
            return try createRealm(
                rd: rdGranule, tables: tables, s2sz: s2sz, levelStart: levelRaw, numStart: numStartRaw, hash: hash)
        }
        let tables = try lockRun(rttBase, count: Int(numStartRaw), expecting: .delegated)
        let rdGranule = try lockExpecting(rdPA, .delegated)
        return try createRealm(
            rd: rdGranule, tables: tables, s2sz: s2sz, levelStart: levelRaw, numStart: numStartRaw, hash: hash)
    }

    /// The last step of REALM_CREATE, with the RD and the starting tables locked and checked.
    private func createRealm(
        rd: consuming LockedGranule, tables: consuming LockedGranuleRun, s2sz: UInt64, levelStart: UInt64,
        numStart: UInt64, hash: UInt64
    ) throws(RMIStatusError) -> SMCReturn {
        guard let vmid = vmids.allocate() else { throw RMIStatusError(.errorGlobal) }
        let rdPA = rd.address
        clearObject(rdPA)
        writeObject(rdPA, RDField.state, RealmState.new.rawValue)
        writeObject(rdPA, RDField.ipaWidth, s2sz)
        writeObject(rdPA, RDField.rttBase, tables.base.rawValue)
        writeObject(rdPA, RDField.rttLevelStart, levelStart)
        writeObject(rdPA, RDField.rttNumStart, numStart)
        writeObject(rdPA, RDField.hashAlgorithm, hash)
        writeObject(rdPA, RDField.vmid, vmid)
        for i in 0..<numStart { clearObject(tables.base + i << UInt64(granuleSize.shift)) }
        tables.unlock(as: .rtt)
        rd.unlock(as: .rd)
        return .result(.success)
    }

    /// RMI_REALM_ACTIVATE (DEN0137 B4.5.45): X1 rd. Failure conditions: `rd_align`, `rd_bound`, `rd_state`
    /// (RMI_ERROR_INPUT), then `realm_state` (not NEW: RMI_ERROR_REALM).
    func realmActivate(rd: UInt64) throws(RMIStatusError) -> SMCReturn {
        let granule = try lockRealm(rd)
        let realm = readRealm(granule.address)
        guard !realm.recCreating else { return .result(.blocked) }
        guard realm.state == .new else { return .result(.errorRealm) }
        writeObject(granule.address, RDField.state, RealmState.active.rawValue)
        return .result(.success)
    }

    /// RMI_REALM_TERMINATE (DEN0137 B4.5.48): X1 rd. Failure conditions: `rd_align`, `rd_tracking`, `rd_state`
    /// (RMI_ERROR_INPUT); `rec_running` cannot arise (no REC runs in this model). An already ZOMBIE realm
    /// succeeds again, as no condition covers it.
    func realmTerminate(rd: UInt64) throws(RMIStatusError) -> SMCReturn {
        let granule = try lockRealm(rd)
        writeObject(granule.address, RDField.state, RealmState.zombie.rawValue)
        return .result(.success)
    }

    /// RMI_REALM_DESTROY (DEN0137 B4.5.47): X1 rd. Failure conditions: `rd_align`, `rd_tracking`, `rd_state`
    /// (RMI_ERROR_INPUT), then `realm_state` (not ZOMBIE) and `realm_live` (RECs remain, or a starting-level RTT
    /// has live entries), both RMI_ERROR_REALM. Success: the RD and the starting RTTs are DELEGATED again.
    ///
    /// The RD's lock keeps both counts from growing: RECs and RTT entries are added only under it.
    func realmDestroy(rd: UInt64) throws(RMIStatusError) -> SMCReturn {
        let granule = try lockRealm(rd)
        let realm = readRealm(granule.address)
        guard realm.state == .zombie, !realm.recCreating else {
            return .result(realm.recCreating ? .blocked : .errorRealm)
        }
        var live = granule.refcount != 0
        for i in 0..<realm.rttNumStart where !live {
            live = (granuleWord(realm.rttBase + i << UInt64(granuleSize.shift))?.refcount ?? 0) != 0
        }
        guard !live else { return .result(.errorRealm) }
        for i in 0..<realm.rttNumStart {
            lockHeld(realm.rttBase + i << UInt64(granuleSize.shift), "starting RTT of a realm is not tracked")
                .unlock(as: .delegated)
        }
        vmids.free(readObject(granule.address, RDField.vmid))
        granule.unlock(as: .delegated)
        return .result(.success)
    }
}
