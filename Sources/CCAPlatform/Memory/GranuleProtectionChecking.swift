public import CCAArch

/// The granule protection check, as physical memory asks it: may `state` access the granule holding `pa`?
///
/// The platform's GPT conforms; tests use a simple per-granule map. Implementations must be safe to call from
/// any CPU thread at any time.
public protocol GranuleProtectionChecking: AnyObject, Sendable {
    /// The fault the check reports for an access to `pa` from `state`, or `nil` where the access is allowed.
    func check(_ pa: PhysicalAddress, accessedBy state: SecurityState) -> GPCFault?
}
