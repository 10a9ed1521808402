public import CCAArch
import Synchronization

/// Deterministic fault injection: counts of pending faults that the choke points consume, one per event.
///
/// Range-SMC faults (busy, blocked, zero progress) queue in the order they were injected: `busy 2` then
/// `blocked 1` makes the next two range SMCs busy and the third blocked. EL3 refusals and interrupts are counted
/// apart and consumed by their own events, so one range SMC can both take an interrupt and meet a refusing EL3.
/// Safe to use from every CPU thread at once.
///
/// With nothing injected an SMC pays one relaxed load (`isArmed`): each lock's holder keeps a flag saying whether
/// anything is pending under it, and the choke points look at the flags before taking a lock. An injection made on
/// one thread is seen by that thread's next SMC (program order); one made on another thread while an SMC runs may
/// or may not hit that SMC, as with any race between two CPUs.
public final class FaultInjector: Sendable {
    private let state = Mutex(_PendingFaults())
    /// Per RMI function ID: the statuses its next calls answer, in order (`injectCommand`).
    private let commandFaults = Mutex<[UInt64: [(status: RMIStatus, count: Int)]]>([:])
    /// Bit 0: something is pending in `state`; bit 1: in `commandFaults`. Written only by a holder of that lock.
    private let armed = Atomic<UInt8>(0)
    private static let stateArmed: UInt8 = 1
    private static let commandsArmed: UInt8 = 2

    /// Whether any injection is pending: one relaxed load, the SMC path's only cost when nothing is.
    @inline(__always)
    public var isArmed: Bool { armed.load(ordering: .relaxed) != 0 }

    /// Records, while holding the lock that `bit` stands for, whether anything is pending under it.
    private func setArmed(_ bit: UInt8, _ pending: Bool) {
        // Relaxed: a hint that skips a lock; the lock itself orders the pending faults.
        if pending {
            armed.bitwiseOr(bit, ordering: .relaxed)
        } else {
            armed.bitwiseAnd(~bit, ordering: .relaxed)
        }
    }

    public init() {}

    /// Makes the next `count` matching events fail with `fault`, after those already pending.
    public func inject(_ fault: InjectedFault, count: Int) throws(FaultInjectionError) {
        guard count >= 0 else { throw .negativeCount(count) }
        guard count > 0 else { return }
        state.withLock { pending in
            switch fault {
            case .busy, .blocked, .zeroProgress:
                if let last = pending.rangeFaults.last, last.fault == fault {
                    pending.rangeFaults[pending.rangeFaults.count - 1].remaining = Self.saturatingSum(
                        last.remaining, count)
                } else {
                    pending.rangeFaults.append((fault, count))
                }
            case .el3Refuse: pending.el3Refusals = Self.saturatingSum(pending.el3Refusals, count)
            case .el3Busy: pending.el3Busy = Self.saturatingSum(pending.el3Busy, count)
            case .irq: pending.interrupts = Self.saturatingSum(pending.interrupts, count)
            }
            setArmed(Self.stateArmed, true)
        }
    }

    /// `a + b`, or `Int.max` where it would overflow: counts that large never run out either way.
    private static func saturatingSum(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// Injects by the serve protocol's name (`busy`, `blocked`, `zero_progress`, `el3_refuse`, `el3_busy`, `irq`); `clear`
    /// drops every pending injection.
    public func inject(named name: String, count: Int) throws(FaultInjectionError) {
        if name == "clear" {
            clear()
            return
        }
        guard let fault = InjectedFault(rawValue: name) else { throw .unknownFault(name) }
        try inject(fault, count: count)
    }

    /// Drops every pending injection.
    public func clear() {
        state.withLock {
            $0 = _PendingFaults()
            setArmed(Self.stateArmed, false)
        }
        commandFaults.withLock {
            $0 = [:]
            setArmed(Self.commandsArmed, false)
        }
    }

    /// Makes the next `count` host calls of the RMI command `functionID` answer `status` without reaching the RMM,
    /// after those already pending for it: any command, an SRO step included (`OP_MEM_DONATE` answering
    /// RMI_BUSY, `REC_CREATE` RMI_BLOCKED). Only statuses that leave the state alone are accepted: not
    /// RMI_SUCCESS or RMI_INCOMPLETE, whose registers carry results the RMM would have to produce.
    public func injectCommand(functionID: FunctionID, status: RMIStatus, count: Int) throws(FaultInjectionError) {
        guard count >= 0 else { throw .negativeCount(count) }
        guard functionID.rmiCommand != nil else {
            throw .unknownFault("command 0x\(String(functionID.rawValue, radix: 16))")
        }
        guard status.isDefined, status != .success, status != .incomplete else {
            throw .unknownFault("status \(status.rawValue) for an injected command answer")
        }
        guard count > 0 else { return }
        commandFaults.withLock {
            $0[functionID.rawValue, default: []].append((status, count))
            setArmed(Self.commandsArmed, true)
        }
    }

    /// The status the host call of `functionID` now being handled must answer, if one is injected; consumes it.
    public func takeCommandFault(functionID: FunctionID) -> RMIStatus? {
        guard armed.load(ordering: .relaxed) & Self.commandsArmed != 0 else { return nil }
        return commandFaults.withLock { faults in
            guard var queue = faults[functionID.rawValue], let first = queue.first else { return nil }
            if first.count > 1 {
                queue[0].count -= 1
            } else {
                queue.removeFirst()
            }
            faults[functionID.rawValue] = queue.isEmpty ? nil : queue
            setArmed(Self.commandsArmed, !faults.isEmpty)
            return first.status
        }
    }

    /// The fault the range delegation SMC now being handled must answer with, if any; consumes it.
    public func takeRangeSMCFault() -> InjectedFault? {
        guard armed.load(ordering: .relaxed) & Self.stateArmed != 0 else { return nil }
        return state.withLock { pending in
            guard !pending.rangeFaults.isEmpty else { return nil }
            let fault = pending.rangeFaults[0].fault
            pending.rangeFaults[0].remaining -= 1
            if pending.rangeFaults[0].remaining == 0 { pending.rangeFaults.removeFirst() }
            setArmed(Self.stateArmed, !pending.isEmpty)
            return fault
        }
    }

    /// Whether the RMM-to-EL3 delegate call now being handled must be refused; consumes one refusal.
    public func takeEL3Refusal() -> Bool {
        guard armed.load(ordering: .relaxed) & Self.stateArmed != 0 else { return false }
        return state.withLock { pending in
            guard pending.el3Refusals > 0 else { return false }
            pending.el3Refusals -= 1
            setArmed(Self.stateArmed, !pending.isEmpty)
            return true
        }
    }

    /// Whether the RMM-to-EL3 FIRME_GM_GPI_SET call now being handled must answer BUSY; consumes one.
    public func takeEL3Busy() -> Bool {
        guard armed.load(ordering: .relaxed) & Self.stateArmed != 0 else { return false }
        return state.withLock { pending in
            guard pending.el3Busy > 0 else { return false }
            pending.el3Busy -= 1
            setArmed(Self.stateArmed, !pending.isEmpty)
            return true
        }
    }

    /// Whether an interrupt is pending for the range SMC now being handled; consumes one.
    public func takeIRQ() -> Bool {
        guard armed.load(ordering: .relaxed) & Self.stateArmed != 0 else { return false }
        return state.withLock { pending in
            guard pending.interrupts > 0 else { return false }
            pending.interrupts -= 1
            setArmed(Self.stateArmed, !pending.isEmpty)
            return true
        }
    }

    /// How many events of `fault` are still pending.
    public func pendingCount(_ fault: InjectedFault) -> Int {
        state.withLock { pending in
            switch fault {
            case .busy, .blocked, .zeroProgress:
                pending.rangeFaults.filter { $0.fault == fault }.reduce(0) { $0 + $1.remaining }
            case .el3Refuse: pending.el3Refusals
            case .el3Busy: pending.el3Busy
            case .irq: pending.interrupts
            }
        }
    }
}

/// The pending injections.
struct _PendingFaults: Sendable {
    var rangeFaults: [(fault: InjectedFault, remaining: Int)] = []
    var el3Refusals = 0
    var el3Busy = 0
    var interrupts = 0

    /// Whether nothing is pending.
    var isEmpty: Bool { rangeFaults.isEmpty && el3Refusals == 0 && el3Busy == 0 && interrupts == 0 }
}
