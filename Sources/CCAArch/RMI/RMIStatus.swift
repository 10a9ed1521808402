/// An RMI status code (RmiStatusCode, DEN0137 B4.6.92): bits 7:0 of the result in X0.
///
/// A struct with static members because encodings the model does not know may arrive (from a hostile RMM, in
/// a test, or from a newer spec); those are carried, named `UNKNOWN`, and never trap.
@frozen
public struct RMIStatus: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8

    @inlinable
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The command completed. The spec's RMI_SUCCESS (0).
    @inlinable public static var success: RMIStatus { RMIStatus(rawValue: 0) }
    /// An input value made the command fail. The spec's RMI_ERROR_INPUT (1).
    @inlinable public static var errorInput: RMIStatus { RMIStatus(rawValue: 1) }
    /// A Realm attribute had an unexpected value. The spec's RMI_ERROR_REALM (2).
    @inlinable public static var errorRealm: RMIStatus { RMIStatus(rawValue: 2) }
    /// A REC attribute had an unexpected value. The spec's RMI_ERROR_REC (3).
    @inlinable public static var errorREC: RMIStatus { RMIStatus(rawValue: 3) }
    /// An RTT walk stopped early or met an unexpected entry; the level is in the result. RMI_ERROR_RTT (4).
    @inlinable public static var errorRTT: RMIStatus { RMIStatus(rawValue: 4) }
    /// The command is not supported. The spec's RMI_ERROR_NOT_SUPPORTED (5).
    @inlinable public static var errorNotSupported: RMIStatus { RMIStatus(rawValue: 5) }
    /// A device attribute did not match. The spec's RMI_ERROR_DEVICE (6).
    @inlinable public static var errorDevice: RMIStatus { RMIStatus(rawValue: 6) }
    /// An auxiliary RTT entry was unexpected; the level is in the result. RMI_ERROR_RTT_AUX (7).
    @inlinable public static var errorRTTAux: RMIStatus { RMIStatus(rawValue: 7) }
    /// A PSMMU stream-table walk problem; the level is in the result. RMI_ERROR_PSMMU_ST (8).
    @inlinable public static var errorPSMMUST: RMIStatus { RMIStatus(rawValue: 8) }
    /// A DPT walk problem; the level is in the result. RMI_ERROR_DPT (9).
    @inlinable public static var errorDPT: RMIStatus { RMIStatus(rawValue: 9) }
    /// No progress for a transient reason; nothing changed, a retry may succeed. The spec's RMI_BUSY (10).
    @inlinable public static var busy: RMIStatus { RMIStatus(rawValue: 10) }
    /// The RMM's global state is not as required. The spec's RMI_ERROR_GLOBAL (11).
    @inlinable public static var errorGlobal: RMIStatus { RMIStatus(rawValue: 11) }
    /// A tracking region's state is not as required. The spec's RMI_ERROR_TRACKING (12).
    @inlinable public static var errorTracking: RMIStatus { RMIStatus(rawValue: 12) }
    /// A transition started but did not finish; drive it with RMI_OP_CONTINUE. The spec's RMI_INCOMPLETE (13).
    @inlinable public static var incomplete: RMIStatus { RMIStatus(rawValue: 13) }
    /// A target is held by another incomplete operation; nothing changed. The spec's RMI_BLOCKED (14).
    @inlinable public static var blocked: RMIStatus { RMIStatus(rawValue: 14) }
    /// A GPT walk stopped early or met an unexpected entry. The spec's RMI_ERROR_GPT (15).
    @inlinable public static var errorGPT: RMIStatus { RMIStatus(rawValue: 15) }
    /// A granule attribute had an unexpected value. The spec's RMI_ERROR_GRANULE (16).
    @inlinable public static var errorGranule: RMIStatus { RMIStatus(rawValue: 16) }

    /// The 17 status codes RMI v2.0 defines, in encoding order.
    public static let allDefined: [RMIStatus] = (0...16).map { RMIStatus(rawValue: $0) }

    /// Whether the spec defines this encoding (0...16).
    @inlinable
    public var isDefined: Bool { rawValue <= 16 }

    /// Whether the result's data field (X0[63:8]) carries a level (RmiResultDataLevel).
    @inlinable
    public var carriesLevel: Bool {
        self == .errorRTT || self == .errorRTTAux || self == .errorPSMMUST || self == .errorDPT
    }

    /// The spec's spelling, e.g. `RMI_ERROR_INPUT`; `UNKNOWN` for an undefined encoding.
    public var name: StaticString {
        switch rawValue {
        case 0: "RMI_SUCCESS"
        case 1: "RMI_ERROR_INPUT"
        case 2: "RMI_ERROR_REALM"
        case 3: "RMI_ERROR_REC"
        case 4: "RMI_ERROR_RTT"
        case 5: "RMI_ERROR_NOT_SUPPORTED"
        case 6: "RMI_ERROR_DEVICE"
        case 7: "RMI_ERROR_RTT_AUX"
        case 8: "RMI_ERROR_PSMMU_ST"
        case 9: "RMI_ERROR_DPT"
        case 10: "RMI_BUSY"
        case 11: "RMI_ERROR_GLOBAL"
        case 12: "RMI_ERROR_TRACKING"
        case 13: "RMI_INCOMPLETE"
        case 14: "RMI_BLOCKED"
        case 15: "RMI_ERROR_GPT"
        case 16: "RMI_ERROR_GRANULE"
        default: "UNKNOWN"
        }
    }
}
