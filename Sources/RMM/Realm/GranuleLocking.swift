import CCAArch

/// A granule whose lock the calling command holds.
struct LockedGranule {
    let region: TrackingRegion
    let index: Int
    /// The word as it was when locked (lock bit clear).
    let word: GranuleWord
    let address: PhysicalAddress

    var state: GranuleState { word.state }
}

extension RealmManagementMonitor {
    /// Locks the granule at `pa`, waiting while another CPU holds it; `nil` if `pa` is not delegable conventional
    /// memory with FINE tracking (the spec's `*_bound` conditions for object granules).
    ///
    /// Locking order (the reference's): a command locks the external object (the RD) before internal ones, and
    /// never waits for a lock while holding a granule of lower rank. Range commands never wait at all.
    func lockGranule(_ pa: PhysicalAddress) -> LockedGranule? {
        guard let table, let region = table.region(containing: pa), region.state == .fine,
            region.category == .conventional
        else { return nil }
        let index = region.index(of: pa)
        guard region.isPopulated(index) else { return nil }
        while true {
            let word = region.words.load(index)
            if !word.isLocked && region.words.exchange(index, expected: word, desired: word.locked(true)) {
                return LockedGranule(region: region, index: index, word: word, address: pa)
            }
        }
    }

    /// Publishes `word` (unlocked) for a granule this command locked.
    func unlock(_ granule: LockedGranule, as word: GranuleWord) {
        granule.region.words.store(granule.index, word.locked(false))
    }

    /// Unlocks a granule without changing it.
    func unlock(_ granule: LockedGranule) { unlock(granule, as: granule.word) }

    /// Adds `delta` to the reference count of the granule at `pa`, which the caller knows is tracked, without
    /// taking its lock (as TF-RMM updates refcounts atomically).
    func adjustRefcount(_ pa: PhysicalAddress, by delta: Int32) {
        guard let region = table?.region(containing: pa) else { preconditionFailure("refcount of untracked granule") }
        let index = region.index(of: pa)
        while true {
            let word = region.words.load(index)
            let count = Int64(word.refcount) + Int64(delta)
            precondition(count >= 0 && count <= Int64(GranuleWord.maxRefcount), "granule refcount out of range")
            let updated = GranuleWord(state: word.state, refcount: UInt32(count), locked: word.isLocked)
            if region.words.exchange(index, expected: word, desired: updated) { return }
        }
    }

    /// The unlocked word of a tracked granule.
    func granuleWord(_ pa: PhysicalAddress) -> GranuleWord? {
        guard let region = table?.region(containing: pa), region.state == .fine else { return nil }
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
