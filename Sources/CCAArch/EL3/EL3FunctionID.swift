/// The function ID of an SMC the RMM makes to EL3: the RMM-EL3 interface (TF-A, 0xC40001B0..0xC40001CF) and the
/// FIRME granule-management service (Arm DEN0149 1.0 ALP).
///
/// A struct rather than an enum: any value can arrive in X0, and the interfaces add functions.
@frozen
public struct EL3FunctionID: RawRepresentable, Hashable, Sendable {
    /// The 64-bit value in X0 (SMC64 fast calls, owning entity Standard Secure Service).
    public let rawValue: UInt64

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Delegate one granule to the Realm PAS: the RMM-EL3 interface's RMM_GTSI_DELEGATE (0xC40001B0).
    @inlinable public static var gtsiDelegate: EL3FunctionID { EL3FunctionID(rawValue: 0xC400_01B0) }
    /// Return one granule to the Non-secure PAS: the RMM-EL3 interface's RMM_GTSI_UNDELEGATE (0xC40001B1).
    @inlinable public static var gtsiUndelegate: EL3FunctionID { EL3FunctionID(rawValue: 0xC400_01B1) }
    /// The version of a FIRME service: FIRME_SERVICE_VERSION (0xC4000400).
    @inlinable public static var serviceVersion: EL3FunctionID { EL3FunctionID(rawValue: 0xC400_0400) }
    /// A feature register of a FIRME service: FIRME_SERVICE_FEATURES (0xC4000401).
    @inlinable public static var serviceFeatures: EL3FunctionID { EL3FunctionID(rawValue: 0xC400_0401) }
    /// Set the GPI of a run of granules: FIRME_GM_GPI_SET (0xC4000402).
    @inlinable public static var gpiSet: EL3FunctionID { EL3FunctionID(rawValue: 0xC400_0402) }
    /// Create the L1 GPT of an L0 region: FIRME_GM_L1_GPT_CREATE (0xC400040E).
    @inlinable public static var l1GPTCreate: EL3FunctionID { EL3FunctionID(rawValue: 0xC400_040E) }
    /// Fold the L1 GPT of an L0 region back into a Block: FIRME_GM_L1_GPT_DESTROY (0xC400040F).
    @inlinable public static var l1GPTDestroy: EL3FunctionID { EL3FunctionID(rawValue: 0xC400_040F) }
    /// Continue a stateful GPI operation: FIRME_GM_GPI_OP_CONTINUE (0xC4000412).
    @inlinable public static var gpiOpContinue: EL3FunctionID { EL3FunctionID(rawValue: 0xC400_0412) }

    /// Every function this type names, in function-number order.
    public static let allCases: [EL3FunctionID] = [
        .gtsiDelegate, .gtsiUndelegate, .serviceVersion, .serviceFeatures, .gpiSet, .l1GPTCreate, .l1GPTDestroy,
        .gpiOpContinue,
    ]

    /// The named function with this value, or `nil`.
    @inlinable
    public init?(named value: UInt64) {
        guard let id = Self.allCases.first(where: { $0.rawValue == value }) else { return nil }
        self = id
    }

    /// The spec's spelling (RMM_GTSI_DELEGATE, FIRME_GM_GPI_SET, ...), or UNKNOWN for an unnamed value.
    public var name: StaticString {
        switch rawValue {
        case 0xC400_01B0: "RMM_GTSI_DELEGATE"
        case 0xC400_01B1: "RMM_GTSI_UNDELEGATE"
        case 0xC400_0400: "FIRME_SERVICE_VERSION"
        case 0xC400_0401: "FIRME_SERVICE_FEATURES"
        case 0xC400_0402: "FIRME_GM_GPI_SET"
        case 0xC400_040E: "FIRME_GM_L1_GPT_CREATE"
        case 0xC400_040F: "FIRME_GM_L1_GPT_DESTROY"
        case 0xC400_0412: "FIRME_GM_GPI_OP_CONTINUE"
        default: "UNKNOWN"
        }
    }
}
