import Synchronization

/// The choice points explored so far, shared by all runs of one pass of an exhaustive exploration (and by every
/// thread exploring it): fingerprints in an open-addressing table whose size is bounded, behind one lock.
final class NodeMemo: Sendable {
    private let table: Mutex<FingerprintTable>

    /// A table that never holds more than `byteLimit` bytes of fingerprints (at least 4 KiB).
    init(byteLimit: Int = FingerprintTable.defaultByteLimit) { table = Mutex(FingerprintTable(byteLimit: byteLimit)) }

    /// Whether `fingerprint` is new (and records it).
    func visit(_ fingerprint: Fingerprint) -> Bool { table.withLock { $0.visit(fingerprint) } }
    /// Distinct choice points recorded (evicted ones included).
    var count: Int { table.withLock { $0.count } }
    /// Fingerprints that replaced another because the table was full and could not grow.
    var evictions: Int { table.withLock { $0.evictions } }
    /// Bytes the table holds now.
    var bytes: Int { table.withLock { $0.bytes } }
}

/// The fingerprint table of a `NodeMemo`.
///
/// While the table may grow it doubles at three-quarters full. Once doubling would pass `byteLimit`, it stops
/// growing and a new fingerprint whose probe window is full replaces one in the window (an *eviction*): the point
/// evicted is forgotten, and a later run that reaches it again explores its subtree again. Forgetting only costs
/// time: a memo cuts a subtree only for a point it remembers, so a smaller table never cuts more. The verdict
/// and the shortest counterexamples stay exact; the counts of schedules grow by the re-explored runs.
struct FingerprintTable {
    /// The largest table by default: 128 MiB of fingerprints (8 Mi slots).
    static let defaultByteLimit = 128 << 20
    /// Slots probed for one fingerprint before a full table evicts.
    private static let window = 32
    private static let slotBytes = MemoryLayout<Fingerprint>.stride

    private var slots: [Fingerprint]
    private var mask: Int
    private let slotLimit: Int
    /// Distinct choice points recorded (evicted ones included).
    private(set) var count = 0
    /// Fingerprints that replaced another because the table was full and could not grow.
    private(set) var evictions = 0

    /// A table that never holds more than `byteLimit` bytes of fingerprints (at least 4 KiB).
    init(byteLimit: Int) {
        var limit = 256
        while limit * 2 * Self.slotBytes <= byteLimit { limit *= 2 }
        slotLimit = limit
        let initial = Swift.min(limit, 1 << 12)
        slots = [Fingerprint](repeating: Fingerprint(low: 0, high: 0), count: initial)
        mask = initial - 1
    }

    /// Bytes the table holds now.
    var bytes: Int { slots.count * Self.slotBytes }

    /// Whether `fingerprint` is new (and records it).
    mutating func visit(_ fingerprint: Fingerprint) -> Bool {
        // The all-zero fingerprint marks an empty slot; a point that hashes to it is stored as (1, 0).
        let key = fingerprint.low == 0 && fingerprint.high == 0 ? Fingerprint(low: 1, high: 0) : fingerprint
        if let inserted = insert(key) { return inserted }
        if slots.count < slotLimit {
            grow()
            if let inserted = insert(key) { return inserted }
        }
        // Full, and may not grow: replace a slot of the window, chosen by the fingerprint's other half.
        evictions += 1
        count += 1
        slots[(Int(truncatingIfNeeded: key.low) &+ Int(truncatingIfNeeded: key.high % UInt64(Self.window))) & mask] =
            key
        return true
    }

    /// `true` if inserted, `false` if present, `nil` if the window is full or the table is too loaded to insert.
    private mutating func insert(_ key: Fingerprint) -> Bool? {
        var index = Int(truncatingIfNeeded: key.low) & mask
        for _ in 0..<Self.window {
            let slot = slots[index]
            if slot == key { return false }
            if slot.low == 0 && slot.high == 0 {
                if slots.count < slotLimit && (count + 1) * 4 > slots.count * 3 { return nil }
                slots[index] = key
                count += 1
                return true
            }
            index = (index + 1) & mask
        }
        return nil
    }

    private mutating func grow() {
        let old = slots
        slots = [Fingerprint](repeating: Fingerprint(low: 0, high: 0), count: old.count * 2)
        mask = slots.count - 1
        for key in old where key.low != 0 || key.high != 0 {
            var index = Int(truncatingIfNeeded: key.low) & mask
            var placed = false
            for _ in 0..<Self.window where !placed {
                if slots[index].low == 0 && slots[index].high == 0 {
                    slots[index] = key
                    placed = true
                }
                index = (index + 1) & mask
            }
            // A key that finds no room in its window is forgotten: an eviction like any other.
            if !placed { evictions += 1 }
        }
    }
}
