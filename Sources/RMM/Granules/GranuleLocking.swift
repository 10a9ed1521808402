import CCAArch
import FirmwareSync

extension RealmManagementMonitor {
    /// Locks the granule at `pa`, waiting while another CPU holds it; `nil` if `pa` is not delegable conventional
    /// memory with FINE tracking (the spec's `*_bound` conditions for object granules).
    ///
    /// Locking order (the reference's): a command locks the external object (the RD) before internal ones, and
    /// never waits for a lock while holding a granule of lower rank; two granules of one rank are locked in
    /// ascending PA order (`lockRealm(_:and:)`). Range commands wait only with `--lock-contention spin`, and only for
    /// the first granule of a run while they hold no granule lock (`fineTransition`).
    ///
    /// The table and the region are borrowed, not retained: commands on every CPU lock granules, and a retain of the
    /// one region object they share is an atomic read-modify-write of one cache line all of them contend on.
    func lockGranule(_ pa: PhysicalAddress) -> LockedGranule? {
        var locked: LockedGranule? = nil  // out through a capture: the lock token is noncopyable
        _ = withActiveRegion(containing: pa) { locked = lockGranule(pa, in: $0, donatedMetadata: $1) }
        return locked
    }

    /// Runs `body` with the region of the active granule table that holds `pa`, and whether the table's metadata is
    /// the host's, both borrowed (`withActiveTable`, `GranuleTable.withRegion`); `nil` when the RMM is not active or
    /// no region holds memory at `pa`.
    @inline(__always)
    func withActiveRegion<Result>(
        containing pa: PhysicalAddress, _ body: (TrackingRegion, _ donatedMetadata: Bool) -> Result
    ) -> Result? {
        withActiveTable { table in table.withRegion(containing: pa) { body($0, table.metadataIsDonated) } } ?? nil
    }

    /// `lockGranule` once the region holding `pa` is found.
    private func lockGranule(
        _ pa: PhysicalAddress, in region: TrackingRegion, donatedMetadata: Bool
    ) -> LockedGranule? {
        guard region.state == .fine, region.category == .conventional else { return nil }
        let index = region.index(of: pa)
        guard region.isPopulated(index) else { return nil }
        if donatedMetadata { return lockDonatedGranule(region, index, pa) }
        let words = region.words
        while true {
            if let word = words.tryLock(index) {
                let granule = LockedGranule(words: words, index: index, address: pa, state: word.state)
                // A tracking transition may have taken the region since the check above; it held every word
                // until the new state was out, so this look sees it. The granule is not FINE-tracked any more.
                guard region.state == .fine else { return nil }
                return granule
            }
            // Held by another CPU: look again only once it has been released.
            waitForRelease(words, index, pa)
        }
    }

    /// Waits until the granule `index` of `words` (at `pa`) is no longer locked; the caller then looks at it again.
    func waitForRelease(_ words: GranuleWords, _ index: Int, _ pa: PhysicalAddress) {
        unsafe waitingPoint(words.observer, SharedLocation(.granule, pa.rawValue))
        while words.isLocked(index) { unsafe waitingPoint(words.observer, SharedLocation(.granule, pa.rawValue)) }
    }

    /// `lockGranule` for a region whose granule words live in memory the host donated, which a transition away from
    /// FINE hands back: the command registers as a user of the region (`enter()`) for as long as it looks at the
    /// words, so no transition can take the region meanwhile (it answers RMI_BUSY), and it never reaches words a
    /// transition removed. Once it holds the lock, a transition away from FINE fails on it (RMI_BUSY) too. While a
    /// transition owns the region the command waits, unless the region is no longer FINE.
    private func lockDonatedGranule(_ region: TrackingRegion, _ index: Int, _ pa: PhysicalAddress) -> LockedGranule? {
        while !region.enter() {
            guard region.state == .fine else { return nil }
            waitingPoint(observer, SharedLocation(.trackingUsers, region.base.rawValue))
        }
        defer { region.leave() }
        guard region.state == .fine else { return nil }
        let words = region.words
        while true {
            if let word = words.tryLock(index) {
                return LockedGranule(words: words, index: index, address: pa, state: word.state)
            }
            waitForRelease(words, index, pa)
        }
    }

    /// Adds `delta` to the reference count of the granule at `pa`, which the caller knows is tracked, without
    /// taking its lock (as TF-RMM updates refcounts atomically). The caller holds the lock of the granule's owner.
    func adjustRefcount(_ pa: PhysicalAddress, by delta: Int32) {
        let adjusted: Void? = withActiveRegion(containing: pa) { region, _ in
            region.words.adjustRefcount(region.index(of: pa), by: delta)
        }
        guard adjusted != nil else { preconditionFailure("refcount of untracked granule") }
    }

    /// The unlocked word of a tracked granule. With host-supplied metadata the look is made as a user of the region
    /// (`nil` while a transition owns it), so the words cannot be handed back meanwhile.
    func granuleWord(_ pa: PhysicalAddress) -> GranuleWord? {
        withActiveRegion(containing: pa) { granuleWord(pa, in: $0, donatedMetadata: $1) } ?? nil
    }

    /// `granuleWord` once the region holding `pa` is found.
    private func granuleWord(_ pa: PhysicalAddress, in region: TrackingRegion, donatedMetadata: Bool) -> GranuleWord? {
        guard region.state == .fine else { return nil }
        if donatedMetadata {
            guard region.enter() else { return nil }
            defer { region.leave() }
            guard region.state == .fine else { return nil }
            return region.words.load(region.index(of: pa)).locked(false)
        }
        return region.words.load(region.index(of: pa)).locked(false)
    }

    // MARK: Object contents, kept in the object's own granule through the Realm PAS

    func readObject(_ pa: PhysicalAddress, _ offset: UInt64) -> UInt64 {
        guard let value = port.read64(pa + offset, space: .realm) else {
            preconditionFailure("RMM object granule not accessible through the Realm PAS")
        }
        return value
    }

    func writeObject(_ pa: PhysicalAddress, _ offset: UInt64, _ value: UInt64) {
        guard port.write64(value, at: pa + offset, space: .realm) else {
            preconditionFailure("RMM object granule not accessible through the Realm PAS")
        }
    }

    /// Zeroes an object granule before it takes a new role.
    func clearObject(_ pa: PhysicalAddress) {
        guard port.zero(pa, byteCount: granuleSize.bytes, space: .realm) else {
            preconditionFailure("RMM object granule not accessible through the Realm PAS")
        }
    }
}

extension RealmManagementMonitor {
    /// Locks a granule the calling command already owns through an object or operation (a realm's table, a REC's
    /// auxiliary granule, an operation's PARTIAL run), so it must be tracked: anything else is a broken invariant.
    func lockHeld(_ pa: PhysicalAddress, _ invariant: StaticString) -> LockedGranule {
        guard let granule = lockGranule(pa) else {
            firmwarePreconditionFailure(invariant, observer: observer, at: SharedLocation(.granule, pa.rawValue))
        }
        return granule
    }

    /// Locks the `count` granules from `base` in ascending order, each expected in `state` (and, for DELEGATED,
    /// unreferenced): all of them, or none with the status to answer (RMI_BLOCKED for a PARTIAL granule,
    /// RMI_ERROR_INPUT for anything else or for memory that is not delegable).
    func lockRun(
        _ base: PhysicalAddress, count: Int, expecting state: GranuleState
    ) throws(RMIStatusError) -> LockedGranuleRun {
        // Out through a capture, as in `lockGranule`.
        var outcome: Result<LockedGranuleRun, RMIStatusError> = .failure(RMIStatusError(.errorInput))
        _ = withActiveRegion(containing: base) { region, donatedMetadata in
            do throws(RMIStatusError) {
                outcome = .success(
                    try lockRun(base, count: count, expecting: state, in: region, donatedMetadata: donatedMetadata))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }

    /// `lockRun` once the region holding `base` is found.
    private func lockRun(
        _ base: PhysicalAddress, count: Int, expecting state: GranuleState, in region: TrackingRegion,
        donatedMetadata: Bool
    ) throws(RMIStatusError) -> LockedGranuleRun {
        guard region.state == .fine, region.category == .conventional, count > 0,
            base + (UInt64(count) << UInt64(granuleSize.shift)) <= region.top
        else { throw RMIStatusError(.errorInput) }
        let first = region.index(of: base)
        var run = LockedGranuleRun(words: region.words, first: first, base: base)
        for index in first..<(first + count) {
            guard region.isPopulated(index) else { throw RMIStatusError(.errorInput) }
            let pa = region.address(ofIndex: index)
            let granule = lockGranule(pa, in: region, donatedMetadata: donatedMetadata)!
            guard granule.state == state, state != .delegated || granule.refcount == 0 else {
                throw RMIStatusError(granule.state == .partial ? .blocked : .errorInput)
            }
            run.append(consume granule)
        }
        return run
    }
}
