import CCAArch

extension RealmManagementMonitor {
    /// Whether `ipa` is a Protected IPA of the realm: below half its IPA space.
    func isProtected(_ realm: RealmDescriptor, _ ipa: UInt64) -> Bool { ipa < 1 << UInt64(realm.ipaWidth - 1) }

    /// Whether the host memory [address, address + byteCount) is all Non-secure, so the RMM may write it: one look
    /// per granule it touches.
    func isNonSecure(_ address: UInt64, byteCount: UInt64) -> Bool {
        guard byteCount > 0, address <= UInt64.max - (byteCount - 1) else { return false }
        let last = address + (byteCount - 1)
        var granule = address & ~(granuleSize.bytes - 1)
        while granule <= last {
            guard port.read64(PhysicalAddress(Swift.max(granule, address & ~7)), space: .nonSecure) != nil else {
                return false
            }
            guard granule <= UInt64.max - granuleSize.bytes else { break }
            granule += granuleSize.bytes
        }
        return true
    }

    /// RMI_RTT_DATA_MAP_INIT (DEN0137 B4.5.66): X1 rd, X2 data, X3 ipa, X4 src, X5 flags.
    ///
    /// Failure conditions: `src_align`, `src_pas`, `data_align`, `data_bound`, `data_state`, `rd_align`,
    /// `rd_bound`, `rd_state`, `ipa_align`, `ipa_bound` (not a Protected IPA): RMI_ERROR_INPUT; `realm_state`
    /// (not NEW): RMI_ERROR_REALM; `rtt_walk` (no level-3 table) and `rtte_state` (entry not VOID):
    /// RMI_ERROR_RTT with the walk's level. Success: the source page's bytes are copied into the granule, which
    /// becomes DATA, mapped at ipa with RIPAS RAM; the leaf table's reference count grows by one.
    func rttDataMapInit(rd: UInt64, data: UInt64, ipa: UInt64, source: UInt64) throws(RMIStatusError) -> SMCReturn {
        guard isGranuleAligned(source), isGranuleAligned(data), isGranuleAligned(ipa) else {
            return .result(.errorInput)
        }
        guard port.read64(PhysicalAddress(source), space: .nonSecure) != nil else { return .result(.errorInput) }
        let locked = try lockRealm(rd, and: data)
        let rdGranule = locked.rd
        let target = locked.object
        let realm = readRealm(rdGranule.address)
        guard isProtected(realm, ipa) else { return .result(.errorInput) }
        guard realm.state == .new else { return .result(.errorRealm) }
        let leaf = walk(realm, ipa: ipa, to: 3)
        guard leaf.level == 3, leaf.entry.kind == .void else {
            return .result(RMIResult.level(.errorRTT, Int8(leaf.level)))
        }
        guard
            port.copy(
                from: PhysicalAddress(source), space: .nonSecure, to: target.address, space: .realm,
                byteCount: granuleSize.bytes)
        else { return .result(.errorInput) }
        write(RTTEntry(.data, ripas: .ram, address: target.address), at: leaf)
        adjustRefcount(leaf.table, by: 1)
        target.unlock(as: .data)
        return .result(.success)
    }

    /// RMI_RTT_DATA_UNMAP (DEN0137 B4.5.67): X1 rd, X2 base, X3 top, X4 flags (bits 1:0 the output address
    /// type: 0 NONE, 1 SINGLE, 2 LIST; bits 15:2 list_count, the capacity of the host's list in entries), X5
    /// oaddr (LIST: the list's address; SINGLE: SBZ). Answers X1 out_top, X2 out_range (SINGLE: the descriptor of
    /// the contiguous PA range unmapped), X3 out_count (LIST: entries written).
    ///
    /// Failure conditions (realm-objects.md section 12): the RD checks; base or top not granule aligned, top <=
    /// base, the range not Protected, a reserved output type, SINGLE with a non-zero oaddr, LIST with a list_count
    /// of 0, a list not 8-byte aligned or not Non-secure over its whole capacity: RMI_ERROR_INPUT. The walk at base
    /// stopping above the leaf level on an unmapped entry whose block the range covers only partly: RMI_ERROR_RTT
    /// at that level, X1 = 0.
    /// Success: every DATA entry in [base, out_top) is VOID with RIPAS DESTROYED and its granule is DELEGATED
    /// again, reported to the host so it can undelegate it. The call stops early at the end of a leaf table, at
    /// a discontinuity in PA (SINGLE), or when list_count entries are written (LIST): it never writes past the list
    /// the host declared; unmapped entries it skips take no list entry.
    func rttDataUnmap(
        rd: UInt64, base: UInt64, top: UInt64, flags: UInt64, list: UInt64
    ) throws(RMIStatusError) -> SMCReturn {
        let outputType = flags & 3
        let listCapacity = flags[bits: 2..<16]
        guard isGranuleAligned(base), isGranuleAligned(top), top > base, outputType != 3 else {
            return .result(.errorInput)
        }
        if outputType == 1 { guard list == 0 else { return .result(.errorInput) } }
        if outputType == 2 {
            guard listCapacity > 0, list & 7 == 0, isNonSecure(list, byteCount: listCapacity * 8) else {
                return .result(.errorInput)
            }
        }
        let rdGranule = try lockRealm(rd)
        let realm = readRealm(rdGranule.address)
        guard isProtected(realm, top - 1) else { return .result(.errorInput) }

        // At base, an unmapped entry above the leaf level must lie wholly inside the range to be skipped.
        let first = walk(realm, ipa: base, to: 3)
        if first.level < 3 {
            let blockSize = UInt64(1) << UInt64(entryShift(level: first.level))
            let blockEnd = (base & ~(blockSize - 1)) + blockSize
            if base & (blockSize - 1) != 0 || top < blockEnd {
                return .result(RMIResult.level(.errorRTT, Int8(first.level)))
            }
        }
        var cursor = base
        var runBase: PhysicalAddress? = nil
        var runCount: UInt64 = 0
        var written: UInt64 = 0
        while cursor < top {
            let leaf = walk(realm, ipa: cursor, to: 3)
            guard leaf.level == 3 else {
                // No leaf table: nothing is mapped in this whole entry; skip it.
                let next =
                    (cursor >> UInt64(entryShift(level: leaf.level)) + 1) << UInt64(entryShift(level: leaf.level))
                cursor = Swift.min(next, top)
                continue
            }
            if leaf.entry.kind == .data {
                let pa = leaf.entry.address
                if outputType == 1, let start = runBase, start + runCount << UInt64(granuleSize.shift) != pa { break }
                if outputType == 2 && written == listCapacity { break }
                let granule = lockHeld(pa, "DATA granule not tracked")
                write(RTTEntry(.void, ripas: .destroyed), at: leaf)
                adjustRefcount(leaf.table, by: -1)
                granule.unlock(as: .delegated)
                switch outputType {
                case 1:
                    if runBase == nil { runBase = pa }
                    runCount += 1
                case 2:
                    let descriptor = AddressRangeDescriptor(base: pa, blockSize: .level3, count: 1, state: .delegated)
                    _ = port.write64(
                        descriptor.encoding(granule: granuleSize) ?? 0, at: PhysicalAddress(list + written * 8),
                        space: .nonSecure)
                    written += 1
                default: break
                }
            }
            cursor += granuleSize.bytes
            if cursor & ((1 << UInt64(entryShift(level: 2))) - 1) == 0 { break }  // the end of this leaf table
        }
        var range: UInt64 = 0
        if let start = runBase {
            range =
                AddressRangeDescriptor(base: start, blockSize: .level3, count: runCount, state: .delegated)
                .encoding(granule: granuleSize) ?? 0
        }
        return .result(.success, cursor, range, written)
    }
}
