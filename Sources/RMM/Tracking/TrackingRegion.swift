import CCAArch
import FirmwareSync
import Synchronization

/// One tracking region (DEN0137 A2.3.4): a naturally aligned block of the tracking region size, its category,
/// its tracking state, and the metadata of its granules.
///
/// Metadata exists for every region that holds memory, allocated once at activation from lazily backed memory
/// (as if EL3 had preallocated it, which the reference allows), so TRACKING_SET never needs a donation.
final class TrackingRegion: Sendable {
    let base: PhysicalAddress
    let size: UInt64
    let granuleShift: Int
    /// The category of the memory in the region (all banks in one region share it).
    let category: TrackingCategory
    /// Whether one bank covers the whole region (COARSE tracking requires it).
    let isHomogeneous: Bool
    /// Populated sub-ranges of the region, as granule index ranges.
    let populated: [Range<Int>]
    let words: GranuleWords

    private let _state: SharedWord
    /// The state of the single unit while the region is COARSE.
    private let _coarse: SharedWord
    /// Bit 31: a TRACKING_SET transition owns the region; bits 30:0: commands using its granules now.
    private let _users: SharedWord

    init(
        base: PhysicalAddress, size: UInt64, granuleShift: Int, category: TrackingCategory, isHomogeneous: Bool,
        populated: [Range<Int>], metadata: UnsafeMutableRawPointer, state: TrackingState,
        observer: (any SchedulingObserver)?
    ) {
        self.base = base
        self.size = size
        self.granuleShift = granuleShift
        self.category = category
        self.isHomogeneous = isHomogeneous
        self.populated = populated
        self.words = unsafe GranuleWords(
            memory: metadata, count: Int(size >> UInt64(granuleShift)), base: base, granuleShift: granuleShift,
            observer: observer)
        self._state = SharedWord(
            UInt64(state.rawValue), location: SharedLocation(.trackingState, base.rawValue), observer: observer)
        self._coarse = SharedWord(0, location: SharedLocation(.coarseUnit, base.rawValue), observer: observer)
        self._users = SharedWord(0, location: SharedLocation(.trackingUsers, base.rawValue), observer: observer)
    }

    var top: PhysicalAddress { base + size }

    var granuleCount: Int { words.count }

    /// The tracking state; acquiring so a command sees the granule words as the last transition left them.
    var state: TrackingState {
        TrackingState(rawValue: UInt8(truncatingIfNeeded: _state.load(ordering: .acquiring))) ?? .reserved
    }

    /// The index of the granule at `pa` (which must lie in the region).
    @inline(__always)
    func index(of pa: PhysicalAddress) -> Int { Int((pa - base) >> UInt64(granuleShift)) }

    @inline(__always)
    func address(ofIndex index: Int) -> PhysicalAddress { base + (UInt64(index) << UInt64(granuleShift)) }

    /// Whether granule `index` has memory behind it.
    func isPopulated(_ index: Int) -> Bool {
        for range in populated where range.contains(index) { return true }
        return false
    }

    /// The end (exclusive) of the populated run that contains `index`.
    func populatedEnd(from index: Int) -> Int? {
        for range in populated where range.contains(index) { return range.upperBound }
        return nil
    }

    // MARK: Users and transitions

    /// Registers a command that works on this region's granules; fails while a tracking transition owns it.
    func enter() -> Bool {
        var current = _users.load(ordering: .relaxed)
        while current & (1 << 31) == 0 {
            // Acquiring: pairs with the releasing end of a transition, so the command sees its final words.
            let (exchanged, original) = _users.compareExchange(
                expected: current, desired: current + 1, successOrdering: .acquiring, failureOrdering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Ends a command registered with `enter()`.
    func leave() {
        // Releasing: the command's granule updates happen before a later transition takes the region.
        _users.wrappingSubtractReleasing(1)
    }

    /// Takes the region for a tracking transition; fails if any command is using it.
    func beginTransition() -> Bool {
        // Acquiring: the transition sees every granule update of the commands that left.
        _users.compareExchange(expected: 0, desired: 1 << 31, ordering: .acquiring).exchanged
    }

    /// Publishes the new state and releases the region.
    func endTransition(state newState: TrackingState) {
        _state.store(UInt64(newState.rawValue), ordering: .releasing)
        _users.store(0, ordering: .releasing)
    }

    // MARK: The coarse unit

    var coarseWord: GranuleWord {
        GranuleWord(rawValue: UInt32(truncatingIfNeeded: _coarse.load(ordering: .acquiring)))
    }

    func exchangeCoarse(expected: GranuleWord, desired: GranuleWord) -> Bool {
        _coarse.compareExchange(
            expected: UInt64(expected.rawValue), desired: UInt64(desired.rawValue),
            successOrdering: .acquiringAndReleasing,
            failureOrdering: .acquiring
        ).exchanged
    }

    func storeCoarse(_ word: GranuleWord) { _coarse.store(UInt64(word.rawValue), ordering: .releasing) }

    /// Whether no memory of the region is the Realm world's: every populated granule UNDELEGATED (FINE), the unit
    /// UNDELEGATED (COARSE), or untracked (NONE). A lock bit or a reference count counts as in use.
    var isWhollyUndelegated: Bool {
        switch state {
        case .none: return true
        case .coarse: return coarseWord == GranuleWord(state: .undelegated)
        default:
            let free = GranuleWord(state: .undelegated)
            for range in populated {
                for index in range where words.load(index) != free { return false }
            }
            return true
        }
    }

    /// The state of the granule at `index` as the tracking mode sees it.
    func effectiveWord(_ index: Int) -> GranuleWord {
        state == .coarse ? coarseWord : words.load(index)
    }
}
