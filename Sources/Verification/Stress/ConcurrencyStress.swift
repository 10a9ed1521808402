import CCAArch
import CCAPlatform
import Foundation
import MachineHost
import RMIHost
public import RMM

/// The stress test's summary.
public struct StressReport: Sendable {
    public var rounds: Int
    public var calls: Int
    public var violations: [String]
    /// After a failure: each CPU's last calls (the flight recorder).
    public var lastCalls: [String]
    public var elapsed: Duration
}

/// Several CPUs, on real threads, issuing random range delegations, undelegations and realm operations on one
/// shared window of granules. Every answer is checked as it arrives (a status the command may give; a SUCCESS
/// of a range command inside (base, top] and aligned), and the invariant checker runs at the quiescent point
/// after each round, when every thread has joined.
///
/// With `el3MaxGranules` EL3 moves at most that many granules per GPI change (bet3.md section 5): the host then
/// configures 2 MiB tracking regions, makes the region at `coarseUnit` COARSE, and the CPUs also race whole-unit
/// delegations and undelegations of it, each driven through its RMI_INCOMPLETE answers by RMI_OP_CONTINUE. With
/// `el3Busy` one call in sixteen is preceded by an `el3_busy` injection. With `lockContention` `.spin` range
/// commands wait for a lock held on the first granule of their run (`--lock-contention spin`).
public struct ConcurrencyStress: Sendable {
    public let seed: UInt64
    public let cpus: Int
    public let el3MaxGranules: UInt64?
    public let el3Busy: Bool
    public let lockContention: LockContention

    public init(
        seed: UInt64, cpus: Int = 4, el3MaxGranules: UInt64? = nil, el3Busy: Bool = false,
        lockContention: LockContention = .busy
    ) {
        self.seed = seed
        self.cpus = cpus
        self.el3MaxGranules = el3MaxGranules
        self.el3Busy = el3Busy
        self.lockContention = lockContention
    }

    /// The 2 MiB region made COARSE when EL3 is limited.
    static let coarseUnit: UInt64 = 0x8040_0000

    static let window: UInt64 = 0x8000_0000
    static let granules: UInt64 = 256
    static let g: UInt64 = 0x1000

    /// Runs `rounds` rounds of `callsPerCPU` calls on every CPU. A failure report ends with each CPU's last calls.
    /// If the firmware fails one of its consistency checks, `onFirmwareFailure` gets that and the last calls first
    /// (it may end the process; if it returns, the firmware traps).
    public func run(
        rounds: Int, callsPerCPU: Int, progress: (Int) -> Void = { _ in },
        onFirmwareFailure: (@Sendable ([String]) -> Void)? = nil
    ) throws -> StressReport {
        var configuration = PlatformConfiguration.default
        configuration.cpuCount = cpus
        configuration.seed = seed
        configuration.lockContention = lockContention
        if let el3MaxGranules {
            configuration.el3MaxGranulesPerCall = el3MaxGranules
            configuration.trackingRegionSize = 2 << 20
        }
        let recorder = FlightRecorder(cpus: cpus)
        let observer = onFirmwareFailure.map { StressObserver(recorder: recorder, onFailure: $0) }
        let machine = try Machine(configuration: configuration, observer: observer)
        defer { withExtendedLifetime(observer) {} }
        try machine.host().initialize()
        let unit: UInt64? = el3MaxGranules == nil ? nil : Self.coarseUnit
        if let unit {
            let coarse = UInt64(TrackingState.coarse.rawValue)
            _ = machine.smc(SMCArguments(FunctionID.granuleTrackingSet.rawValue, unit, 0, coarse))
        }
        // Realm parameters live in a Non-secure page outside the window.
        let params = PhysicalAddress(Self.window + 0x10_0000)
        for (offset, value) in [(UInt64(0x8), UInt64(39)), (0x18, 1), (0x20, 1), (0x810, 1), (0x818, 1)] {
            _ = machine.memory.write64(.nonSecure, pa: params + offset, value: value)
        }
        let start = ContinuousClock.now
        var violations: [String] = []
        var calls = 0
        for round in 0..<rounds {
            let perCPU = try ProcessingElements(count: cpus).map { cpu in
                Self.worker(
                    machine: machine, cpu: cpu, seed: seed &+ UInt64(round) &* 0x9E37, calls: callsPerCPU,
                    recorder: recorder, coarseUnit: unit, el3Busy: el3Busy)
            }
            for problems in perCPU { violations += problems }
            calls += cpus * callsPerCPU
            violations += machine.checkInvariants().map { "after round \(round): \($0)" }
            progress(round + 1)
            if !violations.isEmpty { break }
        }
        return StressReport(
            rounds: rounds, calls: calls, violations: violations, lastCalls: violations.isEmpty ? [] : recorder.dump(),
            elapsed: ContinuousClock.now - start)
    }

    /// One CPU's calls for one round; returns what it found wrong.
    static func worker(
        machine: Machine, cpu: Int, seed: UInt64, calls: Int, recorder: FlightRecorder, coarseUnit: UInt64? = nil,
        el3Busy: Bool = false
    ) -> [String] {
        var random = DeterministicRandom(seed: seed, stream: UInt64(cpu))
        var problems: [String] = []
        func granule() -> UInt64 { window + (random.next() % granules) * g }
        func issue(_ call: SMCArguments) -> SMCReturn {
            recorder.issue(call, cpu: cpu)
            let answer = machine.smc(call, cpu: cpu)
            recorder.answered(answer, cpu: cpu)
            let fid = FunctionID(call.x0)
            let status = RMIResult(rawValue: answer.x0).status
            if let allowed = AllowedStatuses.allowed(fid), !allowed.contains(status) {
                problems.append("cpu \(cpu): \(fid.rmiCommand.map { "\($0.name)" } ?? "?") answered \(status.name)")
            }
            return answer
        }
        /// Drives an operation REALM_CREATE or REALM_DESTROY started, for a few steps: donates random granules of
        /// the window when asked (a refused list cancels a cancellable operation), reclaims into this CPU's list
        /// page, continues otherwise. An operation left unfinished keeps its context, as a faulty host's would.
        func drive(_ started: SMCReturn, steps: Int = 8) {
            let list = window + 0x10_2000 + UInt64(cpu) * g
            var answer = started
            var cancelled = false
            for _ in 0..<steps {
                let result = RMIResult(rawValue: answer.x0)
                guard result.status == .incomplete else { return }
                switch result.memoryRequest {
                case .donate:
                    let count = UInt64(OpMemDonateRequest(encoding: answer.x2)?.count ?? 0)
                    for i in 0..<count {
                        let page = AddressRangeDescriptor(
                            base: PhysicalAddress(granule()), blockSize: .level3, count: 1, state: .delegated)
                        _ = machine.memory.write64(
                            .nonSecure, pa: PhysicalAddress(list + i * 8), value: page.encoding(granule: .size4KB)!)
                    }
                    let donated = issue(SMCArguments(FunctionID.opMemDonate.rawValue, started.x1, list, count))
                    guard RMIResult(rawValue: donated.x0).status != .errorInput else {
                        guard result.canCancel, !cancelled else { return }
                        cancelled = true
                        answer = issue(SMCArguments(FunctionID.opCancel.rawValue, started.x1))
                        continue
                    }
                    answer = donated
                case .reclaim:
                    answer = issue(SMCArguments(FunctionID.opMemReclaim.rawValue, started.x1, list, 512))
                default:
                    answer = issue(SMCArguments(FunctionID.opContinue.rawValue, started.x1))
                }
            }
        }
        for _ in 0..<calls {
            if el3Busy && random.next() % 16 == 0 { try? machine.faultInjector.inject(.el3Busy, count: 1) }
            if let coarseUnit, random.next() % 8 == 0 {
                // The whole COARSE unit, driven to its end: one EL3 call per step.
                let fid: FunctionID = random.next() % 2 == 0 ? .granuleRangeDelegate : .granuleRangeUndelegate
                let started = issue(SMCArguments(fid.rawValue, coarseUnit, coarseUnit + (2 << 20)))
                if RMIResult(rawValue: started.x0).status == .incomplete { drive(started, steps: 4096) }
                continue
            }
            let call: SMCArguments
            // Now and then the RMM's lifecycle moves under the other CPUs: a DEACTIVATE (which must see them, or
            // make them wait, before it frees the granule table) or an ACTIVATE to come back.
            if random.next() % 50 == 0 {
                let fid: FunctionID = random.next() % 2 == 0 ? .rmmDeactivate : .rmmActivate
                call = SMCArguments(fid.rawValue)
            } else {
                switch random.next() % 10 {
                case 0...3:
                    let base = granule()
                    let top = base + (1 + random.next() % 32) * g
                    let fid: FunctionID = random.next() % 2 == 0 ? .granuleRangeDelegate : .granuleRangeUndelegate
                    call = SMCArguments(fid.rawValue, base, min(top, window + granules * g))
                case 4:
                    let rd = granule()
                    let rtt = granule()
                    _ = machine.memory.write64(.nonSecure, pa: PhysicalAddress(window + 0x10_0000 + 0x808), value: rtt)
                    call = SMCArguments(FunctionID.realmCreate.rawValue, rd, window + 0x10_0000)
                case 5: call = SMCArguments(FunctionID.rttCreate.rawValue, granule(), granule(), 0x4000_0000, 2)
                case 6:
                    call = SMCArguments(FunctionID.rttDataMapInit.rawValue, granule(), granule(), 0, window + 0x10_1000)
                case 7: call = SMCArguments(FunctionID.realmTerminate.rawValue, granule())
                case 8: call = SMCArguments(FunctionID.realmDestroy.rawValue, granule())
                default: call = SMCArguments(FunctionID.rttDestroy.rawValue, granule(), 0x4000_0000, 2)
                }
            }
            let answer = issue(call)
            let fid = FunctionID(call.x0)
            let status = RMIResult(rawValue: answer.x0).status
            if status == .success && (fid == .granuleRangeDelegate || fid == .granuleRangeUndelegate) {
                if !(answer.x1 > call.x1 && answer.x1 <= call.x2 && answer.x1 % g == 0) {
                    problems.append("cpu \(cpu): out_top 0x\(String(answer.x1, radix: 16)) outside (base, top]")
                }
            }
            if status == .incomplete && (fid == .realmCreate || fid == .realmDestroy) { drive(answer) }
        }
        return problems
    }
}
