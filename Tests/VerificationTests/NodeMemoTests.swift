import CCAArch
import Testing

@testable import Verification

@Suite("NodeMemo and fingerprints")
struct NodeMemoTests {
    private func fingerprint(_ words: [UInt64]) -> Fingerprint {
        var hasher = FingerprintHasher()
        for word in words { hasher.combine(word) }
        return hasher.finalize()
    }

    @Test func aFingerprintIsTheSameInEveryProcess() {
        // Fixed values: Swift's Hasher would give other ones in the next process, and shards would disagree.
        #expect(fingerprint([]) == fingerprint([]))
        #expect(fingerprint([1, 2, 3]) == Fingerprint(low: 0xE78B_D8B4_064D_9095, high: 0xB382_B005_BBAE_37EE))
    }

    @Test func fingerprintsTellApartOrderPrefixesAndZeros() {
        let sequences: [[UInt64]] = [[], [0], [0, 0], [1, 2], [2, 1], [1], [1, 0], [0, 1]]
        #expect(Set(sequences.map(fingerprint)).count == sequences.count)
    }

    @Test func aPointIsNewOnlyTheFirstTime() {
        let memo = NodeMemo()
        #expect(memo.visit(fingerprint([7])))
        #expect(!memo.visit(fingerprint([7])))
        #expect(memo.visit(fingerprint([8])))
        #expect(memo.count == 2)
    }

    @Test func theAllZeroFingerprintIsStoredLikeAnyOther() {
        let memo = NodeMemo()
        #expect(memo.visit(Fingerprint(low: 0, high: 0)))
        #expect(!memo.visit(Fingerprint(low: 0, high: 0)))
    }

    @Test func aTableThatMayGrowRemembersEveryPoint() {
        let memo = NodeMemo(byteLimit: 64 << 20)
        for value in 0..<100_000 as Range<UInt64> { #expect(memo.visit(fingerprint([value])) || value < 0) }
        var forgotten = 0
        for value in 0..<100_000 as Range<UInt64> where memo.visit(fingerprint([value])) { forgotten += 1 }
        #expect(forgotten == 0)
        #expect(memo.evictions == 0)
        #expect(memo.count == 100_000)
    }

    @Test func aFullTableStaysWithinItsLimitAndForgetsInsteadOfGrowing() {
        let memo = NodeMemo(byteLimit: 64 << 10)
        for value in 0..<20_000 as Range<UInt64> { _ = memo.visit(fingerprint([value])) }
        #expect(memo.bytes <= 64 << 10)
        #expect(memo.evictions > 0)
        // Forgotten points are new again: re-exploration, never a cut of something unexplored.
        var newAgain = 0
        for value in 0..<20_000 as Range<UInt64> where memo.visit(fingerprint([value])) { newAgain += 1 }
        #expect(newAgain > 0)
    }
}
