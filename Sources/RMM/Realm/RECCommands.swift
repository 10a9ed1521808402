import CCAArch

/// Offsets in RmiRecParams (DEN0137 B4.6).
enum RECParams {
    static let flags: UInt64 = 0x000
    static let mpidr: UInt64 = 0x100
    static let pc: UInt64 = 0x200
}

extension RealmManagementMonitor {
    /// Auxiliary granules every REC needs (RecAuxCount), asked for by donation as TF-RMM does.
    static var recAuxCount: Int { 16 }

    /// The donation REC_CREATE and REALM_CREATE ask for: L3 pages, anywhere, already DELEGATED.
    static func auxiliaryRequest(remaining: Int) -> OpMemDonateRequest {
        OpMemDonateRequest(blockSize: .level3, count: UInt16(remaining), contiguous: false, state: .delegated)
    }

    /// RecIndex(mpidr): aff0 + 16 * aff1 + 4096 * aff2 + 1048576 * aff3; `nil` if SBZ bits are set.
    static func recIndex(mpidr: UInt64) -> UInt64? {
        guard mpidr & ~UInt64(0xFF_FF_FF_0F) == 0 else { return nil }
        return mpidr[bits: 0..<4] + 16 * mpidr[bits: 8..<16] + 4096 * mpidr[bits: 16..<24]
            + 1_048_576 * mpidr[bits: 24..<32]
    }

    /// RMI_REC_CREATE (DEN0137 B4.5.49): X1 rd, X2 rec, X3 params_ptr.
    ///
    /// Failure conditions: `params_align`, `params_pas`, `rec_align`, `rec_bound`, `rec_state`, `rd_align`,
    /// `rd_bound`, `rd_state`, `mpidr_index` (RECs are created in index order): RMI_ERROR_INPUT; `realm_state`
    /// (not NEW), `num_recs` (2^MAX_RECS_ORDER - 1 RECs already): RMI_ERROR_REALM. A realm with another REC
    /// creation in flight answers RMI_BLOCKED; no free operation context, RMI_BUSY or RMI_BLOCKED.
    /// Success starts a memory-transferring stateful operation: RMI_INCOMPLETE asking for RecAuxCount DELEGATED
    /// pages (cancellable), then RMI_OP_CONTINUE builds the REC: it becomes REC, owned by the realm, whose RD
    /// reference count (its number of RECs) grows by one.
    func recCreate(rd: UInt64, rec: UInt64, params: UInt64) throws(RMIStatusError) -> SMCReturn {
        guard isGranuleAligned(params), isGranuleAligned(rec) else { return .result(.errorInput) }
        let paramsPA = PhysicalAddress(params)
        guard let flags = port.read64(paramsPA + RECParams.flags, space: .nonSecure),
            let mpidr = port.read64(paramsPA + RECParams.mpidr, space: .nonSecure),
            let pc = port.read64(paramsPA + RECParams.pc, space: .nonSecure)
        else { return .result(.errorInput) }
        let locked = try lockRealm(rd, and: rec)
        let rdGranule = locked.rd
        let recGranule = locked.object
        let realm = readRealm(rdGranule.address)
        guard !realm.recCreating else { return .result(.blocked) }
        guard realm.state == .new, rdGranule.refcount < (1 << featureRegister1.maxRecsOrder) - 1 else {
            return .result(.errorRealm)
        }
        guard Self.recIndex(mpidr: mpidr) == realm.recIndex else { return .result(.errorInput) }
        let context = try operations.reserve()
        clearObject(recGranule.address)
        writeObject(recGranule.address, RECField.owner, rd)
        writeObject(recGranule.address, RECField.mpidr, mpidr)
        writeObject(recGranule.address, RECField.pc, pc)
        writeObject(recGranule.address, RECField.flags, flags & 1)
        writeObject(rdGranule.address, RDField.recCreating, 1)
        let recPA = recGranule.address
        recGranule.unlock(as: .partial)
        context.operation = .recCreate(
            RECOperation(rec: recPA, rd: rdGranule.address, auxCount: 0, reclaimed: 0, cancelled: false))
        let request = Self.auxiliaryRequest(remaining: Self.recAuxCount)
        context.step = .donate(request)
        context.canCancel = true
        return SMCReturn(RMIResult.incomplete(.donate, canCancel: true).rawValue, context.seal(), request.encoding)
    }

    /// RMI_REC_DESTROY (DEN0137 B4.5.50): X1 rec.
    ///
    /// Failure conditions: `rec_align`, `rec_tracking`, `rec_gran_state` (RMI_ERROR_INPUT); `rec_state` (the
    /// REC is in use: RMI_ERROR_REC). Success starts a memory-transferring stateful operation: RMI_INCOMPLETE
    /// asking the host to reclaim the auxiliary granules (returned DELEGATED), then RMI_OP_CONTINUE leaves the REC
    /// granule DELEGATED. The realm loses the REC at once: its RD reference count drops by one.
    func recDestroy(rec: UInt64) throws(RMIStatusError) -> SMCReturn {
        guard isGranuleAligned(rec) else { return .result(.errorInput) }
        let recGranule = try lockExpecting(PhysicalAddress(rec), .rec)
        guard recGranule.refcount == 0 else { return .result(.errorREC) }
        let context = try operations.reserve()
        let recPA = recGranule.address
        let rd = PhysicalAddress(readObject(recPA, RECField.owner))
        let auxCount = Int(readObject(recPA, RECField.auxCount))
        // The REC holds a reference to its realm, so the RD stays an RD while this runs; the count drops
        // atomically (TF-RMM's atomic_granule_put), without the RD's lock.
        adjustRefcount(rd, by: -1)
        recGranule.unlock(as: .partial)
        context.operation = .recDestroy(
            RECOperation(rec: recPA, rd: rd, auxCount: auxCount, reclaimed: 0, cancelled: false))
        context.step = auxCount > 0 ? .reclaim : .proceed
        context.canCancel = false
        let request: OpMemRequest = auxCount > 0 ? .reclaim : .none
        return SMCReturn(RMIResult.incomplete(request, canCancel: false).rawValue, context.seal())
    }

    /// The last step of REC_CREATE (or of its cancellation) and of REC_DESTROY, from RMI_OP_CONTINUE.
    func finishREC(_ operation: RECOperation, creating: Bool) -> SMCReturn {
        // The RD before the REC, as every command that holds an RD and waits for an object does.
        guard creating else {
            lockHeld(operation.rec, "REC granule not tracked").unlock(as: .delegated)
            return .result(.success)
        }
        let rdGranule = lockHeld(operation.rd, "RD granule not tracked")
        let recGranule = lockHeld(operation.rec, "REC granule not tracked")
        writeObject(operation.rd, RDField.recCreating, 0)
        if operation.cancelled {
            recGranule.unlock(as: .delegated)
            return .result(.errorInput)
        }
        writeObject(operation.rd, RDField.recIndex, readObject(operation.rd, RDField.recIndex) + 1)
        writeObject(operation.rec, RECField.auxCount, UInt64(operation.auxCount))
        // The new REC's reference to its realm: an atomic add, never a write of the RD's whole word.
        adjustRefcount(operation.rd, by: 1)
        recGranule.unlock(as: .rec)
        rdGranule.unlock()
        return .result(.success)
    }
}
