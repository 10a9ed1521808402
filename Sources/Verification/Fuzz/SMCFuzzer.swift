public import CCAArch
public import CCAPlatform
import GranuleProtection
import MachineHost
import RMIHost
import RMM

/// What the fuzzer found wrong with one SMC.
public struct FuzzViolation: CustomStringConvertible, Sendable {
    public var seed: UInt64
    /// Index of the failing call in the seed's sequence (the calls before it rebuild the state).
    public var iteration: Int
    /// The call, simplified as far as it still fails.
    public var call: SMCArguments
    public var answer: SMCReturn
    public var problem: String

    public var description: String {
        let registers = (0..<SMCArguments.count).map { "0x" + String(call[$0], radix: 16) }.joined(separator: ", ")
        return "seed \(seed), call #\(iteration): [\(registers)] answered 0x\(String(answer.x0, radix: 16)): \(problem)"
    }
}

/// The fuzzer's summary.
public struct FuzzReport: Sendable {
    public var seed: UInt64
    public var iterations: Int
    public var statusCounts: [UInt64: Int]
    public var violations: [FuzzViolation]
    public var elapsed: Duration
}

/// An SMC fuzzer against the real RMM: random and structure-aware register files (implemented FIDs with edge-case
/// addresses: 0, misaligned, the ends of memory, wrapping ranges, MMIO, holes, granules in each state), checking
/// every call with `SMCOracle`: the status is one the command may return, a failure changed nothing, a granule
/// leaving the Realm world is scrubbed, and the machine's invariants (every 16 calls).
public struct SMCFuzzer: Sendable {
    /// The small machine the fuzzer drives: 64 MiB of DRAM in one region, device memory below it, 2 CPUs; with
    /// `hostCreatedL1Tables`, the host's bring-up creates the L1 GPT tables (so GPT_L1_DESTROY can fold them).
    /// With `el3MaxGranules`, EL3 moves at most that many granules per GPI change, and the host configures 2 MiB
    /// tracking regions so that the DRAM holds whole COARSE units to move in pieces (bet3.md section 5).
    public static func configuration(
        seed: UInt64, hostCreatedL1Tables: Bool = false, el3MaxGranules: UInt64? = nil
    ) -> PlatformConfiguration {
        var configuration = PlatformConfiguration.default
        configuration.dramRegions = [
            MemoryRegion(name: "DRAM0", base: PhysicalAddress(0x8000_0000), size: 64 << 20),
            MemoryRegion(name: "DRAM1", base: PhysicalAddress(0x1_0000_0000), size: 2 << 20),
        ]
        configuration.cpuCount = 2
        configuration.seed = seed
        configuration.hostCreatedL1Tables = hostCreatedL1Tables
        if let el3MaxGranules {
            configuration.el3MaxGranulesPerCall = el3MaxGranules
            configuration.trackingRegionSize = 2 << 20
        }
        return configuration
    }

    /// What the fuzzer calls: every row of the RMM's command table, the range commands three times over (most of
    /// the model's logic is there), and two RMI commands the model does not implement (RMI_ERROR_NOT_SUPPORTED).
    static let commands: [FunctionID] =
        RealmManagementMonitor.commands.map(\.id)
        + [.granuleRangeDelegate, .granuleRangeDelegate, .granuleRangeUndelegate, .granuleRangeUndelegate]
        + [.recEnter, .rttFold]

    let seed: UInt64
    let hostCreatedL1Tables: Bool
    let el3MaxGranules: UInt64?
    /// Whether one call in eight is preceded by an `el3_busy` injection (EL3 answers its next GPI change BUSY).
    let el3Busy: Bool

    public init(seed: UInt64, hostCreatedL1Tables: Bool = false, el3MaxGranules: UInt64? = nil, el3Busy: Bool = false) {
        self.seed = seed
        self.hostCreatedL1Tables = hostCreatedL1Tables
        self.el3MaxGranules = el3MaxGranules
        self.el3Busy = el3Busy
    }

    /// The register file of call `index`, drawn from the seed, with handles from earlier answers.
    static func call(_ random: inout DeterministicRandom, handles: [UInt64]) -> SMCArguments {
        let dram: UInt64 = 0x8000_0000
        let dramTop: UInt64 = dram + (64 << 20)
        let g: UInt64 = 0x1000
        func address() -> UInt64 {
            switch random.next() % 16 {
            case 0: return 0
            case 1: return dram
            case 2: return dramTop - g
            case 3: return dramTop
            case 4: return dram + (random.next() % 16) * g + 8  // misaligned
            case 5: return 0x4000_0000 + (random.next() % 64) * g  // MMIO
            case 6: return 0xC000_0000 + (random.next() % 64) * g  // hole
            case 7: return 1 << 40
            case 8: return ~0 - g + 1
            case 9: return 0x1_0000_0000 + (random.next() % 600) * g  // DRAM1 and beyond its end
            case 10: return random.next()
            default: return dram + (random.next() % 96) * g  // a small pool of granules reused often
            }
        }
        let roll = random.next() % 64
        let fid: UInt64 =
            roll == 0 ? random.next() : commands[Int(random.next() % UInt64(commands.count))].rawValue
        var call = SMCArguments(fid)
        for i in 1..<SMCArguments.count {
            switch random.next() % 8 {
            case 0: call[i] = 0
            case 1: call[i] = random.next() % 4  // levels, flags, small indices
            case 2: call[i] = handles.isEmpty ? random.next() : handles[Int(random.next() % UInt64(handles.count))]
            case 3: call[i] = call[i - 1] &+ (random.next() % 8) * g  // a top after a base; may wrap
            default: call[i] = address()
            }
        }
        if fid == FunctionID.version.rawValue && random.next() % 2 == 0 { call.x1 = 0x2_0000 }
        return call
    }

    /// Runs the seed's sequence up to `iterations` calls.
    public func run(iterations: Int, progress: (Int) -> Void = { _ in }) throws -> FuzzReport {
        let start = ContinuousClock.now
        var report = FuzzReport(seed: seed, iterations: 0, statusCounts: [:], violations: [], elapsed: .zero)
        if let violation = try replay(iterations: iterations, stopAt: nil, report: &report, progress: progress) {
            report.violations.append(minimize(violation))
        }
        report.elapsed = ContinuousClock.now - start
        return report
    }

    /// Replays the sequence; with `stopAt`, returns the machine state just before that call (and checks nothing).
    func replay(
        iterations: Int, stopAt: Int?, report: inout FuzzReport, progress: (Int) -> Void,
        override: SMCArguments? = nil
    ) throws -> FuzzViolation? {
        let machine = try Machine(
            configuration: Self.configuration(
                seed: seed, hostCreatedL1Tables: hostCreatedL1Tables, el3MaxGranules: el3MaxGranules))
        let host = machine.host()
        try host.initialize()
        let oracle = SMCOracle(machine: machine)
        var random = DeterministicRandom(seed: seed, stream: 0xF022)
        var handles: [UInt64] = []
        // The state before the next checked call: the last check's "after" (nothing runs in between).
        var snapshot: SMCOracle.Snapshot?
        for index in 0..<iterations {
            var call = Self.call(&random, handles: handles)
            if let stopAt, index == stopAt, let override { call = override }
            let cpu = Int(random.next() % 2)
            if el3Busy && random.next() % 8 == 0 { try? machine.faultInjector.inject(.el3Busy, count: 1) }
            let checking = stopAt == nil || index == stopAt
            if checking && snapshot == nil { snapshot = oracle.snapshot() }
            let answer = machine.smc(call, cpu: cpu)
            report.iterations = index + 1
            report.statusCounts[answer.x0 & 0xFF, default: 0] += 1
            let status = RMIResult(rawValue: answer.x0).status
            if status == .incomplete { handles.append(answer.x1) }
            if handles.count > 8 { handles.removeFirst() }
            if index % 256 == 0 { progress(index) }
            guard checking, var state = snapshot else { continue }
            let problem = oracle.check(
                call, answer: answer, advancing: &state,
                invariants: index % 16 == 0 || stopAt != nil ? .always : .never)
            snapshot = state
            if let problem {
                return FuzzViolation(seed: seed, iteration: index, call: call, answer: answer, problem: problem)
            }
            if stopAt != nil { return nil }
        }
        return nil
    }

    /// Simplifies the failing call register by register (to 0) while it still fails from the same state.
    func minimize(_ violation: FuzzViolation) -> FuzzViolation {
        var best = violation
        for register in 1..<SMCArguments.count where best.call[register] != 0 {
            var candidate = best.call
            candidate[register] = 0
            var scratch = FuzzReport(seed: seed, iterations: 0, statusCounts: [:], violations: [], elapsed: .zero)
            if let again = try? replay(
                iterations: violation.iteration + 1, stopAt: violation.iteration, report: &scratch,
                progress: { _ in }, override: candidate)
            {
                best = again
            }
        }
        return best
    }
}
