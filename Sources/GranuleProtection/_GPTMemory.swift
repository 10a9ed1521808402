import FirmwareSync
import Synchronization

/// The GPT's raw memory: the L0 descriptors, the L1 tables, and the bit locks. The only type that holds pointers.
///
/// Each L1 table is allocated with `sideWordCount` words of EL3 bookkeeping after its L1 words (the deferred-fusing
/// record, `_FuseDeferral`): not part of the architectural table, zero when the table is allocated.
///
/// Every word that more than one CPU touches is an `Atomic`, so checks read descriptors without a lock and without
/// a data race. L1 tables are allocated when an L0 region first becomes a Table and are freed only when the whole
/// GPT is: a check that loaded a Table descriptor just before the region folded back into a Block may still read
/// the old table, which must stay valid memory (on hardware the same window is closed by TLBI + DSB; this model
/// has no TLB to invalidate). Destroyed tables are parked and reused when their region becomes a Table again.
/// That is why the class may be `@unchecked Sendable`: all mutation goes through atomics, and no memory is
/// released while the object is reachable.
@safe
final class _GPTMemory: @unchecked Sendable {
    let l0Count: Int
    let l1WordCount: Int
    /// Bookkeeping words allocated after each table's L1 words.
    let sideWordCount: Int
    let lockCount: Int
    private let l0: UnsafeMutablePointer<Atomic<UInt64>>
    /// The address of each L0 region's L1 words (0 while none has been allocated).
    private let l1Tables: UnsafeMutablePointer<Atomic<UInt>>
    /// One bit per lock block, 64 to a word.
    private let locks: UnsafeMutablePointer<Atomic<UInt64>>
    /// One bit per lock block, 64 to a word: the block has changes waiting to settle (`_FuseDeferral`).
    private let pending: UnsafeMutablePointer<Atomic<UInt64>>
    private let lockWordCount: Int
    /// Who watches the bit locks (the steps other CPUs contend on), if anyone.
    unowned(unsafe) let observer: (any SchedulingObserver)?

    init(
        l0Count: Int, l1WordCount: Int, sideWordCount: Int = 0, lockCount: Int, initialL0: UInt64,
        observer: (any SchedulingObserver)?
    ) {
        precondition(l0Count > 0 && l1WordCount > 0 && lockCount > 0 && sideWordCount >= 0, "empty GPT geometry")
        self.l0Count = l0Count
        self.l1WordCount = l1WordCount
        self.sideWordCount = sideWordCount
        self.lockCount = lockCount
        self.lockWordCount = (lockCount + 63) / 64
        unsafe self.observer = observer
        let l0 = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: l0Count)
        let l1Tables = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: l0Count)
        let locks = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: lockWordCount)
        let pending = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: lockWordCount)
        unsafe self.pending = pending
        unsafe self.l0 = l0
        unsafe self.l1Tables = l1Tables
        unsafe self.locks = locks
        for index in 0..<l0Count {
            unsafe (l0 + index).initialize(to: Atomic(initialL0))
            unsafe (l1Tables + index).initialize(to: Atomic(0))
        }
        for index in 0..<lockWordCount {
            unsafe (locks + index).initialize(to: Atomic(0))
            unsafe (pending + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        for index in 0..<l0Count {
            let address = unsafe l1Tables[index].load(ordering: .relaxed)
            if address != 0, let words = unsafe UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: address) {
                unsafe words.deinitialize(count: l1WordCount + sideWordCount)
                unsafe words.deallocate()
            }
        }
        unsafe l0.deinitialize(count: l0Count)
        unsafe l0.deallocate()
        unsafe l1Tables.deinitialize(count: l0Count)
        unsafe l1Tables.deallocate()
        unsafe locks.deinitialize(count: lockWordCount)
        unsafe pending.deinitialize(count: lockWordCount)
        unsafe pending.deallocate()
        unsafe locks.deallocate()
    }

    // MARK: L0 descriptors

    /// Loads L0 descriptor `index`.
    ///
    /// Acquiring: it pairs with the releasing store that publishes a Table descriptor, so a reader that sees the
    /// Table also sees the L1 table's initial contents written before it.
    @inline(__always)
    func loadL0(_ index: Int) -> UInt64 {
        precondition(index >= 0 && index < l0Count, "L0 index out of the table")
        return unsafe l0[index].load(ordering: .acquiring)
    }

    /// Stores L0 descriptor `index`; releasing, to publish everything written to the region's L1 table before it.
    func storeL0(_ index: Int, _ value: UInt64) {
        precondition(index >= 0 && index < l0Count, "L0 index out of the table")
        unsafe l0[index].store(value, ordering: .releasing)
    }

    // MARK: L1 tables

    /// The L1 table of L0 region `index`, if one was ever allocated.
    @inline(__always)
    func l1(_ index: Int) -> _L1Words? {
        precondition(index >= 0 && index < l0Count, "L0 index out of the table")
        // Acquiring: pairs with the releasing publication in `l1Allocating`, so the table's initialised words are
        // visible to whoever sees its address.
        let address = unsafe l1Tables[index].load(ordering: .acquiring)
        guard let words = unsafe UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: address) else { return nil }
        return unsafe _L1Words(base: words, count: l1WordCount, sideCount: sideWordCount)
    }

    /// The L1 table of L0 region `index`, allocated (every word `fill`, every bookkeeping word 0) if there is none.
    /// The caller holds every lock of the region, so no other writer races the allocation.
    func l1Allocating(_ index: Int, fill: UInt64) -> _L1Words {
        if let table = l1(index) { return table }
        let words = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: l1WordCount + sideWordCount)
        for word in 0..<l1WordCount {
            unsafe (words + word).initialize(to: Atomic(fill))
        }
        for word in l1WordCount..<l1WordCount + sideWordCount {
            unsafe (words + word).initialize(to: Atomic(0))
        }
        unsafe l1Tables[index].store(UInt(bitPattern: words), ordering: .releasing)
        return unsafe _L1Words(base: words, count: l1WordCount, sideCount: sideWordCount)
    }

    // MARK: Lock blocks with changes waiting to settle

    /// Marks lock block `index` as having changes waiting to settle, or not. The holder of the block's lock sets it;
    /// relaxed, because it is only a hint: whoever acts on it takes the lock and looks at the block's own record.
    func setPending(_ index: Int, _ value: Bool) {
        precondition(index >= 0 && index < lockCount, "lock index out of range")
        let bit: UInt64 = 1 << UInt64(index & 63)
        let word = unsafe pending[index >> 6].load(ordering: .relaxed)
        guard (word & bit != 0) != value else { return }
        if value {
            unsafe pending[index >> 6].bitwiseOr(bit, ordering: .relaxed)
        } else {
            unsafe pending[index >> 6].bitwiseAnd(~bit, ordering: .relaxed)
        }
    }

    /// The first lock block at or after `start`, wrapping around, marked as having changes waiting; `nil` if none.
    func nextPending(from start: Int) -> Int? {
        let first = start < lockCount ? start : start % lockCount
        // Word by word from the first, wrapping once, with no division per word; the first word comes round again
        // at the end for the bits below `first`.
        var wordIndex = first >> 6
        for step in 0...lockWordCount {
            // Relaxed: a hint (see `setPending`).
            var word = unsafe pending[wordIndex].load(ordering: .relaxed)
            if step == 0 { word &= ~0 << UInt64(first & 63) }
            if word != 0 { return wordIndex << 6 + word.trailingZeroBitCount }
            wordIndex = wordIndex + 1 == lockWordCount ? 0 : wordIndex + 1
        }
        return nil
    }

    // MARK: Bit locks

    /// Tries to take lock `index` without waiting.
    ///
    /// Acquiring on success: the critical section must see every GPT write of the previous holder, which released
    /// them with `unlock`.
    func tryLock(_ index: Int) -> Bool {
        precondition(index >= 0 && index < lockCount, "lock index out of range")
        let bit: UInt64 = 1 << UInt64(index & 63)
        unsafe schedulingPoint(observer, SharedLocation(.gptLock, UInt64(index)), .readModifyWrite)
        let old = unsafe locks[index >> 6].bitwiseOr(bit, ordering: .acquiring).oldValue
        return old & bit == 0
    }

    /// Takes lock `index`, spinning while another CPU holds it.
    func lock(_ index: Int) {
        let bit: UInt64 = 1 << UInt64(index & 63)
        let location = SharedLocation(.gptLock, UInt64(index))
        while !tryLock(index) {
            // Relaxed: this only waits for the bit to clear; `tryLock` supplies the ordering once it is taken.
            repeat {
                unsafe waitingPoint(observer, location)
                unsafe schedulingPoint(observer, location, .load)
            } while unsafe locks[index >> 6].load(ordering: .relaxed) & bit != 0
        }
    }

    /// Releases lock `index`; releasing, so the next holder sees this holder's writes.
    func unlock(_ index: Int) {
        precondition(index >= 0 && index < lockCount, "lock index out of range")
        let bit: UInt64 = 1 << UInt64(index & 63)
        unsafe schedulingPoint(observer, SharedLocation(.gptLock, UInt64(index)), .readModifyWrite)
        let old = unsafe locks[index >> 6].bitwiseAnd(~bit, ordering: .releasing).oldValue
        precondition(old & bit != 0, "unlocking a GPT lock that is not held")
    }
}

/// The words of one L1 table, and EL3's bookkeeping words after them. Valid while the owning `_GPTMemory` is
/// alive.
@safe
struct _L1Words {
    private let base: UnsafeMutablePointer<Atomic<UInt64>>
    let count: Int
    /// Bookkeeping words after the L1 words.
    let sideCount: Int

    init(base: UnsafeMutablePointer<Atomic<UInt64>>, count: Int, sideCount: Int) {
        unsafe self.base = base
        self.count = count
        self.sideCount = sideCount
    }

    /// Loads word `index`.
    ///
    /// Acquiring: a reader that observes a GPI written by a transition must also observe what the transition's
    /// owner did before publishing it, the guarantee the DSB after a GPT write gives on hardware.
    @inline(__always)
    func load(_ index: Int) -> UInt64 {
        precondition(index >= 0 && index < count, "L1 word index out of the table")
        return unsafe base[index].load(ordering: .acquiring)
    }

    /// Stores word `index`; releasing, the pair of `load`.
    @inline(__always)
    func store(_ index: Int, _ value: UInt64) {
        precondition(index >= 0 && index < count, "L1 word index out of the table")
        unsafe base[index].store(value, ordering: .releasing)
    }

    /// Stores `value` in every word of `range`, each store releasing as `store`; the range is checked once.
    @inline(__always)
    func store(_ range: Range<Int>, _ value: UInt64) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "L1 word range out of the table")
        for index in range { unsafe base[index].store(value, ordering: .releasing) }
    }

    /// Whether every word of `range` is `value`, each load acquiring as `load`; the range is checked once.
    @inline(__always)
    func allEqual(_ range: Range<Int>, _ value: UInt64) -> Bool {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "L1 word range out of the table")
        for index in range where unsafe base[index].load(ordering: .acquiring) != value { return false }
        return true
    }

    /// Loads bookkeeping word `index`.
    ///
    /// Relaxed: bookkeeping words are read and written only by the holder of the lock block they describe (or of
    /// every lock of the region), whose lock orders them.
    @inline(__always)
    func loadSide(_ index: Int) -> UInt64 {
        precondition(index >= 0 && index < sideCount, "bookkeeping word index out of the table")
        return unsafe base[count + index].load(ordering: .relaxed)
    }

    /// Stores bookkeeping word `index`; relaxed, as `loadSide`.
    @inline(__always)
    func storeSide(_ index: Int, _ value: UInt64) {
        precondition(index >= 0 && index < sideCount, "bookkeeping word index out of the table")
        unsafe base[count + index].store(value, ordering: .relaxed)
    }
}
