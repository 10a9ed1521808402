/// A fault the platform can be told to inject (serve-protocol.md, `inject`).
@frozen
public enum InjectedFault: String, CaseIterable, Hashable, Sendable {
    /// The next range delegation SMCs answer RMI_BUSY with no progress.
    case busy
    /// The next range delegation SMCs answer RMI_BLOCKED with no progress.
    case blocked
    /// The next range delegation SMCs answer RMI_SUCCESS with out_top equal to base (a broken RMM, for testing
    /// hosts).
    case zeroProgress = "zero_progress"
    /// The next RMM-to-EL3 delegate calls are refused.
    case el3Refuse = "el3_refuse"
    /// An interrupt becomes pending on the CPU of the next range SMCs.
    case irq
    /// The next RMM-to-EL3 FIRME_GM_GPI_SET calls (either way) answer BUSY with nothing moved (bet3.md section 5).
    case el3Busy = "el3_busy"

    /// The serve protocol's spelling.
    public var protocolName: String { rawValue }

    /// Whether the fault is one of those `takeRangeSMCFault()` hands out.
    public var isRangeSMCFault: Bool {
        switch self {
        case .busy, .blocked, .zeroProgress: true
        case .el3Refuse, .el3Busy, .irq: false
        }
    }
}

/// Why an injection request was refused.
public enum FaultInjectionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A negative count.
    case negativeCount(Int)
    /// A fault name the serve protocol does not define.
    case unknownFault(String)

    public var description: String {
        switch self {
        case .negativeCount(let count): "fault count \(count) is negative"
        case .unknownFault(let name):
            "unknown fault '\(name)': expected busy, blocked, zero_progress, el3_refuse, el3_busy or irq"
        }
    }
}
