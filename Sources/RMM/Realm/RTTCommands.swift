import CCAArch

extension RealmManagementMonitor {
    /// The checks RTT_CREATE and RTT_DESTROY share after the RD: `level_bound` (the level must lie below the
    /// starting level, at most 3), `ipa_align` (aligned to what one entry at level - 1 maps), `ipa_bound`.
    func checkRTTTarget(_ realm: RealmDescriptor, ipa: UInt64, level: UInt64) -> Int? {
        let level = Int(Int64(bitPattern: level))
        guard level > realm.rttLevelStart, level <= 3 else { return nil }
        guard ipa & ((1 << UInt64(entryShift(level: level - 1))) - 1) == 0 else { return nil }
        guard ipa < 1 << UInt64(realm.ipaWidth) else { return nil }
        return level
    }

    /// RMI_RTT_CREATE (DEN0137 B4.5.64): X1 rd, X2 rtt, X3 ipa, X4 level.
    ///
    /// Failure conditions: `rd_align`, `rd_bound`, `rd_state`, `level_bound`, `ipa_align`, `ipa_bound`,
    /// `rtt_align`, `rtt_bound`, `rtt_state` (RMI_ERROR_INPUT); `rtt_walk` (the walk to level - 1 stops early)
    /// and `rtte_state` (the parent entry is already a TABLE), RMI_ERROR_RTT with the level the walk reached.
    /// Success: the granule is an RTT whose entries inherit the parent entry's state; the parent entry points to
    /// it, and the parent's reference count (its live entries) grows by one.
    func rttCreate(rd: UInt64, rtt: UInt64, ipa: UInt64, level rawLevel: UInt64) throws(RMIStatusError) -> SMCReturn {
        let locked = try lockRealm(rd, and: rtt)
        let rdGranule = locked.rd
        let table = locked.object
        let realm = readRealm(rdGranule.address)
        guard let level = checkRTTTarget(realm, ipa: ipa, level: rawLevel) else { return .result(.errorInput) }
        let parent = walk(realm, ipa: ipa, to: level - 1)
        guard parent.level == level - 1, parent.entry.kind == .void else {
            return .result(RMIResult.level(.errorRTT, Int8(parent.level)))
        }
        // The new table inherits the parent entry's RIPAS: it is VOID everywhere, as the parent entry was.
        clearObject(table.address)
        if parent.entry.ripas != .empty {
            let inherited = RTTEntry(.void, ripas: parent.entry.ripas)
            for i in 0..<entriesPerTable { writeObject(table.address, i * 8, inherited.rawValue) }
        }
        write(RTTEntry(.table, address: table.address), at: parent)
        adjustRefcount(parent.table, by: 1)
        table.unlock(as: .rtt)
        return .result(.success)
    }

    /// RMI_RTT_DESTROY (DEN0137 B4.5.68): X1 rd, X2 ipa, X3 level. Answers X1 the destroyed RTT's address and
    /// X2 top, the first IPA after the entry the walk stopped at.
    ///
    /// Failure conditions: the RD and target checks (RMI_ERROR_INPUT, X2 = 0); `rtt_walk` and `rtte_state`
    /// (RMI_ERROR_RTT at the walk's level, X2 = walk top); `rtt_live` (the RTT has live entries: RMI_ERROR_RTT at
    /// `level`, X2 = ipa). Success: the parent entry is VOID with RIPAS DESTROYED and the granule DELEGATED.
    func rttDestroy(rd: UInt64, ipa: UInt64, level rawLevel: UInt64) throws(RMIStatusError) -> SMCReturn {
        let rdGranule = try lockRealm(rd)
        let realm = readRealm(rdGranule.address)
        guard let level = checkRTTTarget(realm, ipa: ipa, level: rawLevel) else { return .result(.errorInput) }
        let parent = walk(realm, ipa: ipa, to: level - 1)
        let walkTop = (ipa >> UInt64(entryShift(level: parent.level)) + 1) << UInt64(entryShift(level: parent.level))
        guard parent.level == level - 1, parent.entry.kind == .table else {
            return .result(RMIResult.level(.errorRTT, Int8(parent.level)), 0, walkTop)
        }
        let child = lockHeld(parent.entry.address, "RTT granule not tracked")
        // The RD's lock keeps the count still: entries are added only under it.
        guard child.refcount == 0 else { return .result(RMIResult.level(.errorRTT, Int8(level)), 0, ipa) }
        write(RTTEntry(.void, ripas: .destroyed), at: parent)
        adjustRefcount(parent.table, by: -1)
        let childAddress = child.address
        child.unlock(as: .delegated)
        let top = ipa + (1 << UInt64(entryShift(level: level - 1)))
        return .result(.success, childAddress.rawValue, top)
    }
}

/// The state of an RTT entry as RMI_RTT_READ_ENTRY reports it (RmiRttEntryState).
enum RTTEntryState: UInt64 {
    /// No output address: the entry is not mapped (its RIPAS says what the realm may expect there).
    case unassigned = 0
    /// Mapped to a DATA granule.
    case assigned = 1
    /// Points to the next-level table.
    case table = 2
}

extension RealmManagementMonitor {
    /// RMI_RTT_READ_ENTRY (0xC4000161): X1 rd, X2 ipa, X3 level. Answers X1 the level the walk reached, X2 the
    /// entry's state (UNASSIGNED 0, ASSIGNED 1, TABLE 2), X3 its output address (the DATA granule or the next table;
    /// 0 when UNASSIGNED), X4 its RIPAS (EMPTY 0, RAM 1, DESTROYED 2; EMPTY for a TABLE).
    ///
    /// Failure conditions (the reference's entry-command checks): `rd_align`, `rd_bound`, `rd_state`; `level_bound`
    /// (the level lies outside [the starting level, 3]); `ipa_align` (not aligned to what one entry at `level`
    /// maps); `ipa_bound` (outside the realm's IPA space): RMI_ERROR_INPUT. The walk stopping above `level` is not
    /// a failure: the answer describes the entry where it stopped, at the level X1 names. Changes nothing.
    func rttReadEntry(rd: UInt64, ipa: UInt64, level rawLevel: UInt64) throws(RMIStatusError) -> SMCReturn {
        let rdGranule = try lockRealm(rd)
        let realm = readRealm(rdGranule.address)
        let level = Int(Int64(bitPattern: rawLevel))
        guard level >= realm.rttLevelStart, level <= 3 else { return .result(.errorInput) }
        guard ipa & ((1 << UInt64(entryShift(level: level))) - 1) == 0 else { return .result(.errorInput) }
        guard ipa < 1 << UInt64(realm.ipaWidth) else { return .result(.errorInput) }
        let found = walk(realm, ipa: ipa, to: level)
        let entry = found.entry
        switch entry.kind {
        case .void:
            return .result(
                .success, UInt64(found.level), RTTEntryState.unassigned.rawValue, 0, entry.ripas.rawValue)
        case .data:
            return .result(
                .success, UInt64(found.level), RTTEntryState.assigned.rawValue, entry.address.rawValue,
                entry.ripas.rawValue)
        case .table:
            return .result(
                .success, UInt64(found.level), RTTEntryState.table.rawValue, entry.address.rawValue,
                RTTEntry.RIPAS.empty.rawValue)
        }
    }
}
