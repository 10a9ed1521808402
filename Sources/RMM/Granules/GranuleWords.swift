import CCAArch
import Synchronization

/// The granule words of one tracking region, in metadata memory the platform gave the RMM.
///
/// The only place the RMM touches granule metadata through a raw pointer. Every access is atomic and names its
/// ordering: taking a granule (lock or state change that claims it) acquires, so the claimer sees the last
/// owner's writes; giving it up releases. Plain reads for inspection are relaxed.
struct GranuleWords: @unchecked Sendable {
    // @unchecked: the pointee is only ever reached through atomic operations.
    private let words: UnsafeMutablePointer<Atomic<UInt32>>
    let count: Int

    init(memory: UnsafeMutableRawPointer, count: Int) {
        // Zero-filled memory is a valid array of Atomic<UInt32>(0): UNDELEGATED, unlocked, refcount 0.
        self.words = memory.bindMemory(to: Atomic<UInt32>.self, capacity: count)
        self.count = count
    }

    @inline(__always)
    func load(_ index: Int) -> GranuleWord {
        GranuleWord(rawValue: words[index].load(ordering: .acquiring))
    }

    /// Replaces `expected` with `desired`; acquiring so the new owner sees what the previous owner wrote.
    @inline(__always)
    func exchange(_ index: Int, expected: GranuleWord, desired: GranuleWord) -> Bool {
        words[index].compareExchange(
            expected: expected.rawValue, desired: desired.rawValue, successOrdering: .acquiringAndReleasing,
            failureOrdering: .acquiring
        ).exchanged
    }

    /// Publishes a word the caller owns (it holds the lock, or the granule is PARTIAL under its operation).
    @inline(__always)
    func store(_ index: Int, _ word: GranuleWord) {
        words[index].store(word.rawValue, ordering: .releasing)
    }
}
