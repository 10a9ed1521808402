import CCAArch
import FirmwareSync
import Synchronization

/// The granule words of one tracking region, in metadata memory the platform gave the RMM.
///
/// The only place the RMM touches granule metadata through a raw pointer. Every access is atomic, passes the
/// scheduling point, and names its ordering: taking a granule (a lock, or a state change that claims it) acquires,
/// so the claimer sees the last owner's writes; giving it up releases. Plain reads for inspection acquire too.
///
/// Who may change what (the rule every command follows, and the reason `unlock` is not a plain store):
/// - the state and the lock bit belong to whoever holds the lock, or to the operation that holds the granule
///   PARTIAL; nobody else writes them;
/// - the reference count changes only by `adjustRefcount`, an atomic add that leaves state and lock alone, made
///   by a command that holds the lock of the granule's owner (the RD of the realm whose table or REC it counts),
///   whether or not another CPU holds the granule's own lock at that moment.
/// So a command that locks a granule and lets it go must change only the state and the lock bit: writing back the
/// whole word it saw when it locked would erase a reference another CPU added meanwhile.
@safe
struct GranuleWords: @unchecked Sendable {
    // @unchecked: the pointee is only ever reached through atomic operations.
    private let words: UnsafeMutablePointer<Atomic<UInt32>>
    let count: Int
    /// The PA of granule 0 and the granule size, to name locations for the scheduling point.
    let base: PhysicalAddress
    let granuleShift: Int
    unowned(unsafe) let observer: (any SchedulingObserver)?

    init(
        memory: UnsafeMutableRawPointer, count: Int, base: PhysicalAddress, granuleShift: Int,
        observer: (any SchedulingObserver)?
    ) {
        // Zero-filled memory is a valid array of Atomic<UInt32>(0): UNDELEGATED, unlocked, refcount 0.
        unsafe self.init(
            bound: Self.bind(memory, count: count), count: count, base: base, granuleShift: granuleShift,
            observer: observer)
    }

    /// Words in memory already bound by `bind(_:count:)`.
    init(
        bound words: UnsafeMutablePointer<Atomic<UInt32>>, count: Int, base: PhysicalAddress, granuleShift: Int,
        observer: (any SchedulingObserver)?
    ) {
        unsafe self.words = words
        self.count = count
        self.base = base
        self.granuleShift = granuleShift
        unsafe self.observer = observer
    }

    /// `count` granule words over `memory`.
    static func bind(_ memory: UnsafeMutableRawPointer, count: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        unsafe memory.bindMemory(to: Atomic<UInt32>.self, capacity: count)
    }

    /// Writes `word` into every granule word: metadata memory a donation just gave, before its region is
    /// published FINE. Nobody else can reach the words yet, so there is no scheduling point per word; the
    /// releasing store of the region's state publishes them.
    func fill(_ word: GranuleWord) {
        for index in 0..<count { unsafe words[index].store(word.rawValue, ordering: .relaxed) }
    }

    @inline(__always)
    private func point(_ index: Int, _ access: SharedAccess) {
        precondition(index >= 0 && index < count, "granule index out of the region")
        #if SCHEDULING_POINTS && !hasFeature(Embedded)
        if unsafe observer != nil { unsafe schedulingPoint(observer, location(index), access) }
        #endif
    }

    /// The scheduling point's name for granule `index`.
    func location(_ index: Int) -> SharedLocation {
        SharedLocation(.granule, base.rawValue + UInt64(index) << UInt64(granuleShift))
    }

    @inline(__always)
    func load(_ index: Int) -> GranuleWord {
        point(index, .load)
        return unsafe GranuleWord(rawValue: words[index].load(ordering: .acquiring))
    }

    /// Folds the words of `range` into `hash`, eight words per step in four independent lanes (one chain is bound by
    /// its multiply latency) that are then folded into `hash` in order: one changed word always changes the result.
    /// Plain loads, no scheduling points: for checkers at quiescent points only, where no CPU is inside a command (a
    /// concurrent change could be torn or missed).
    func hashQuiescent(_ range: Range<Int>, into hash: inout WordHash) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "granule range out of the region")
        var lanes = (WordHash(seed: 1), WordHash(seed: 2), WordHash(seed: 3), WordHash(seed: 4))
        let raw = unsafe UnsafeRawPointer(words)
        var index = range.lowerBound
        while index + 8 <= range.upperBound {
            let offset = index * 4
            let (first, second, third, fourth) = unsafe (
                raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)
            )
            lanes.0.combine(first)
            lanes.1.combine(second)
            lanes.2.combine(third)
            lanes.3.combine(fourth)
            index += 8
        }
        while index < range.upperBound {
            lanes.0.combine(UInt64(unsafe words[index].load(ordering: .relaxed)))
            index += 1
        }
        hash.combine(lanes.0.value)
        hash.combine(lanes.1.value)
        hash.combine(lanes.2.value)
        hash.combine(lanes.3.value)
    }

    /// Replaces `expected` with `desired`; acquiring so the new owner sees what the previous owner wrote. For
    /// claims of whole words: an unlocked, unreferenced granule in a known state.
    @inline(__always)
    func exchange(_ index: Int, expected: GranuleWord, desired: GranuleWord) -> Bool {
        point(index, .readModifyWrite)
        return unsafe words[index].compareExchange(
            expected: expected.rawValue, desired: desired.rawValue, successOrdering: .acquiringAndReleasing,
            failureOrdering: .acquiring
        ).exchanged
    }

    /// Publishes `state` for a granule the caller holds PARTIAL under its operation: only the state bits change. The
    /// lock bit may be set by another CPU that locked the granule to look at it (it sees PARTIAL and lets go,
    /// changing nothing), and stays as that CPU left it.
    @inline(__always)
    func publish(_ index: Int, _ state: GranuleState) {
        point(index, .readModifyWrite)
        var current = unsafe words[index].load(ordering: .relaxed)
        while true {
            unsafe firmwarePrecondition(
                current & GranuleWord.stateMask == UInt32(GranuleState.partial.rawValue),
                "publishing a granule its operation does not hold", observer: observer, at: location(index))
            let desired = (current & ~GranuleWord.stateMask) | UInt32(state.rawValue)
            // Releasing: whoever sees the new state sees the operation's work on the granule (the scrub).
            let (exchanged, original) = unsafe words[index].compareExchange(
                expected: current, desired: desired, successOrdering: .releasing, failureOrdering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Sets the lock bit if it is clear; answers the word as it was (lock bit clear), or `nil` if it was held.
    @inline(__always)
    func tryLock(_ index: Int) -> GranuleWord? {
        point(index, .readModifyWrite)
        // Acquiring: the holder sees everything the previous holder published with `unlock`.
        let old = unsafe words[index].bitwiseOr(GranuleWord.lockBit, ordering: .acquiring).oldValue
        return old & GranuleWord.lockBit == 0 ? GranuleWord(rawValue: old) : nil
    }

    /// Whether the lock bit is set now (a relaxed look while waiting; `tryLock` orders what follows).
    @inline(__always)
    func isLocked(_ index: Int) -> Bool {
        point(index, .load)
        return unsafe words[index].load(ordering: .relaxed) & GranuleWord.lockBit != 0
    }

    /// Releases the lock of a granule the caller holds, giving it `state` (`nil`: the state it has): only the state
    /// bits and the lock bit change; the reference count stays as other CPUs left it.
    @inline(__always)
    func unlock(_ index: Int, as state: GranuleState?) {
        point(index, .readModifyWrite)
        var current = unsafe words[index].load(ordering: .relaxed)
        while true {
            unsafe firmwarePrecondition(
                current & GranuleWord.lockBit != 0, "unlocking a granule that is not locked", observer: observer,
                at: location(index))
            unsafe firmwarePrecondition(
                state != .delegated || current & GranuleWord.refcountMask == 0,
                "a granule with references would become DELEGATED", observer: observer, at: location(index))
            var desired = current & ~GranuleWord.lockBit
            if let state { desired = (desired & ~GranuleWord.stateMask) | UInt32(state.rawValue) }
            // Releasing: the next holder (acquiring in `tryLock`) sees what this holder wrote.
            let (exchanged, original) = unsafe words[index].compareExchange(
                expected: current, desired: desired, successOrdering: .releasing, failureOrdering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Adds `delta` to the reference count, leaving the state and the lock bit as they are.
    @inline(__always)
    func adjustRefcount(_ index: Int, by delta: Int32) {
        point(index, .readModifyWrite)
        var current = unsafe words[index].load(ordering: .relaxed)
        while true {
            let word = GranuleWord(rawValue: current)
            let count = Int64(word.refcount) + Int64(delta)
            unsafe firmwarePrecondition(
                count >= 0 && count <= Int64(GranuleWord.maxRefcount), "granule refcount out of range",
                observer: observer, at: location(index))
            let desired = (current & ~GranuleWord.refcountMask) | UInt32(count) << 8
            // Relaxed: a count, ordered by the owner's lock that every adjusting command holds.
            let (exchanged, original) = unsafe words[index].compareExchange(
                expected: current, desired: desired, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Replaces the whole word, ignoring who owns which field: for tests that set up a state directly, never for
    /// commands.
    func _overwrite(_ index: Int, _ word: GranuleWord) {
        point(index, .store)
        unsafe words[index].store(word.rawValue, ordering: .releasing)
    }
}
