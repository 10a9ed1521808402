import CCAArch

/// A granule whose lock the calling command holds: the only way to change a granule's state under its lock.
///
/// Not copyable, so there is one holder and one release. The release is the token's end: `unlock(as:)` consumes
/// it and publishes a new state; letting the token go out of scope (any return, any throw) releases the lock with
/// the state unchanged, so no path can return holding a granule or release it twice. Either way only the state
/// and the lock bit change (see `GranuleWords` for who owns which field): a reference another CPU added while
/// the granule was locked survives.
struct LockedGranule: ~Copyable {
    let words: GranuleWords
    let index: Int
    let address: PhysicalAddress
    /// The state when locked. Only the holder can change it, so it stays true until the release.
    let state: GranuleState
    /// What the token's end does.
    private var release = Release.unchanged

    private enum Release {
        /// Unlock, the state as it was.
        case unchanged
        /// Unlock, the granule now in this state.
        case state(GranuleState)
        /// Nothing: a `LockedGranuleRun` took the lock over.
        case transferred
    }

    init(words: GranuleWords, index: Int, address: PhysicalAddress, state: GranuleState) {
        self.words = words
        self.index = index
        self.address = address
        self.state = state
    }

    /// The reference count now. Stable only while the caller also holds the lock of the granule's owner.
    var refcount: UInt32 { words.load(index).refcount }

    /// Releases the lock, the granule now in `newState`.
    consuming func unlock(as newState: GranuleState) { release = .state(newState) }

    /// Releases the lock, the state unchanged.
    consuming func unlock() {}

    /// Hands the lock to a `LockedGranuleRun`, which releases it.
    consuming func transfer() { release = .transferred }

    deinit {
        switch release {
        case .unchanged: words.unlock(index, as: nil)
        case .state(let newState): words.unlock(index, as: newState)
        case .transferred: break
        }
    }
}

/// Consecutive granules of one tracking region whose locks the calling command holds, in ascending order: a
/// realm's starting tables. Released together, like `LockedGranule`.
struct LockedGranuleRun: ~Copyable {
    let words: GranuleWords
    let first: Int
    let base: PhysicalAddress
    private(set) var count = 0
    private var releaseState: GranuleState? = nil

    init(words: GranuleWords, first: Int, base: PhysicalAddress) {
        self.words = words
        self.first = first
        self.base = base
    }

    /// Takes over the lock of the next granule of the run.
    mutating func append(_ granule: consuming LockedGranule) {
        precondition(granule.index == first + count, "a run grows by the next granule")
        granule.transfer()
        count += 1
    }

    /// Releases every lock, each granule now in `newState`.
    consuming func unlock(as newState: GranuleState) { releaseState = newState }

    deinit {
        for index in first..<(first + count) { words.unlock(index, as: releaseState) }
    }
}
