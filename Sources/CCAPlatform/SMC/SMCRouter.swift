public import CCAArch

/// The SMC conduit: delivers an SMC to the firmware that implements its function ID.
///
/// This is the choke point of host SMCs and RMM-to-EL3 calls: it checks the CPU index (a programmer error traps
/// here, once for every service), clears the SVE hint (bit 16, SMCCC 1.3), counts the call, traces it, and routes
/// it, and does nothing else (fault-injection decisions belong to the services,
/// through the `FaultInjector`). Routing follows the function number of an SMC64 fast call of the standard
/// secure service owner (0xC4xx_xxxx):
///
/// - 0x150..0x1AF and 0x1D0..0x3FF, the RMI: to the RMI service, from the Non-secure world only (as TF-A's RMM
///   dispatcher forwards RMI calls only from the host).
/// - 0x1B0..0x1CF (RMM-EL3) and 0x400..0x4FF (FIRME): to the EL3 service, from the Realm world only; any other
///   caller gets NOT_SUPPORTED (gpt.md section 4.1).
/// - Anything else, or a route to an `UnimplementedService`: SMCCC NOT_SUPPORTED (-1 in X0).
///
/// Generic over its two services, not holding them as `any SMCService`: a call through an existential's witness
/// table cannot answer in place, and copies the five return registers on every SMC.
public final class SMCRouter<RMI: SMCService, EL3: SMCService>: Sendable {
    /// The RMM's RMI handler (`UnimplementedService` where a world has none).
    public let rmi: RMI
    /// EL3 firmware's handler of the RMM-EL3 and FIRME calls.
    public let el3: EL3
    public let counters: ArchitecturalCounters
    public let tracer: Tracer
    /// The platform's CPUs: an SMC names one of `0..<cpuCount`.
    public let cpuCount: Int

    public init(
        rmi: RMI, el3: EL3, cpuCount: Int,
        counters: ArchitecturalCounters = ArchitecturalCounters(), tracer: Tracer = Tracer()
    ) {
        precondition(cpuCount > 0, "a platform has at least one CPU")
        self.cpuCount = cpuCount
        self.rmi = rmi
        self.el3 = el3
        self.counters = counters
        self.tracer = tracer
    }

    /// An SMC from host CPU `cpu` (Non-secure world): counted as a host SMC and traced as `.hostSMC`.
    public func hostSMC(_ call: SMCArguments, cpu: Int) -> SMCReturn {
        precondition(cpu >= 0 && cpu < cpuCount, "CPU index out of range")
        counters.recordHostSMC(functionID: call.x0, cpu: cpu)
        // Untraced, the route's answer is this call's: the service writes the caller's registers in place. (Through
        // the tracer's closure, it came back in a temporary and was copied.)
        guard tracer.isEnabled else { return route(call, cpu: cpu, caller: .nonSecure) }
        return tracer.traceCall(cpu: cpu, kind: .hostSMC, arguments: call) {
            route(call, cpu: cpu, caller: .nonSecure)
        }
    }

    /// An SMC from the RMM (Realm world) to EL3 on CPU `cpu`: counted as an EL3 call and traced as `.el3Call`.
    public func el3Call(_ call: SMCArguments, cpu: Int) -> SMCReturn {
        precondition(cpu >= 0 && cpu < cpuCount, "CPU index out of range")
        counters.recordEL3Call(cpu: cpu)
        guard tracer.isEnabled else { return route(call, cpu: cpu, caller: .realm) }  // as in `hostSMC`
        return tracer.traceCall(cpu: cpu, kind: .el3Call, arguments: call) {
            route(call, cpu: cpu, caller: .realm)
        }
    }

    /// Routes `call` from `caller` without counting or tracing it.
    @inline(__always)
    public func route(_ call: SMCArguments, cpu: Int, caller: SecurityState) -> SMCReturn {
        // The one place an SMC's function ID is normalised: W0, the SVE hint cleared. A call that is normal already
        // (every call but a few) goes on as it came, by reference: a copy of seven registers on every SMC costs
        // more than the rest of the routing.
        let functionID = FunctionID(dispatching: call.x0)
        guard functionID.rawValue == call.x0 else {
            var delivered = call
            delivered.x0 = functionID.rawValue
            return deliver(delivered, to: SMCDestination(functionID), cpu: cpu, caller: caller)
        }
        return deliver(call, to: SMCDestination(functionID), cpu: cpu, caller: caller)
    }

    /// Hands a normalised call to the service that implements it, if `caller` may call it.
    @inline(__always)
    private func deliver(
        _ call: SMCArguments, to destination: SMCDestination, cpu: Int, caller: SecurityState
    ) -> SMCReturn {
        switch destination {
        // Not optional: `rmi?.handle(...) ?? x` answers into a temporary optional and copies it, and binding an
        // optional service to a local retains and releases it.
        case .rmi:
            guard caller == .nonSecure else { return .notSupported }
            return rmi.handle(call, cpu: cpu, caller: caller)
        case .el3:
            guard caller == .realm else { return .notSupported }
            return el3.handle(call, cpu: cpu, caller: caller)
        case .unknown:
            return .notSupported
        }
    }
}
