/// The W0 status of a FIRME call (Arm DEN0149 1.0 ALP): a signed 32-bit value; the upper bits of X0 are ignored.
@frozen
public struct FIRMEStatus: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32

    @inlinable
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// FIRME_SUCCESS (0).
    public static let success = FIRMEStatus(rawValue: 0)
    /// FIRME_NOT_SUPPORTED (-1): the function or service is not implemented, or the caller may not use it.
    public static let notSupported = FIRMEStatus(rawValue: -1)
    /// FIRME_INVALID_PARAMETERS (-2): a bad address, count or attribute.
    public static let invalidParameters = FIRMEStatus(rawValue: -2)
    /// FIRME_ABORTED (-3).
    public static let aborted = FIRMEStatus(rawValue: -3)
    /// FIRME_INCOMPLETE (-4): a stateful operation is retained; continue with FIRME_GM_GPI_OP_CONTINUE.
    public static let incomplete = FIRMEStatus(rawValue: -4)
    /// FIRME_DENIED (-5): a granule's current GPI does not allow the transition.
    public static let denied = FIRMEStatus(rawValue: -5)
    /// FIRME_BUSY (-6): no progress; retry.
    public static let busy = FIRMEStatus(rawValue: -6)
    /// FIRME_OP_CONFLICT (-7): another operation touches the range.
    public static let opConflict = FIRMEStatus(rawValue: -7)
    /// FIRME_EXISTS (-8).
    public static let exists = FIRMEStatus(rawValue: -8)
    /// FIRME_NO_ENTRY (-9).
    public static let noEntry = FIRMEStatus(rawValue: -9)
    /// FIRME_NO_MEMORY (-10).
    public static let noMemory = FIRMEStatus(rawValue: -10)
    /// FIRME_BAD_DATA (-11).
    public static let badData = FIRMEStatus(rawValue: -11)

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
