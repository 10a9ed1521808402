/// A set of addresses kept as sorted, disjoint, non-adjacent half-open extents `[lower, upper)`.
///
/// The one data structure behind the page allocator's free list, the leak ledger and the host's record of what it
/// delegated. Simple and linear on purpose: correctness is easy to see, and the host keeps few extents.
/// Not thread-safe: every owner keeps it behind a `Mutex`.
struct _ExtentSet: Hashable, Sendable {
    /// The extents, sorted by `lowerBound`, pairwise disjoint and never touching.
    private(set) var extents: [Range<UInt64>] = []

    init() {}

    /// Total bytes covered.
    var byteCount: UInt64 { extents.reduce(0) { $0 + $1.byteWidth } }

    var isEmpty: Bool { extents.isEmpty }

    /// Whether `address` lies in one of the extents.
    func contains(_ address: UInt64) -> Bool {
        extents.contains { $0.contains(address) }
    }

    /// Bytes of `range` that the set covers.
    func overlap(with range: Range<UInt64>) -> UInt64 {
        var total: UInt64 = 0
        for extent in extents where extent.overlaps(range) {
            let clamped = extent.clamped(to: range)
            total += clamped.byteWidth
        }
        return total
    }

    /// Adds `range`, merging it with every extent it overlaps or touches.
    mutating func insert(_ range: Range<UInt64>) {
        guard !range.isEmpty else { return }
        var lower = range.lowerBound
        var upper = range.upperBound
        var kept: [Range<UInt64>] = []
        kept.reserveCapacity(extents.count + 1)
        var inserted = false
        for extent in extents {
            if extent.upperBound < lower {
                kept.append(extent)
            } else if extent.lowerBound > upper {
                if !inserted {
                    kept.append(lower..<upper)
                    inserted = true
                }
                kept.append(extent)
            } else {
                lower = Swift.min(lower, extent.lowerBound)
                upper = Swift.max(upper, extent.upperBound)
            }
        }
        if !inserted { kept.append(lower..<upper) }
        extents = kept
        _checkInvariants()
    }

    /// Removes `range` from the set, splitting extents it cuts through.
    mutating func remove(_ range: Range<UInt64>) {
        guard !range.isEmpty else { return }
        var kept: [Range<UInt64>] = []
        kept.reserveCapacity(extents.count + 1)
        for extent in extents {
            guard extent.overlaps(range) else {
                kept.append(extent)
                continue
            }
            if extent.lowerBound < range.lowerBound { kept.append(extent.lowerBound..<range.lowerBound) }
            if range.upperBound < extent.upperBound { kept.append(range.upperBound..<extent.upperBound) }
        }
        extents = kept
        _checkInvariants()
    }

    /// The lowest address `a` with `a % alignment == 0` such that `[a, a + size)` lies inside one extent.
    /// `alignment` is a power of two; `size` is not zero.
    func firstFit(size: UInt64, alignment: UInt64) -> UInt64? {
        precondition(size != 0 && alignment != 0 && alignment & (alignment &- 1) == 0, "bad fit request")
        for extent in extents {
            let (bumped, overflow) = extent.lowerBound.addingReportingOverflow(alignment &- 1)
            guard !overflow else { continue }
            let start = bumped & ~(alignment &- 1)
            guard start < extent.upperBound, extent.upperBound - start >= size else { continue }
            return start
        }
        return nil
    }

    /// Whether `range` lies entirely inside the set.
    func covers(_ range: Range<UInt64>) -> Bool {
        range.isEmpty || overlap(with: range) == range.byteWidth
    }

    /// Checks sortedness, disjointness and non-adjacency when `RMIHOST_CHECK_INVARIANTS` is defined; free otherwise.
    @inline(__always)
    func _checkInvariants() {
        #if RMIHOST_CHECK_INVARIANTS
        for (left, right) in zip(extents, extents.dropFirst()) {
            precondition(!left.isEmpty && left.upperBound < right.lowerBound, "extent set out of order")
        }
        #endif
    }
}

extension Range where Bound == UInt64 {
    /// `upperBound - lowerBound`, without `count`'s conversion to `Int` (which traps past 2^63).
    var byteWidth: UInt64 { upperBound - lowerBound }
}
