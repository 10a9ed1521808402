/// A 128-bit fingerprint of a sequence of 64-bit words, the same in every process and on every machine.
///
/// The memo table keeps fingerprints of choice points instead of the points themselves (the way model checkers
/// such as SPIN and TLC keep state fingerprints): 16 bytes per point instead of a few arrays. Two distinct points
/// share a fingerprint with probability about n^2 / 2^129 for n points (below 10^-20 for 10^9 points); a clash would
/// cut a subtree that was not explored, which is why the fingerprint is this wide. Swift's `Hasher` is seeded per
/// process, so it would give shards and jobs different tables: this one is fixed.
///
/// Two lanes of multiply-rotate mixing over every word, each finished with MurmurHash3's 64-bit finaliser.
struct Fingerprint: Hashable, Sendable {
    var low: UInt64
    var high: UInt64
}

/// Accumulates words into a `Fingerprint`.
struct FingerprintHasher {
    private var laneA: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var laneB: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private var words: UInt64 = 0

    init() {}

    @inline(__always)
    mutating func combine(_ word: UInt64) {
        laneA = (laneA ^ (word &* 0x87C3_7B91_1142_53D5)).rotateLeft(31) &* 0x4CF5_AD43_2745_937F
        laneB = (laneB &+ (word ^ 0x52DC_E729_DA3E_D4F1)).rotateLeft(27) &* 0xFF51_AFD7_ED55_8CCD &+ laneA
        words &+= 1
    }

    @inline(__always)
    mutating func combine(_ value: Int) { combine(UInt64(bitPattern: Int64(value))) }

    @inline(__always)
    mutating func combine(_ flag: Bool) { combine(flag ? 1 as UInt64 : 0) }

    /// The fingerprint of the words combined so far (their count included, so that a prefix differs).
    func finalize() -> Fingerprint {
        let a = Self.mix(laneA ^ words)
        let b = Self.mix(laneB &+ a)
        return Fingerprint(low: a ^ b.rotateLeft(17), high: b)
    }

    /// MurmurHash3's fmix64.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotateLeft(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
