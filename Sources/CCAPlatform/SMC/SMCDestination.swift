public import CCAArch

/// Which world's firmware implements a function ID.
@frozen
public enum SMCDestination: Hashable, Sendable {
    /// The RMI: handled by the RMM (function numbers 0x150..0x1AF and 0x1D0..0x3FF).
    case rmi
    /// EL3 firmware: the RMM-EL3 interface (0x1B0..0x1CF) and FIRME (0x400..0x4FF).
    case el3
    /// Nothing implements it: SMCCC NOT_SUPPORTED.
    case unknown

    /// Classifies the function an SMC's `x0` names (W0 only, the SVE hint ignored).
    public init(_ functionID: FunctionID) {
        let id = FunctionID(dispatching: functionID.rawValue)
        guard id.isStandardSecureSMC64 else {
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
