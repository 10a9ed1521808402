import CCAArch

/// A Realm Translation Table entry as this model stores it in an RTT granule (one 64-bit word per entry).
///
/// Bits 2:0 the entry state (0 VOID, 1 TABLE, 2 DATA), bits 6:5 the RIPAS (0 EMPTY, 1 RAM, 2 DESTROYED),
/// bits 51:12 the output address. A zeroed granule is a table of VOID entries with RIPAS EMPTY.
struct RTTEntry: Equatable {
    var rawValue: UInt64

    enum Kind: UInt64 {
        case void = 0
        case table = 1
        case data = 2
    }

    enum RIPAS: UInt64 {
        case empty = 0
        case ram = 1
        case destroyed = 2
    }

    init(rawValue: UInt64) { self.rawValue = rawValue }

    init(_ kind: Kind, ripas: RIPAS = .empty, address: PhysicalAddress = PhysicalAddress(0)) {
        rawValue = kind.rawValue | ripas.rawValue << 5 | (address.rawValue & UInt64.mask(bits: 12..<52))
    }

    var kind: Kind { Kind(rawValue: rawValue & 7) ?? .void }
    var ripas: RIPAS { RIPAS(rawValue: rawValue[bits: 5..<7]) ?? .empty }
    var address: PhysicalAddress { PhysicalAddress(rawValue & UInt64.mask(bits: 12..<52)) }
}

/// Where an RTT walk stopped.
struct RTTWalk {
    /// The level of the table holding `entry`.
    var level: Int
    /// The table holding `entry`.
    var table: PhysicalAddress
    /// The entry's address in that table.
    var entryAddress: PhysicalAddress
    var entry: RTTEntry
}

extension RealmManagementMonitor {
    /// Bits of IPA one entry at `level` maps: 12 at level 3 with 4 KB granules, 21 at level 2, 30, 39.
    func entryShift(level: Int) -> Int { granuleSize.shift + (3 - level) * (granuleSize.shift - 3) }

    /// Entries per table.
    var entriesPerTable: UInt64 { granuleSize.bytes / 8 }

    /// Whether (s2sz, starting level, number of starting tables) is a combination this RMM supports
    /// (`rtt_num_level`), by the architecture's stage 2 rules as the reference RMM checks them:
    /// - the IPA width is 32 to 48 bits;
    /// - the starting level can translate it: more bits than one table at the next level maps (else that level
    ///   should start), and no more than one table at this level maps, or 16 concatenated ones below level 0
    ///   (4 KB granules: level 0 takes 40 to 48 bits, level 1 31 to 43, level 2 22 to 34, level 3 13 to 25);
    /// - level 0 only where the physical address size is at least 44 bits (the architecture reserves it below);
    /// - the number of starting tables is what the width needs: 1 while one table covers it (in part or whole),
    ///   else 2^(width - what one table maps).
    func isValidRTTGeometry(ipaWidth: Int, levelStart: Int, numStart: UInt64) -> Bool {
        guard (0...3).contains(levelStart), (32...48).contains(ipaWidth) else { return false }
        let stride = granuleSize.shift - 3
        let levelsBelow = 3 - levelStart
        let minimum = levelsBelow * stride + granuleSize.shift + 1
        let maximum = minimum + (stride - 1) + (levelStart > 0 ? 4 : 0)
        guard ipaWidth >= minimum, ipaWidth <= maximum else { return false }
        if levelStart == 0 && granuleSize == .size4KB && manifest.physicalAddressBits < 44 { return false }
        let oneTable = levelsBelow * stride + granuleSize.shift + stride
        let needed: UInt64 = ipaWidth <= oneTable ? 1 : 1 << UInt64(ipaWidth - oneTable)
        return numStart == needed
    }

    /// Walks the realm's tables from the starting level toward `targetLevel` for `ipa`, following TABLE entries;
    /// stops at the target level or at the first entry that is not a TABLE.
    func walk(_ realm: RealmDescriptor, ipa: UInt64, to targetLevel: Int) -> RTTWalk {
        var level = realm.rttLevelStart
        let rootIndex = ipa >> UInt64(entryShift(level: level))
        var table = realm.rttBase + (rootIndex / entriesPerTable) * granuleSize.bytes
        var index = rootIndex % entriesPerTable
        while true {
            let entryAddress = table + index * 8
            let entry = RTTEntry(rawValue: readObject(table, index * 8))
            if level == targetLevel || entry.kind != .table {
                return RTTWalk(level: level, table: table, entryAddress: entryAddress, entry: entry)
            }
            table = entry.address
            level += 1
            index = (ipa >> UInt64(entryShift(level: level))) % entriesPerTable
        }
    }

    /// Writes the entry a walk found.
    func write(_ entry: RTTEntry, at walk: RTTWalk) {
        writeObject(walk.table, walk.entryAddress - walk.table, entry.rawValue)
    }
}
