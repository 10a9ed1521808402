/// A fast hash of a sequence of 64-bit words, for change detection by checkers (did anything change between two
/// snapshots?), not for hash tables or security.
///
/// Each word is folded in with an exclusive or, a multiply by an odd constant and a rotation: a bijection of the
/// state for every word, so one changed word always changes the result. The rotation carries differences in the
/// top bits back down, where the next multiply spreads them: in plain FNV-1a a change in bit 63 stays in bit 63,
/// and two such changes cancel.
@frozen
public struct WordHash: Hashable, Sendable {
    /// The hash of the words folded in so far.
    @inlinable
    public var value: UInt64 { _value }
    @usableFromInline var _value: UInt64

    /// An empty hash; different seeds start independent lanes.
    @inlinable
    public init(seed: UInt64 = 0xCBF2_9CE4_8422_2325) { _value = seed }

    @inlinable
    @inline(__always)
    public mutating func combine(_ word: UInt64) {
        let product = (_value ^ word) &* 0x9E37_79B9_7F4A_7C15
        _value = product << 27 | product >> 37
    }
}
