/// The X0 result of an RMM-EL3 GTSI call (RMM_GTSI_DELEGATE / RMM_GTSI_UNDELEGATE), as TF-A returns it.
///
/// A signed value carried in X0 as its two's complement. The same numbers are TF-RMM's E_RMM codes 0 ... -3.
@frozen
public struct GTSIStatus: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int64

    @inlinable
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// The granule's PAS changed: E_RMM_OK (0).
    @inlinable public static var success: GTSIStatus { GTSIStatus(rawValue: 0) }
    /// Unknown function or a caller that is not the Realm world: SMC_UNK / E_RMM_UNK (-1).
    @inlinable public static var unknown: GTSIStatus { GTSIStatus(rawValue: -1) }
    /// Misaligned, beyond PPS, or in an L0 region without an L1 table: E_RMM_BAD_ADDR (-2).
    @inlinable public static var badAddress: GTSIStatus { GTSIStatus(rawValue: -2) }
    /// The granule's GPI is not the transition's source PAS: E_RMM_BAD_PAS (-3).
    @inlinable public static var badPAS: GTSIStatus { GTSIStatus(rawValue: -3) }

    /// The X0 encoding.
    @inlinable
    public var x0: UInt64 { UInt64(bitPattern: rawValue) }

    /// Decodes X0 (all 64 bits, signed).
    @inlinable
    public init(x0: UInt64) { self.rawValue = Int64(bitPattern: x0) }

    /// The spec's spelling: E_RMM_OK, E_RMM_UNK, E_RMM_BAD_ADDR, E_RMM_BAD_PAS, or UNKNOWN.
    public var name: StaticString {
        switch rawValue {
        case 0: "E_RMM_OK"
        case -1: "E_RMM_UNK"
        case -2: "E_RMM_BAD_ADDR"
        case -3: "E_RMM_BAD_PAS"
        default: "UNKNOWN"
        }
    }
}
