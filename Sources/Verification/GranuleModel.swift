public import CCAArch

/// The state of one modelled granule: the part of DEN0137 A2.3.6 that range delegation and memory donation touch.
public enum ModelGranuleState: UInt8, Hashable, Sendable {
    /// GRAN_UNDELEGATED: Non-secure, the host's.
    case undelegated
    /// GRAN_DELEGATED: Realm PAS, owned by the RMM, unused.
    case delegated
    /// The intermediate state of a granule held by an incomplete range operation (TF-RMM's PARTIAL).
    case partial
    /// GRAN_INTERNAL: donated to a stateful operation (or kept by the object it created).
    case `internal`
}

/// Where the modelled memory lies: the range under test, then (1 MiB above, so that a stray address is never a
/// neighbour) a pool of spare granules the host's allocator owns for donations and address lists.
public struct ModelLayout: Hashable, Sendable {
    /// Base of the range under test.
    public var rangeBase: PhysicalAddress
    /// Granules in the range under test.
    public var rangeGranules: Int
    /// Base of the spare pool.
    public var spareBase: PhysicalAddress
    /// Granules in the spare pool.
    public var spareGranules: Int
    /// The RMI granule size (4 KB).
    public var granuleSize: GranuleSize { .size4KB }

    public init(
        rangeBase: PhysicalAddress = PhysicalAddress(0x8000_0000), rangeGranules: Int,
        spareBase: PhysicalAddress = PhysicalAddress(0x8010_0000), spareGranules: Int
    ) {
        precondition(rangeGranules >= 1 && spareGranules >= 0, "a model needs a range of at least one granule")
        self.rangeBase = rangeBase
        self.rangeGranules = rangeGranules
        self.spareBase = spareBase
        self.spareGranules = spareGranules
    }

    var granule: UInt64 { granuleSize.bytes }
    /// Top of the range under test.
    public var rangeTop: PhysicalAddress { rangeBase + UInt64(rangeGranules) * granule }
    /// Top of the spare pool.
    public var spareTop: PhysicalAddress { spareBase + UInt64(spareGranules) * granule }
    /// The range under test.
    public var range: GranuleRange { GranuleRange(uncheckedBase: rangeBase, top: rangeTop, granuleSize: granuleSize) }
    /// The spare pool.
    public var spare: GranuleRange { GranuleRange(uncheckedBase: spareBase, top: spareTop, granuleSize: granuleSize) }
    /// Granules modelled in all.
    public var granuleCount: Int { rangeGranules + spareGranules }

    /// The model index of the granule at `address` (aligned), or `nil` when it is not modelled.
    func index(of address: UInt64) -> Int? {
        guard address & (granule - 1) == 0 else { return nil }
        if address >= rangeBase.rawValue, address < rangeTop.rawValue {
            return Int((address - rangeBase.rawValue) / granule)
        }
        if address >= spareBase.rawValue, address < spareTop.rawValue {
            return rangeGranules + Int((address - spareBase.rawValue) / granule)
        }
        return nil
    }

    /// The address of model granule `index`.
    func address(of index: Int) -> UInt64 {
        index < rangeGranules
            ? rangeBase.rawValue + UInt64(index) * granule
            : spareBase.rawValue + UInt64(index - rangeGranules) * granule
    }
}

/// Which modelled memory a helper may legitimately name in an SMC: anything else is a touch outside its range.
public enum AllowedRegion: Hashable, Sendable {
    /// Only the range under test (range helpers never need other memory).
    case range
    /// Only the spare pool (a stateful operation's donations and the host's list page).
    case spare
}

/// A range command's direction, as the adversary sees it.
enum RangeDirection: Hashable, Sendable {
    case delegate
    case undelegate

    var source: ModelGranuleState { self == .delegate ? .undelegated : .delegated }
    var destination: ModelGranuleState { self == .delegate ? .delegated : .undelegated }
    var command: FunctionID { self == .delegate ? .granuleRangeDelegate : .granuleRangeUndelegate }
}

/// A stateful operation the adversary has started and not finished (sro.md sections 3 to 6).
struct PendingOperation: Hashable, Sendable {
    /// What the operation does.
    enum Kind: Hashable, Sendable {
        /// A range command that went RMI_INCOMPLETE holding `[cursor, runEnd)` PARTIAL, for a request up to `top`.
        case range(RangeDirection, cursor: UInt64, top: UInt64, runEnd: UInt64)
        /// An abstract memory-transferring command (the generic driver's subject).
        case transfer
    }

    /// The OP_* call the operation waits for.
    enum Expecting: Hashable, Sendable {
        case proceed
        case donation(granules: Int, state: OpMemState)
        case reclaim
    }

    var kind: Kind
    var handle: UInt64
    var expecting: Expecting
    var canCancel: Bool
    /// A failure or cancellation under way: once donated memory is reclaimed, OP_CONTINUE ends with this status.
    var ending: RMIStatus?
    /// Donated granules (model indexes) with the state each was donated in, in donation order.
    var donated: [DonatedGranule] = []
    /// OP_* calls answered with something other than RMI_BUSY: part of the memoisation key, because the host's
    /// continuation budget counts them.
    var steps = 0
}

/// One donated granule and the state it came in (and must be handed back in).
struct DonatedGranule: Hashable, Sendable {
    var index: Int
    var state: OpMemState
}

/// Everything the adversary's future answers may depend on: the granule array and the pending operation.
struct ModelState: Hashable, Sendable {
    var granules: [ModelGranuleState]
    /// Operations started and not finished (TF-RMM keeps a pool of contexts: the host may nest a range
    /// operation, delegating memory to donate, inside a memory-transferring one).
    var operations: [PendingOperation] = []
    /// Granules kept by objects that completed (a transfer operation that ended RMI_SUCCESS).
    var kept: [Int] = []
    var nextHandle: UInt64 = 0x5A0
}
