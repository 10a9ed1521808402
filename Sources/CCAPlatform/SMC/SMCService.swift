public import CCAArch

/// A world's firmware as the SMC router sees it: the RMM for RMI calls, EL3 for the RMM-EL3 and FIRME calls.
///
/// Implementations must be safe to call from every CPU thread at once.
public protocol SMCService: AnyObject, Sendable {
    /// Handles `call` (X0 with the SVE hint cleared) from `caller` on CPU `cpu`.
    func handle(_ call: SMCArguments, cpu: Int, caller: SecurityState) -> SMCReturn
}
