public import CCAArch

/// A world's firmware as the SMC router sees it: the RMM for RMI calls, EL3 for the RMM-EL3 and FIRME calls.
///
/// Implementations must be safe to call from every CPU thread at once.
public protocol SMCService: AnyObject, Sendable {
    /// Handles `call` (X0 with the SVE hint cleared) from `caller` on CPU `cpu`.
    func handle(_ call: SMCArguments, cpu: Int, caller: SecurityState) -> SMCReturn
}

/// The service of a world with no firmware behind a route: every call answers SMCCC NOT_SUPPORTED (the RMM's own
/// view of RMI, which it cannot call; a router under test with one side empty).
public final class UnimplementedService: SMCService {
    public init() {}

    public func handle(_ call: SMCArguments, cpu: Int, caller: SecurityState) -> SMCReturn { .notSupported }
}
