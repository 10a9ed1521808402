public import CCAArch

/// The RMM's metadata for one granule: a 32-bit word, updated atomically.
///
/// Bits 4:0 the `GranuleState`, bits 23:8 the reference count, bit 31 the lock. An all-zero word is an
/// unlocked UNDELEGATED granule with no references, so zero-filled metadata memory is a valid table.
@frozen
public struct GranuleWord: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable
    public init(state: GranuleState, refcount: UInt32 = 0, locked: Bool = false) {
        precondition(refcount <= Self.maxRefcount, "granule refcount overflow")
        rawValue = UInt32(state.rawValue) | refcount << 8 | (locked ? Self.lockBit : 0)
    }

    /// The lock bit (31).
    public static let lockBit: UInt32 = 1 << 31
    /// Largest reference count (16 bits).
    public static let maxRefcount: UInt32 = 0xFFFF
    /// The state bits (4:0).
    public static let stateMask: UInt32 = 0x1F
    /// The reference count bits (23:8).
    public static let refcountMask: UInt32 = 0xFFFF << 8

    @inlinable
    public var state: GranuleState {
        guard let state = GranuleState(rawValue: UInt8(truncatingIfNeeded: rawValue & Self.stateMask)) else {
            preconditionFailure("corrupt granule word")
        }
        return state
    }

    @inlinable
    public var refcount: UInt32 { (rawValue >> 8) & Self.maxRefcount }

    @inlinable
    public var isLocked: Bool { rawValue & Self.lockBit != 0 }

    /// This word with the lock bit set or cleared.
    @inlinable
    public func locked(_ locked: Bool) -> GranuleWord {
        GranuleWord(rawValue: locked ? rawValue | Self.lockBit : rawValue & ~Self.lockBit)
    }
}
