public import CCAArch

/// What the RMM records about one granule: a debug view, not an architectural interface.
public struct GranuleInspection: Hashable, Sendable {
    public var state: GranuleState
    public var refcount: UInt32
    /// The tracking state of the region holding the granule.
    public var tracking: TrackingState
}

extension RealmManagementMonitor {
    /// The RMM's record of the granule at `pa`, or `nil` where no tracked memory covers it (before activation,
    /// in holes, in untracked regions).
    public func inspectGranule(at pa: PhysicalAddress) -> GranuleInspection? {
        guard let table, let region = table.region(containing: pa) else { return nil }
        let index = region.index(of: pa)
        let tracking = region.state
        guard region.isPopulated(index), tracking == .fine || tracking == .coarse else { return nil }
        let word = region.effectiveWord(index)
        return GranuleInspection(state: word.state, refcount: word.refcount, tracking: tracking)
    }

    /// Calls `body` for every run of granules that share one RMM state, across all tracked memory, in PA order.
    ///
    /// For the invariant checker and maps: cost is one load per granule. Call it at quiescent points; runs
    /// seen while other CPUs change granules may be stale.
    public func forEachGranuleRun(_ body: (PhysicalAddress, UInt64, GranuleInspection) -> Void) {
        guard let table else { return }
        let shift = UInt64(granuleSize.shift)
        for region in table.regions {
            let tracking = region.state
            guard tracking == .fine || tracking == .coarse else { continue }
            for populated in region.populated {
                var index = populated.lowerBound
                while index < populated.upperBound {
                    let word = region.effectiveWord(index)
                    var end = index + 1
                    if tracking == .coarse {
                        end = populated.upperBound
                    } else {
                        while end < populated.upperBound && region.words.load(end) == word { end += 1 }
                    }
                    let info = GranuleInspection(state: word.state, refcount: word.refcount, tracking: tracking)
                    body(region.address(ofIndex: index), UInt64(end - index) << shift, info)
                    index = end
                }
            }
        }
    }
}
