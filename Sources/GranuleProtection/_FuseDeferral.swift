import CCAArch

/// The fusing hysteresis (`GPTOptions.eagerFuseLimit`, `GPTOptions.fuseDelay`): which parts of each L1 table
/// changed lately, and the fusing of those that have stayed unchanged long enough.
///
/// Time is counted per lock block, in transitions: each lock block has a clock that a transition changing any of its
/// granules advances by one. The table is cut into units of the first contiguous size above the eager limit (32 MB
/// by default); a change stamps each unit it touches with the clock. A stamped unit is pending; once its stamp is
/// `delay` transitions old it has settled: its stamp is cleared and it is fused, as are the larger blocks around it
/// whose units are all settled. Each lock block also keeps a deadline, the clock value at which its oldest pending
/// unit settles (0 when none is pending), so a transition looks at the stamps only when one is due.
///
/// A lock block no transition changes any more would never settle on its own clock, so every `visitInterval`-th
/// transition of a lock block also visits one other lock block with pending units (round robin, with a try-lock)
/// and advances its clock by one: a quiet block settles after `delay` visits.
///
/// The record lives in the bookkeeping words after each table's L1 words (`_L1Words.loadSide`): the clocks of the
/// table's lock blocks, then their deadlines, then the unit stamps. It is read and written only under the lock of
/// the lock block it describes.
struct _FuseDeferral {
    /// The largest contiguous block fused at all.
    let largest: GPTContiguousSize?
    /// The largest contiguous block a transition fuses at once.
    let eager: GPTContiguousSize?
    /// The size of a unit: the first size fused only once settled; `nil` when nothing is deferred.
    let unit: GPTContiguousSize?
    /// log2 of the granules in a unit and in a lock block.
    let unitGranuleShift: Int
    let lockGranuleShift: Int
    let locksPerTable: Int
    let unitsPerTable: Int
    /// Transitions of its lock block a unit must stay unchanged before it settles (at least 1).
    let delay: UInt64
    /// A transition whose lock block's clock reaches a multiple of this visits a quiet block.
    static let visitInterval: UInt64 = 16

    /// The record for a table of 2^`tableGranuleShift` granules of 2^`granuleShift` bytes, locked in blocks of
    /// 2^`options.lockBlockShift` bytes (already checked to lie between the largest contiguous block and the table).
    init(options: GPTOptions, granuleShift: Int, tableGranuleShift: Int) {
        let largest = options.largestContiguousBlock
        self.largest = largest
        let eager = largest.flatMap { largest in options.eagerFuseLimit.map { min($0, largest) } }
        self.eager = eager
        var unit: GPTContiguousSize?
        if let largest {
            let next: GPTContiguousSize? =
                if let eager { GPTContiguousSize(rawValue: eager.rawValue + 1) } else { .size2MB }
            if let next, next <= largest { unit = next }
        }
        self.unit = unit
        unitGranuleShift = (unit?.shift ?? tableGranuleShift + granuleShift) - granuleShift
        lockGranuleShift = options.lockBlockShift - granuleShift
        locksPerTable = 1 << (tableGranuleShift - lockGranuleShift)
        unitsPerTable = 1 << (tableGranuleShift - unitGranuleShift)
        delay = UInt64(max(1, options.fuseDelay))
    }

    /// Bookkeeping words each table needs: none when nothing is deferred.
    var sideWordCount: Int { unit == nil ? 0 : 2 * locksPerTable + unitsPerTable }

    private func deadlineIndex(_ lock: Int) -> Int { locksPerTable + lock }
    private func stampIndex(_ unit: Int) -> Int { 2 * locksPerTable + unit }

    /// Records a transition that changed granules `changed` (table granule indices, all in one lock block, whose
    /// lock the caller holds), after its writes and its eager fusing, and fuses what has settled since.
    ///
    /// - Returns: whether the transition is due to visit a quiet block, and whether its own block has units pending.
    func record(_ changed: Range<Int>, writer: inout _L1Writer) -> (visit: Bool, pending: Bool) {
        guard unit != nil, !changed.isEmpty else { return (false, false) }
        let table = writer.table
        let lock = changed.lowerBound >> lockGranuleShift
        let now = table.loadSide(lock) + 1
        table.storeSide(lock, now)
        for unit in (changed.lowerBound >> unitGranuleShift)...((changed.upperBound - 1) >> unitGranuleShift) {
            table.storeSide(stampIndex(unit), now)
        }
        let deadline = table.loadSide(deadlineIndex(lock))
        var pending = true
        if deadline == 0 {
            table.storeSide(deadlineIndex(lock), now + delay)
        } else if now >= deadline {
            pending = settle(lock: lock, now: now, writer: &writer)
        }
        return (now % Self.visitInterval == 0, pending)
    }

    /// Advances the clock of lock block `lock` (whose lock the caller holds) by one, as if time had passed without
    /// a change, and fuses what has settled: a visit to a quiet block.
    ///
    /// - Returns: whether the block still has units pending.
    func age(lock: Int, writer: inout _L1Writer) -> Bool {
        guard unit != nil else { return false }
        let table = writer.table
        let deadline = table.loadSide(deadlineIndex(lock))
        guard deadline != 0 else { return false }
        let now = table.loadSide(lock) + 1
        table.storeSide(lock, now)
        return now >= deadline ? settle(lock: lock, now: now, writer: &writer) : true
    }

    /// Clears the stamps of lock block `lock`'s units that are `delay` old and fuses around each; keeps the others
    /// pending and sets the deadline to the first of them. Returns whether any is still pending.
    private func settle(lock: Int, now: UInt64, writer: inout _L1Writer) -> Bool {
        let table = writer.table
        let first = (lock << lockGranuleShift) >> unitGranuleShift
        let end = first + (1 << (lockGranuleShift - unitGranuleShift))
        var next: UInt64 = 0
        for unit in first..<end {
            let stamp = table.loadSide(stampIndex(unit))
            guard stamp != 0 else { continue }
            guard now - stamp >= delay else {
                next = next == 0 ? stamp + delay : min(next, stamp + delay)
                continue
            }
            table.storeSide(stampIndex(unit), 0)
            writer.fuse(around: (unit << unitGranuleShift)..<((unit + 1) << unitGranuleShift), through: largest) {
                isSettled(table, firstWord: $0, size: $1)
            }
        }
        table.storeSide(deadlineIndex(lock), next)
        return next != 0
    }

    /// Whether every unit of the block of `size` at word `firstWord` has settled (blocks no larger than a unit
    /// always have: their unit was just cleared, or they are within the eager limit).
    private func isSettled(_ table: _L1Words, firstWord: Int, size: GPTContiguousSize) -> Bool {
        guard let unit, size > unit else { return true }
        let firstUnit = (firstWord << 4) >> unitGranuleShift
        let units = 1 << (size.shift - unit.shift)
        for index in firstUnit..<firstUnit + units where table.loadSide(stampIndex(index)) != 0 { return false }
        return true
    }

    /// Fuses every uniform block of lock block `lock`, settled or not, and forgets its pending units: the explicit
    /// compaction step. The caller holds the lock.
    func compact(lock: Int, writer: inout _L1Writer) {
        let low = lock << lockGranuleShift
        writer.fuse(around: low..<low + (1 << lockGranuleShift), through: largest)
        guard unit != nil else { return }
        let table = writer.table
        let first = low >> unitGranuleShift
        for unit in first..<first + (1 << (lockGranuleShift - unitGranuleShift)) {
            table.storeSide(stampIndex(unit), 0)
        }
        table.storeSide(deadlineIndex(lock), 0)
    }
}
