/// An RMI interface revision (RmiInterfaceVersion, DEN0137 B4.6): minor in bits 15:0, major in 30:16, 63:31 zero.
@frozen
public struct RMIInterfaceVersion: Hashable, Comparable, Sendable {
    public var major: UInt16
    public var minor: UInt16

    /// RMI 2.0, the revision this model implements (`0x20000`).
    @inlinable public static var v2_0: RMIInterfaceVersion { RMIInterfaceVersion(major: 2, minor: 0) }

    @inlinable
    public init(major: UInt16, minor: UInt16) {
        precondition(major < 1 << 15, "major revision is 15 bits")
        self.major = major
        self.minor = minor
    }

    /// Decodes a register; `nil` if bits 63:31 are not zero.
    @inlinable
    public init?(encoding: UInt64) {
        guard encoding >> 31 == 0 else { return nil }
        self.major = UInt16(encoding[bits: 16..<31])
        self.minor = UInt16(encoding[bits: 0..<16])
    }

    @inlinable
    public var encoding: UInt64 { UInt64(major) << 16 | UInt64(minor) }

    @inlinable
    public static func < (lhs: RMIInterfaceVersion, rhs: RMIInterfaceVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
