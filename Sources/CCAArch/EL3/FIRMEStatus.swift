/// The W0 status of a FIRME call (Arm DEN0149 1.0 ALP): a signed 32-bit value; the upper bits of X0 are ignored.
@frozen
public struct FIRMEStatus: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32

    @inlinable
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// FIRME_SUCCESS (0).
    @inlinable public static var success: FIRMEStatus { FIRMEStatus(rawValue: 0) }
    /// FIRME_NOT_SUPPORTED (-1): the function or service is not implemented, or the caller may not use it.
    @inlinable public static var notSupported: FIRMEStatus { FIRMEStatus(rawValue: -1) }
    /// FIRME_INVALID_PARAMETERS (-2): a bad address, count or attribute.
    @inlinable public static var invalidParameters: FIRMEStatus { FIRMEStatus(rawValue: -2) }
    /// FIRME_ABORTED (-3).
    @inlinable public static var aborted: FIRMEStatus { FIRMEStatus(rawValue: -3) }
    /// FIRME_INCOMPLETE (-4): a stateful operation is retained; continue with FIRME_GM_GPI_OP_CONTINUE.
    @inlinable public static var incomplete: FIRMEStatus { FIRMEStatus(rawValue: -4) }
    /// FIRME_DENIED (-5): a granule's current GPI does not allow the transition.
    @inlinable public static var denied: FIRMEStatus { FIRMEStatus(rawValue: -5) }
    /// FIRME_BUSY (-6): no progress; retry.
    @inlinable public static var busy: FIRMEStatus { FIRMEStatus(rawValue: -6) }
    /// FIRME_OP_CONFLICT (-7): another operation touches the range.
    @inlinable public static var opConflict: FIRMEStatus { FIRMEStatus(rawValue: -7) }
    /// FIRME_EXISTS (-8).
    @inlinable public static var exists: FIRMEStatus { FIRMEStatus(rawValue: -8) }
    /// FIRME_NO_ENTRY (-9).
    @inlinable public static var noEntry: FIRMEStatus { FIRMEStatus(rawValue: -9) }
    /// FIRME_NO_MEMORY (-10).
    @inlinable public static var noMemory: FIRMEStatus { FIRMEStatus(rawValue: -10) }
    /// FIRME_BAD_DATA (-11).
    @inlinable public static var badData: FIRMEStatus { FIRMEStatus(rawValue: -11) }

    /// Every status this type names, SUCCESS first.
    public static let allCases: [FIRMEStatus] = [
        .success, .notSupported, .invalidParameters, .aborted, .incomplete, .denied, .busy, .opConflict, .exists,
        .noEntry, .noMemory, .badData,
    ]

    /// The X0 encoding: W0 sign-extended.
    @inlinable
    public var x0: UInt64 { UInt64(bitPattern: Int64(rawValue)) }

    /// Decodes W0 from X0, ignoring bits 63:32.
    @inlinable
    public init(x0: UInt64) { self.rawValue = Int32(truncatingIfNeeded: x0) }

    /// The spec's spelling (FIRME_SUCCESS, FIRME_DENIED, ...), or UNKNOWN.
    public var name: StaticString {
        switch rawValue {
        case 0: "FIRME_SUCCESS"
        case -1: "FIRME_NOT_SUPPORTED"
        case -2: "FIRME_INVALID_PARAMETERS"
        case -3: "FIRME_ABORTED"
        case -4: "FIRME_INCOMPLETE"
        case -5: "FIRME_DENIED"
        case -6: "FIRME_BUSY"
        case -7: "FIRME_OP_CONFLICT"
        case -8: "FIRME_EXISTS"
        case -9: "FIRME_NO_ENTRY"
        case -10: "FIRME_NO_MEMORY"
        case -11: "FIRME_BAD_DATA"
        default: "UNKNOWN"
        }
    }
}
