public import CCAArch

/// The granule protection check, as physical memory asks it: may `state` access the granule holding `pa`?
///
/// The platform's GPT conforms; tests use a simple per-granule map. Implementations must be safe to call from
/// any CPU thread at any time.
public protocol GranuleProtectionChecking: AnyObject, Sendable {
    /// The fault the check reports for an access to `pa` from `state`, or `nil` where the access is allowed.
    func check(_ pa: PhysicalAddress, accessedBy state: SecurityState) -> GPCFault?

    /// The first fault of an access from `state` to the granules (of `granuleBytes`) from the one holding `pa`
    /// through the one holding byte address `last`: `check(pa)`, then `check` of each later granule's base, in
    /// ascending order; `nil` when all are allowed. The default asks `check` granule by granule; the GPT passes a
    /// uniform block in one step.
    func firstFault(
        from pa: PhysicalAddress, through last: UInt64, granuleBytes: UInt64, accessedBy state: SecurityState
    ) -> GPCFault?
}

extension GranuleProtectionChecking {
    public func firstFault(
        from pa: PhysicalAddress, through last: UInt64, granuleBytes: UInt64, accessedBy state: SecurityState
    ) -> GPCFault? {
        var cursor = pa.rawValue
        while true {
            if let fault = check(PhysicalAddress(cursor), accessedBy: state) { return fault }
            let next = (cursor & ~(granuleBytes - 1)).addingReportingOverflow(granuleBytes)
            if next.overflow || next.partialValue > last { return nil }
            cursor = next.partialValue
        }
    }
}
