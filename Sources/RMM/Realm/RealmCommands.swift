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
    /// Auxiliary granules every RD needs, asked for by donation at REALM_CREATE. TF-RMM asks for its
    /// MAX_RD_AUX_GRANULES, whose value the sources read do not show; 2 is the model's choice
    /// (docs/spec-reading.md), enough for a donation and a reclaim to take more than one call.
    static var rdAuxCount: Int { 2 }

    /// RMI_REALM_CREATE (DEN0137 B4.5.46): X1 rd, X2 params_ptr.
    ///
    /// Failure conditions: `params_align`, `params_pas`, `params_valid` (reserved values, SBZ bits),
    /// `params_supp` (a feature the RMM lacks: LPA2, SVE, PMU, DA, planes, ATS; S2SZ above 48; breakpoints or
    /// watchpoints 0 or above the count; SHA-384), `alias`, `rd_align`, `rd_bound`, `rd_state`, `rtt_align`,
    /// `rtt_num_level`, `rtt_state`, `ats_plane`: RMI_ERROR_INPUT. `vmid` and `mec_policy` (private MEC
    /// asked for; none exists): RMI_ERROR_GLOBAL. `pat_valid` never fails in this model.
    ///
    /// Success starts a memory-transferring stateful operation, as TF-RMM's newest REALM_CREATE does: the RD is
    /// PARTIAL and the answer RMI_INCOMPLETE asks for `rdAuxCount` DELEGATED L3 pages (cancellable while it waits
    /// for them); the starting tables stay DELEGATED. RMI_OP_CONTINUE then builds the realm: the starting tables,
    /// locked again and still DELEGATED, become RTTs with every entry VOID, a VMID is allocated, the RD becomes RD
    /// and the realm NEW. If that last step fails (a starting table changed meanwhile: `rtt_state`,
    /// RMI_ERROR_INPUT; no free VMID: `vmid`, RMI_ERROR_GLOBAL), the auxiliary granules are handed back by
    /// RMI_OP_MEM_RECLAIM first and RMI_OP_CONTINUE ends the operation with that status, the RD DELEGATED again.
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
            return try startRealmCreate(
                rd: rdGranule, tables: tables, s2sz: s2sz, levelStart: levelRaw, numStart: numStartRaw, hash: hash)
        }
        let tables = try lockRun(rttBase, count: Int(numStartRaw), expecting: .delegated)
        let rdGranule = try lockExpecting(rdPA, .delegated)
        return try startRealmCreate(
            rd: rdGranule, tables: tables, s2sz: s2sz, levelStart: levelRaw, numStart: numStartRaw, hash: hash)
    }

    /// The first step of REALM_CREATE, with the RD and the starting tables locked and checked: the RD keeps the
    /// validated parameters and becomes PARTIAL, the tables are let go unchanged (they stay DELEGATED until the
    /// last step, as in TF-RMM), and the operation asks for the RD's auxiliary granules. No free operation
    /// context: RMI_BUSY or RMI_BLOCKED, nothing changed.
    private func startRealmCreate(
        rd: consuming LockedGranule, tables: consuming LockedGranuleRun, s2sz: UInt64, levelStart: UInt64,
        numStart: UInt64, hash: UInt64
    ) throws(RMIStatusError) -> SMCReturn {
        let context = try operations.reserve()
        let rdPA = rd.address
        clearObject(rdPA)
        writeObject(rdPA, RDField.ipaWidth, s2sz)
        writeObject(rdPA, RDField.rttBase, tables.base.rawValue)
        writeObject(rdPA, RDField.rttLevelStart, levelStart)
        writeObject(rdPA, RDField.rttNumStart, numStart)
        writeObject(rdPA, RDField.hashAlgorithm, hash)
        tables.unlock(as: .delegated)
        rd.unlock(as: .partial)
        context.operation = .realmCreate(
            RealmOperation(rd: rdPA, auxCount: 0, reclaimed: 0, cancelled: false, failure: nil))
        let request = Self.auxiliaryRequest(remaining: Self.rdAuxCount)
        context.step = .donate(request)
        context.canCancel = true
        return SMCReturn(RMIResult.incomplete(.donate, canCancel: true).rawValue, context.seal(), request.encoding)
    }

    /// The last step of REALM_CREATE, from RMI_OP_CONTINUE once every auxiliary granule has arrived, or once all
    /// were handed back after a cancellation or a failure.
    ///
    /// Returns the final answer, or `nil` with `operation.failure` set when building the realm failed and the
    /// auxiliary granules must be handed back before the operation ends with that status. Locks the RD and the
    /// starting tables in ascending PA order, as the first step did; the RD is the operation's (PARTIAL).
    func finishRealmCreate(_ operation: inout RealmOperation) -> SMCReturn? {
        let rdPA = operation.rd
        if operation.cancelled || operation.failure != nil {
            lockHeld(rdPA, "RD granule not tracked").unlock(as: .delegated)
            return .result(operation.failure ?? .errorInput)
        }
        let rttBase = PhysicalAddress(readObject(rdPA, RDField.rttBase))
        let numStart = Int(readObject(rdPA, RDField.rttNumStart))
        do throws(RMIStatusError) {
            if rdPA < rttBase {
                let rd = lockHeld(rdPA, "RD granule not tracked")
                let tables = try lockRun(rttBase, count: numStart, expecting: .delegated)
                return try buildRealm(rd: rd, tables: tables, auxCount: operation.auxCount)
            }
            let tables = try lockRun(rttBase, count: numStart, expecting: .delegated)
            let rd = lockHeld(rdPA, "RD granule not tracked")
            return try buildRealm(rd: rd, tables: tables, auxCount: operation.auxCount)
        } catch {
            // A starting table no longer DELEGATED (or held by another operation) is `rtt_state`.
            operation.failure = error.result.status == .errorGlobal ? .errorGlobal : .errorInput
            return nil
        }
    }

    /// Builds the realm in its RD with the RD and the starting tables locked: RMI_SUCCESS, or the error (no free
    /// VMID) with every lock released unchanged.
    private func buildRealm(
        rd: consuming LockedGranule, tables: consuming LockedGranuleRun, auxCount: Int
    ) throws(RMIStatusError) -> SMCReturn {
        guard let vmid = vmids.allocate() else { throw RMIStatusError(.errorGlobal) }
        let rdPA = rd.address
        writeObject(rdPA, RDField.state, RealmState.new.rawValue)
        writeObject(rdPA, RDField.vmid, vmid)
        writeObject(rdPA, RDField.auxCount, UInt64(auxCount))
        for i in 0..<tables.count { clearObject(tables.base + UInt64(i) << UInt64(granuleSize.shift)) }
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
    /// has live entries), both RMI_ERROR_REALM; no free operation context, RMI_BUSY or RMI_BLOCKED.
    ///
    /// Success starts a memory-transferring stateful operation, as TF-RMM's newest REALM_DESTROY does: the
    /// starting RTTs are DELEGATED again and the VMID freed at once, the RD is PARTIAL, and the answer
    /// RMI_INCOMPLETE (not cancellable) asks the host to reclaim the RD's auxiliary granules, handed back
    /// DELEGATED; RMI_OP_CONTINUE then leaves the RD DELEGATED and answers RMI_SUCCESS.
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
        let context = try operations.reserve()
        for i in 0..<realm.rttNumStart {
            lockHeld(realm.rttBase + i << UInt64(granuleSize.shift), "starting RTT of a realm is not tracked")
                .unlock(as: .delegated)
        }
        vmids.free(readObject(granule.address, RDField.vmid))
        let rdPA = granule.address
        let auxCount = Int(readObject(rdPA, RDField.auxCount))
        granule.unlock(as: .partial)
        context.operation = .realmDestroy(
            RealmOperation(rd: rdPA, auxCount: auxCount, reclaimed: 0, cancelled: false, failure: nil))
        context.step = auxCount > 0 ? .reclaim : .proceed
        context.canCancel = false
        let request: OpMemRequest = auxCount > 0 ? .reclaim : .none
        return SMCReturn(RMIResult.incomplete(request, canCancel: false).rawValue, context.seal())
    }

    /// The last step of REALM_DESTROY, from RMI_OP_CONTINUE once every auxiliary granule is back with the host.
    func finishRealmDestroy(_ operation: RealmOperation) -> SMCReturn {
        lockHeld(operation.rd, "RD granule not tracked").unlock(as: .delegated)
        return .result(.success)
    }
}
