/// The kind of failure the granule protection check reports.
@frozen
public enum GPCFaultKind: UInt8, CaseIterable, Hashable, Sendable {
    /// The PA is beyond the protected physical address size (GPCCR_EL3.PPS); GPCSC 0b000000.
    case addressSize = 0
    /// The GPT walk met an invalid descriptor or a reserved GPI; GPCSC 0b00010L.
    case walk = 1
    /// Granule Protection Fault: the walk succeeded but the GPI forbids the access; GPCSC 0b00110L.
    case gpf = 3
    /// Synchronous external abort while fetching the GPT; GPCSC 0b01010L.
    case externalAbort = 5

    /// The name the serve protocol uses: `address_size`, `walk`, `gpf`, `external_abort`.
    public var protocolName: StaticString {
        switch self {
        case .addressSize: "address_size"
        case .walk: "walk"
        case .gpf: "gpf"
        case .externalAbort: "external_abort"
        }
    }
}

/// A failed granule protection check: the PA, the kind, the GPT level and the GPCSC syndrome.
///
/// GPCSC (ESR_EL3.ISS[25:20] for a GPC exception) is `kind << 2 | level` for walk, GPT and external-abort faults
/// at level 0 or 1, and 0b000000 for an address size fault at level 0 (Arm ARM, as QEMU models it).
@frozen
public struct GPCFault: Hashable, Sendable {
    /// The first physical address that failed.
    public var pa: PhysicalAddress
    public var kind: GPCFaultKind
    /// GPT level the check stopped at: 0 (L0 descriptor) or 1 (L1 descriptor).
    public var level: UInt8
    /// The security state of the failing access.
    public var accessedBy: SecurityState

    @inlinable
    public init(pa: PhysicalAddress, kind: GPCFaultKind, level: UInt8, accessedBy: SecurityState) {
        self.pa = pa
        self.kind = kind
        self.level = level
        self.accessedBy = accessedBy
    }

    /// The GPCSC syndrome code.
    @inlinable
    public var gpcsc: UInt8 {
        kind == .addressSize ? 0 : kind.rawValue << 2 | (level & 1)
    }
}
