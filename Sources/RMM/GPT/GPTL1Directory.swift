import CCAArch
import FirmwareSync
import Synchronization

/// Who owns the L1 GPT table of one L0 region, as the RMM records it (DEN0137 A2.3.9), and where a host-created
/// table lives.
enum GPTL1State: UInt64 {
    /// The region is a Block; the host may create its table (GPT_INFO: HOST_NOT_CREATED).
    case absent = 0
    /// EL3 made the table at boot; the host can neither create nor destroy it (GPT_INFO: PLAT).
    case platform = 1
    /// An RMI_GPT_L1_CREATE is incomplete: the table may not be destroyed yet.
    case creating = 2
    /// The host created the table from donated memory (GPT_INFO: HOST_CREATED).
    case created = 3
    /// An RMI_GPT_L1_DESTROY is incomplete: no new table may be created yet.
    case destroying = 4
}

/// One L0 region holding memory: its base and an atomic word, bits 2:0 the `GPTL1State`, bits 51:12 the table's
/// address while a host-created table exists.
final class GPTL1Entry: Sendable {
    let base: PhysicalAddress
    private let word: SharedWord

    init(base: PhysicalAddress, state: GPTL1State, observer: (any SchedulingObserver)?) {
        self.base = base
        self.word = SharedWord(
            state.rawValue, location: SharedLocation(.gptL1Directory, base.rawValue), observer: observer)
    }

    /// The state and the table's address (0 when there is no host-created table).
    var current: (state: GPTL1State, table: PhysicalAddress) {
        // Acquiring: pairs with the releasing stores of `move`, so a command sees the table the last one recorded.
        let value = word.load(ordering: .acquiring)
        return (GPTL1State(rawValue: value & 7) ?? .absent, PhysicalAddress(value & ~UInt64(0xFFF)))
    }

    /// Moves from `expected` to `desired` with `table` recorded; `false` if another command moved it first.
    func move(
        from expected: GPTL1State, table: PhysicalAddress, to desired: GPTL1State, table newTable: PhysicalAddress
    )
        -> Bool
    {
        word.compareExchange(
            expected: table.rawValue | expected.rawValue, desired: newTable.rawValue | desired.rawValue,
            ordering: .acquiringAndReleasing
        ).exchanged
    }
}

/// The L0 regions that hold memory, sorted by base, each with its L1 owner. Built once at boot; regions without
/// memory have no entry (their L1 is RESERVED: it cannot be created).
final class GPTL1Directory: Sendable {
    let entries: [GPTL1Entry]

    init(manifest: RMMBootManifest, observer: (any SchedulingObserver)?) {
        let size = UInt64(1) << UInt64(manifest.l0RegionBits)
        var entries: [GPTL1Entry] = []
        for bank in manifest.banks {
            var region = bank.base.rawValue & ~(size - 1)
            while region < bank.top.rawValue {
                let base = PhysicalAddress(region)
                if entries.last?.base != base {
                    let platform = manifest.platformL1Regions.contains(base)
                    entries.append(GPTL1Entry(base: base, state: platform ? .platform : .absent, observer: observer))
                }
                region += size
            }
        }
        self.entries = entries
    }

    /// The entry of the L0 region based at `base`, or `nil` when the region holds no memory.
    func entry(at base: PhysicalAddress) -> GPTL1Entry? {
        entries.sortedSearch { base < $0.base ? .before : base > $0.base ? .after : .match }
    }
}
