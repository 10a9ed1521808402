public import FirmwareSync

/// One shared-memory step a simulated CPU took (or a wait it began), as a failing interleaving prints it.
public struct InterleavingStep: Sendable, Hashable, CustomStringConvertible {
    public var cpu: Int
    /// The command the CPU was running (`RMI_RTT_CREATE`), or `start` before its first.
    public var command: String
    public var location: SharedLocation
    /// The access, or `nil` for the start of a wait for another CPU to write `location`.
    public var access: SharedAccess?

    public var description: String {
        let verb: String
        switch access {
        case .load?: verb = "load"
        case .store?: verb = "store"
        case .readModifyWrite?: verb = "rmw"
        case nil: verb = "wait for"
        }
        return "cpu \(cpu) \(command): \(verb) \(location)"
    }
}

/// How one run of a scenario under the cooperative scheduler ended.
public enum InterleavingRunEnd: Sendable, Hashable {
    /// Every CPU finished its program.
    case completed
    /// No CPU could take a step: each unfinished CPU waits for a location no running CPU will write.
    case deadlock(waiting: [Int: SharedLocation])
    /// A CPU failed one of the firmware's consistency checks.
    case preconditionFailure(cpu: Int, message: String, location: SharedLocation)
    /// A CPU took more steps than the bound without finishing (a livelock, or a bound too small).
    case stepLimit(cpu: Int, steps: Int)
    /// A replayed schedule named a CPU that could not run there: the scenario is not deterministic.
    case nondeterminism(decision: Int)
}
