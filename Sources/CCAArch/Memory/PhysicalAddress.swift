/// A physical address.
///
/// A plain 64-bit value with the arithmetic the model needs; it says nothing about which physical address space
/// (PAS) an access uses. That is the `SecurityState` of the access.
@frozen
public struct PhysicalAddress: RawRepresentable, Hashable, Comparable, Sendable {
    public var rawValue: UInt64

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    @inlinable
    public init(_ value: UInt64) { self.rawValue = value }

    @inlinable
    public static func < (lhs: PhysicalAddress, rhs: PhysicalAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether the address is a multiple of `alignment` (a power of two).
    @inlinable
    public func isAligned(to alignment: UInt64) -> Bool { rawValue & (alignment &- 1) == 0 }

    /// The address rounded down to a multiple of `alignment` (a power of two).
    @inlinable
    public func alignedDown(to alignment: UInt64) -> PhysicalAddress { PhysicalAddress(rawValue & ~(alignment &- 1)) }

    /// `self + bytes`, or `nil` where the sum passes 2^64.
    @inlinable
    public func adding(_ bytes: UInt64) -> PhysicalAddress? {
        let (sum, overflow) = rawValue.addingReportingOverflow(bytes)
        return overflow ? nil : PhysicalAddress(sum)
    }

    /// `self + bytes`; the caller knows it does not overflow (traps if it does).
    @inlinable
    public static func + (lhs: PhysicalAddress, rhs: UInt64) -> PhysicalAddress { PhysicalAddress(lhs.rawValue + rhs) }

    /// The distance in bytes from `rhs` up to `lhs`; traps if `rhs > lhs`.
    @inlinable
    public static func - (lhs: PhysicalAddress, rhs: PhysicalAddress) -> UInt64 { lhs.rawValue - rhs.rawValue }
}
