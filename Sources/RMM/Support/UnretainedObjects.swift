import CCAArch

/// Objects owned together, each also reachable without a retain, for the SMC path's lookups: the granule table's
/// regions, the CPUs' in-flight counts, the operation contexts. Reading a class reference out of an array retains
/// it and releases it after, two atomic read-modify-writes on a line every CPU reading the same object shares;
/// `withObject` and `withSortedSearch` lend the object instead, for as long as their body runs.
///
/// Noncopyable: it owns the unretained copy's memory and frees it when its owner goes.
@safe
struct UnretainedObjects<Element: AnyObject & Sendable>: ~Copyable, @unchecked Sendable {
    // @unchecked: `unretained` is written once, in init, and only read afterwards; the objects are Sendable.
    /// The objects, owned, in the order given.
    let all: [Element]
    /// The same objects, unretained, in the same order. They live as long as `all`.
    private let unretained: UnsafeMutableBufferPointer<Unmanaged<Element>>

    init(_ objects: [Element]) {
        all = objects
        unsafe unretained = .allocate(capacity: objects.count)
        for (index, object) in objects.enumerated() {
            unsafe unretained.initializeElement(at: index, to: .passUnretained(object))
        }
    }

    deinit { unsafe unretained.deallocate() }

    var count: Int { all.count }

    /// Runs `body` with object `index`, not retained.
    @inline(__always)
    func withObject<Result>(at index: Int, _ body: (Element) -> Result) -> Result {
        precondition(index >= 0 && index < all.count, "object index out of range")
        // A closure literal, not `body` itself: see `RealmManagementMonitor.withActiveTable`.
        return unsafe unretained[index]._withUnsafeGuaranteedRef { body($0) }
    }

    /// Runs `body` with the object a binary search by `order` finds (the objects sorted as `order` expects), not
    /// retained; `nil` if there is none.
    @inline(__always)
    func withSortedSearch<Result>(_ order: (Element) -> SearchOrder, _ body: (Element) -> Result) -> Result? {
        let found = unsafe unretained.sortedSearch { candidate in
            unsafe candidate._withUnsafeGuaranteedRef { order($0) }
        }
        guard let found = unsafe found else { return nil }
        return unsafe found._withUnsafeGuaranteedRef { body($0) }
    }
}
