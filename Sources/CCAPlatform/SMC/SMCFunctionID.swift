import CCAArch

/// An SMC Calling Convention function identifier, the value in W0 of an SMC (SMCCC, DEN0028).
///
/// Bit 31 fast call, bit 30 SMC64, bits 29:24 the service owner, bit 16 the SVE live-state hint (SMCCC 1.3),
/// bits 15:0 the function number. Only W0 is read: bits 63:32 of X0 are ignored, as TF-A's dispatcher does.
@frozen
public struct SMCFunctionID: RawRepresentable, Hashable, Sendable {
    /// The 32-bit function identifier.
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The function identifier in W0 of `x0`.
    public init(_ x0: UInt64) { self.rawValue = UInt32(truncatingIfNeeded: x0) }

    /// SMCCC's SVE hint, bit 16: the caller has no live SVE state to preserve.
    public static let sveHintBit: UInt32 = 1 << 16

    /// The identifier with the SVE hint cleared: the value that names the function.
    public var withoutSVEHint: SMCFunctionID { SMCFunctionID(rawValue: rawValue & ~Self.sveHintBit) }

    /// Whether the SVE hint is set.
    public var hasSVEHint: Bool { rawValue & Self.sveHintBit != 0 }

    /// Bits 15:0.
    public var functionNumber: UInt64 { UInt64(rawValue & 0xFFFF) }

    /// Whether this is a fast SMC64 call of the standard secure service owner (4) with bits 23:16 zero:
    /// 0xC400_0000 | function number, the space of the RMI, the RMM-EL3 interface and FIRME.
    public var isSMC64StandardSecureFastCall: Bool { rawValue & 0xFFFF_0000 == 0xC400_0000 }
}

/// Which world's firmware implements a function ID.
@frozen
public enum SMCDestination: Hashable, Sendable {
    /// The RMI: handled by the RMM (function numbers 0x150..0x1AF and 0x1D0..0x3FF).
    case rmi
    /// EL3 firmware: the RMM-EL3 interface (0x1B0..0x1CF) and FIRME (0x400..0x4FF).
    case el3
    /// Nothing implements it: SMCCC NOT_SUPPORTED.
    case unknown

    /// Classifies a function ID (the SVE hint is ignored).
    public init(_ functionID: SMCFunctionID) {
        let id = functionID.withoutSVEHint
        guard id.isSMC64StandardSecureFastCall else {
            self = .unknown
            return
        }
        switch id.functionNumber {
        case 0x150...0x1AF, 0x1D0...0x3FF: self = .rmi
        case 0x1B0...0x1CF, 0x400...0x4FF: self = .el3
        default: self = .unknown
        }
    }
}
