import CCAArch
import GranuleProtection
import RMM

/// The RMM behind the host-SMC choke point, where the serve protocol's injections act on range commands.
final class RMIService: SMCService {
    let rmm: RealmManagementMonitor
    let injector: FaultInjector
    let interrupts: PendingInterrupts

    init(rmm: RealmManagementMonitor, injector: FaultInjector, interrupts: PendingInterrupts) {
        self.rmm = rmm
        self.injector = injector
        self.interrupts = interrupts
    }

    @inline(__always)
    func handle(_ call: SMCArguments, cpu: Int, caller: SecurityState) -> SMCReturn {
        // With nothing injected (one relaxed load), straight to the RMM, inlined: the RMM answers into the
        // caller's registers, with no copy on the way.
        guard injector.isArmed else { return rmm.handle(call, cpu: cpu) }
        return handleInjecting(call, cpu: cpu)
    }

    /// `handle` while the injector has something to inject.
    private func handleInjecting(_ call: SMCArguments, cpu: Int) -> SMCReturn {
        let fid = FunctionID(call.x0)  // the router cleared the SVE hint
        if let status = injector.takeCommandFault(functionID: fid) { return SMCReturn(RMIResult(status).rawValue) }
        guard fid == .granuleRangeDelegate || fid == .granuleRangeUndelegate else { return rmm.handle(call, cpu: cpu) }
        if let fault = injector.takeRangeSMCFault() {
            switch fault {
            case .busy: return SMCReturn(RMIResult(.busy).rawValue)
            case .blocked: return SMCReturn(RMIResult(.blocked).rawValue)
            default: return SMCReturn(RMIResult(.success).rawValue, call.x1)  // zero progress: out_top == base
            }
        }
        guard injector.takeIRQ() else { return rmm.handle(call, cpu: cpu) }
        // The interrupt is pending while the RMM runs; the host takes it when the SMC returns.
        interrupts.raise(cpu: cpu)
        defer { interrupts.acknowledge(cpu: cpu) }
        return rmm.handle(call, cpu: cpu)
    }
}

/// EL3 firmware behind the RMM-to-EL3 choke point: it accounts the GPT maintenance each call did, refuses
/// delegations when the `el3_refuse` injection says so (as when EL3 has given the granule to the Secure world), and
/// answers GPI_SET with BUSY, nothing moved, when the `el3_busy` injection says so.
final class EL3FirmwareService: SMCService {
    let el3: EL3Service
    let injector: FaultInjector
    let counters: ArchitecturalCounters
    /// The host's view of DRAM, which follows every GPI change made here.
    let hostView: HostMemoryView?
    let granuleSize: GranuleSize

    init(
        el3: EL3Service, injector: FaultInjector, counters: ArchitecturalCounters, hostView: HostMemoryView? = nil,
        granuleSize: GranuleSize = .size4KB
    ) {
        self.el3 = el3
        self.injector = injector
        self.counters = counters
        self.hostView = hostView
        self.granuleSize = granuleSize
    }

    func handle(_ call: SMCArguments, cpu: Int, caller: SecurityState) -> SMCReturn {
        // With nothing injected (one relaxed load), straight to EL3.
        if injector.isArmed, let injected = injectedAnswer(call) { return injected }
        var work = GPTMaintenance.none
        defer {
            counters.recordMaintenance(
                tlbi: work.tlbiByPA, dsb: work.dsb, cleanedCacheLines: work.cleanedCacheLines,
                l1DescriptorWrites: work.l1DescriptorWrites, cpu: cpu)
        }
        guard let hostView else {
            // EL3 answers straight into the caller's registers (a copy out of a temporary here would read words
            // just stored one at a time, which store forwarding cannot serve).
            return el3.call(call, from: caller, maintenance: &work)
        }
        let registers = el3.call(call, from: caller, maintenance: &work)
        follow(call, registers, in: hostView)
        return registers
    }
}

extension EL3FirmwareService {
    /// The answer an armed injection gives `call` instead of EL3 (consuming it), if any: BUSY for a GPI_SET, or a
    /// refusal of a delegation.
    private func injectedAnswer(_ call: SMCArguments) -> SMCReturn? {
        if call.x0 == EL3FunctionID.gpiSet.rawValue && injector.takeEL3Busy() {
            return SMCReturn(UInt64(bitPattern: Int64(FIRMEStatus.busy.rawValue)), 0)
        }
        let delegation =
            (call.x0 == EL3FunctionID.gpiSet.rawValue && call.x3 & 0xF == UInt64(GPI.realm.rawValue))
            || call.x0 == EL3FunctionID.gtsiDelegate.rawValue
        guard delegation && injector.takeEL3Refusal() else { return nil }
        return call.x0 == EL3FunctionID.gtsiDelegate.rawValue
            ? SMCReturn(UInt64(bitPattern: Int64(GTSIStatus.badPAS.rawValue)))
            : SMCReturn(UInt64(bitPattern: Int64(FIRMEStatus.denied.rawValue)), 0)
    }

    /// The host view after an EL3 call: GPI_SET moved X1 granules from base to the target GPI (whatever its status:
    /// a partial result still changed them); a successful GTSI call moved one.
    private func follow(_ call: SMCArguments, _ registers: SMCReturn, in view: HostMemoryView) {
        let base = PhysicalAddress(call.x1)
        switch call.x0 {
        case EL3FunctionID.gpiSet.rawValue:
            let target = call.x3 & 0xF
            guard target == UInt64(GPI.realm.rawValue) || target == UInt64(GPI.nonSecure.rawValue) else { return }
            view.setAccessible(
                base, granules: registers.x1, granuleSize: granuleSize, target == UInt64(GPI.nonSecure.rawValue))
        case EL3FunctionID.gtsiDelegate.rawValue where registers.x0 == 0:
            view.setAccessible(base, granules: 1, granuleSize: granuleSize, false)
        case EL3FunctionID.gtsiUndelegate.rawValue where registers.x0 == 0:
            view.setAccessible(base, granules: 1, granuleSize: granuleSize, true)
        default:
            return
        }
    }
}
