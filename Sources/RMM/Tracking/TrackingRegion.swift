import CCAArch
import FirmwareSync
import Synchronization

/// One tracking region (DEN0137 A2.3.4): a naturally aligned block of the tracking region size, its category,
/// its tracking state, and the metadata of its granules.
///
/// With preallocated metadata (the default), metadata exists for every region that holds memory, allocated once at
/// activation from lazily backed memory (as if EL3 had preallocated it, which the reference allows), so
/// TRACKING_SET never needs a donation. With host-supplied metadata a region has granule words only while it is
/// FINE (or on its way to or from FINE, under a TRACKING_SET operation that owns it): they live in granules the
/// host donated, installed by `installMetadata` before the releasing store of FINE publishes them.
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
    /// The granule words' memory (an `UnsafeMutablePointer<Atomic<UInt32>>` as bits), 0 while the region has none.
    /// Written only by whoever owns the region for a transition, before the releasing store of its state; read
    /// (relaxed) after an acquiring load of FINE, or by an owner or a holder of one of its granules.
    private let _metadata: Atomic<UInt>
    /// The PA of the donated granules `_metadata` points into (host-supplied metadata; same rules).
    private let _metadataAddress = Atomic<UInt64>(0)
    /// The granule words' shape: count, base, granule size, observer (its memory is never reached through it).
    private let shape: (count: Int, observer: GranuleObserverReference)

    private let _state: SharedWord
    /// The state of the single unit while the region is COARSE.
    private let _coarse: SharedWord
    /// Bit 31: a TRACKING_SET transition owns the region; bits 30:0: commands using its granules now.
    private let _users: SharedWord

    init(
        base: PhysicalAddress, size: UInt64, granuleShift: Int, category: TrackingCategory, isHomogeneous: Bool,
        populated: [Range<Int>], metadata: UnsafeMutableRawPointer?, state: TrackingState,
        observer: (any SchedulingObserver)?
    ) {
        self.base = base
        self.size = size
        self.granuleShift = granuleShift
        self.category = category
        self.isHomogeneous = isHomogeneous
        self.populated = populated
        let count = Int(size >> UInt64(granuleShift))
        self.shape = (count, GranuleObserverReference(observer))
        if let metadata = unsafe metadata {
            self._metadata = Atomic(UInt(bitPattern: unsafe GranuleWords.bind(metadata, count: count)))
        } else {
            self._metadata = Atomic(0)
        }
        self._state = SharedWord(
            UInt64(state.rawValue), location: SharedLocation(.trackingState, base.rawValue), observer: observer)
        self._coarse = SharedWord(0, location: SharedLocation(.coarseUnit, base.rawValue), observer: observer)
        self._users = SharedWord(0, location: SharedLocation(.trackingUsers, base.rawValue), observer: observer)
    }

    var top: PhysicalAddress { base + size }

    var granuleCount: Int { shape.count }

    /// The granule words. Only while the region has metadata (always, with preallocated metadata): a command
    /// reaches them after seeing the region FINE, or while it owns the region or holds one of its granules.
    var words: GranuleWords {
        // Relaxed: ordered by the acquiring load of the state (or of the ownership) that led here.
        let bits = _metadata.load(ordering: .relaxed)
        guard let pointer = unsafe UnsafeMutablePointer<Atomic<UInt32>>(bitPattern: bits) else {
            preconditionFailure("granule words of a region without metadata")
        }
        return unsafe GranuleWords(
            bound: pointer, count: shape.count, base: base, granuleShift: granuleShift,
            observer: unsafe shape.observer.observer)
    }

    /// Whether the region has granule words now (host-supplied metadata: FINE, or in a transition to or from it).
    var hasMetadata: Bool { _metadata.load(ordering: .relaxed) != 0 }

    /// Where the region's donated granule words live (host-supplied metadata), meaningful while it has them.
    var metadataAddress: PhysicalAddress { PhysicalAddress(_metadataAddress.load(ordering: .relaxed)) }

    /// Installs the region's granule words in `memory`, the granules the host donated at `address` (host-supplied
    /// metadata), filled with `word`. The caller owns the region for a transition; the releasing store of the new
    /// state publishes the words.
    func installMetadata(_ memory: UnsafeMutableRawPointer, filledWith word: GranuleWord, at address: PhysicalAddress) {
        let words = unsafe GranuleWords.bind(memory, count: shape.count)
        _metadataAddress.store(address.rawValue, ordering: .relaxed)
        _metadata.store(UInt(bitPattern: words), ordering: .relaxed)
        self.words.fill(word)
    }

    /// Whether `pa` lies in the region.
    func contains(_ pa: PhysicalAddress) -> Bool { pa >= base && pa < top }

    /// Forgets the region's granule words (host-supplied metadata handed back). The caller owns the region, which is
    /// no longer FINE.
    func removeMetadata() { _metadata.store(0, ordering: .relaxed) }

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
        claimTransition() == .success
    }

    /// Takes the region for a tracking transition: RMI_SUCCESS when taken; RMI_BLOCKED while a TRACKING_SET
    /// operation waiting for the host holds it (`hold()`); RMI_BUSY while another command uses it.
    func claimTransition() -> RMIStatus {
        // Acquiring: the transition sees every granule update of the commands that left.
        let (exchanged, original) = _users.compareExchange(expected: 0, desired: 1 << 31, ordering: .acquiring)
        return exchanged ? .success : original & (1 << 30) != 0 ? .blocked : .busy
    }

    /// Keeps the region taken while the TRACKING_SET operation that owns it waits for the host: commands that use
    /// its granules answer RMI_BLOCKED, as does another TRACKING_SET. `state` is published now (the new layout of
    /// a transition away from FINE, whose metadata is still to be handed back) or later by `endTransition`.
    func hold(publishing state: TrackingState? = nil) {
        if let state { _state.store(UInt64(state.rawValue), ordering: .releasing) }
        _users.store(1 << 31 | 1 << 30, ordering: .releasing)
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

/// The observer of a region's granule words, kept without retaining it (as `GranuleWords` and `SharedWord` keep
/// it): the observer outlives the firmware it watches.
struct GranuleObserverReference: @unchecked Sendable {
    // @unchecked: an unowned reference to a Sendable observer, never changed.
    unowned(unsafe) let observer: (any SchedulingObserver)?

    init(_ observer: (any SchedulingObserver)?) { unsafe self.observer = observer }
}
