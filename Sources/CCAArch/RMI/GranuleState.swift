/// The RMM's state of one granule (DEN0137 A2.3.6), plus the model's PARTIAL, GPT_L1 and RD_AUX (see the reference).
///
/// A closed set: the RMM itself assigns these, so an unknown value is a programming error.
@frozen
public enum GranuleState: UInt8, CaseIterable, Hashable, Sendable {
    /// GRAN_UNDELEGATED: Non-secure; the host owns it.
    case undelegated = 0
    /// GRAN_DELEGATED: Realm PAS, owned by the RMM, unused.
    case delegated = 1
    /// GRAN_RD: a Realm Descriptor.
    case rd = 2
    /// GRAN_REC: a Realm Execution Context.
    case rec = 3
    /// GRAN_REC_AUX: auxiliary memory of a REC (the spec files it under GRAN_INTERNAL).
    case recAux = 4
    /// GRAN_RTT: a Realm Translation Table.
    case rtt = 5
    /// GRAN_DATA: realm code or data.
    case data = 6
    /// GRAN_INTERNAL: memory donated to a stateful operation.
    case `internal` = 7
    /// Intermediate: held by an incomplete stateful operation; other commands answer RMI_BLOCKED.
    case partial = 8
    /// Backing memory of a host-created L1 GPT table, owned by EL3.
    case gptL1 = 9
    /// GRAN_RD_AUX: auxiliary memory of a realm descriptor (TF-RMM's GRANULE_STATE_RD_AUX; the spec files it under
    /// GRAN_INTERNAL).
    case rdAux = 10

    /// The spec's spelling without the GRAN_ prefix, as the serve protocol prints it.
    public var name: StaticString {
        switch self {
        case .undelegated: "UNDELEGATED"
        case .delegated: "DELEGATED"
        case .rd: "RD"
        case .rec: "REC"
        case .recAux: "REC_AUX"
        case .rtt: "RTT"
        case .data: "DATA"
        case .internal: "INTERNAL"
        case .partial: "PARTIAL"
        case .gptL1: "GPT_L1"
        case .rdAux: "RD_AUX"
        }
    }

    /// Whether the granule's GPI must be Realm in this state (the invariant of gpt.md section 6).
    @inlinable
    public var requiresRealmGPI: Bool {
        switch self {
        case .delegated, .rd, .rec, .recAux, .rtt, .data, .internal, .rdAux: true
        case .undelegated, .partial, .gptL1: false
        }
    }
}
