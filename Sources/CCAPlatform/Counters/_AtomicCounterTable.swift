import Synchronization

/// A fixed-size table of relaxed atomic counters, allocated once.
///
/// `Atomic` is not copyable, so a table of them lives in memory this type allocates and never moves; the pointer
/// is fenced in here. `@unchecked Sendable`: the pointer is immutable and every element is an `Atomic`.
@safe
final class _AtomicCounterTable: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Atomic<UInt64>>
    /// The number of counters.
    let count: Int

    init(count: Int) {
        precondition(count > 0, "an empty counter table")
        self.count = count
        // Cache-line aligned, so that a caller's rows of whole cache lines never share one.
        unsafe storage = UnsafeMutableRawPointer.allocate(
            byteCount: count * MemoryLayout<Atomic<UInt64>>.stride, alignment: 64
        ).bindMemory(to: Atomic<UInt64>.self, capacity: count)
        for index in 0..<count { unsafe (storage + index).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        unsafe storage.deinitialize(count: count)
        unsafe storage.deallocate()
    }

    /// Adds `value` to counter `index`, which any thread may add to. Wrapping (2^64 events never happen): the
    /// trapping `add` is a compare-and-exchange loop, this is one atomic add.
    @inline(__always)
    func add(_ value: UInt64, at index: Int) {
        precondition(index >= 0 && index < count, "counter index out of range")
        // Relaxed: a statistic that orders no other memory.
        unsafe storage[index].wrappingAdd(value, ordering: .relaxed)
    }

    /// Adds `value` to counter `index`, which only the calling thread writes (a CPU's own row: a CPU runs one SMC
    /// at a time). A load and a store, no read-modify-write: other threads still read whole values, and a caller
    /// that breaks the rule loses counts, nothing else.
    @inline(__always)
    func addUnshared(_ value: UInt64, at index: Int) {
        precondition(index >= 0 && index < count, "counter index out of range")
        let counter = unsafe storage + index
        unsafe counter.pointee.store(counter.pointee.load(ordering: .relaxed) &+ value, ordering: .relaxed)
    }

    /// The value of counter `index`.
    func load(_ index: Int) -> UInt64 {
        precondition(index >= 0 && index < count, "counter index out of range")
        // Relaxed: a statistic read on its own.
        return unsafe storage[index].load(ordering: .relaxed)
    }

    /// Sets counter `index` to `value`.
    func store(_ index: Int, _ value: UInt64) {
        precondition(index >= 0 && index < count, "counter index out of range")
        // Relaxed: a flag or statistic that publishes no other memory.
        unsafe storage[index].store(value, ordering: .relaxed)
    }
}
