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

    /// A hash of the RMM's whole tracking record: the lifecycle state, each region's tracking state and coarse unit,
    /// and every granule word (state, lock bit, reference count) of the memory in every region that has them. What the fuzzers' oracle compares
    /// before and after a call to see that a failure changed nothing: one pass over the metadata memory, eight
    /// bytes at a time. For checkers at quiescent points only.
    public func trackingFingerprint() -> UInt64 {
        var hash = WordHash()
        hash.combine(UInt64(lifecycleState.rawValue))
        guard let table else { return hash.value }
        for region in table.regions {
            hash.combine(region.base.rawValue)
            hash.combine(UInt64(region.state.rawValue) << 32 | UInt64(region.coarseWord.rawValue))
            // With host-supplied metadata a COARSE or NONE region has no granule words (its unit says it all).
            guard region.hasMetadata else { continue }
            for populated in region.populated { region.words.hashQuiescent(populated, into: &hash) }
        }
        return hash.value
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

extension RealmManagementMonitor {
    /// Calls `body` for every run of memory in a region tracked NONE, in PA order: memory the RMM does not track
    /// now, which must hold no delegated granule (so its GPI must be Non-secure). For the invariant checker, at
    /// quiescent points; nothing before activation (then no memory is tracked at all).
    public func forEachUntrackedRun(_ body: (PhysicalAddress, UInt64) -> Void) {
        guard let table else { return }
        let shift = UInt64(granuleSize.shift)
        for region in table.regions where region.state == .none {
            for populated in region.populated {
                body(region.address(ofIndex: populated.lowerBound), UInt64(populated.count) << shift)
            }
        }
    }
}

extension RealmManagementMonitor {
    /// Granules whose reference count does not match its owners: an RD must count its RECs, an RTT its live
    /// entries. For the invariant checker, at quiescent points; the cost is a read of every RTT entry.
    public func referenceCountViolations() -> [PhysicalAddress] {
        var violations: [PhysicalAddress] = []
        var rds: [(PhysicalAddress, UInt32)] = []
        var recOwners: [PhysicalAddress] = []
        let g = granuleSize.bytes
        forEachGranuleRun { base, size, info in
            var pa = base
            while pa < base + size {
                switch info.state {
                case .rd: rds.append((pa, info.refcount))
                case .rec: recOwners.append(PhysicalAddress(readObject(pa, RECField.owner)))
                case .rtt:
                    var live: UInt32 = 0
                    for i in 0..<entriesPerTable where RTTEntry(rawValue: readObject(pa, i * 8)).kind != .void {
                        live += 1
                    }
                    if live != info.refcount { violations.append(pa) }
                default: break
                }
                pa = pa + g
            }
        }
        for (rd, refcount) in rds where recOwners.filter({ $0 == rd }).count != Int(refcount) {
            violations.append(rd)
        }
        return violations
    }
}
