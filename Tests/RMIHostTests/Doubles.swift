import CCAArch
import RMIHost
import Synchronization

/// One scripted answer: fixed registers, or a closure that may act on memory first (an RMM writing a reclaim
/// list) and then answers.
enum ScriptStep: Sendable {
    case answer(SMCReturn)
    case act(@Sendable (SMCArguments) -> SMCReturn)
}

/// A conduit that answers from a queue, in order, and records every SMC issued, so tests assert exact traces.
/// An SMC past the end of the script answers SMCCC NOT_SUPPORTED and is counted in `overruns`.
final class ScriptedConduit: SMCConduit {
    private struct State {
        var script: [ScriptStep]
        var trace: [SMCArguments] = []
        var overruns = 0
    }
    private let state: Mutex<State>

    init(_ script: [ScriptStep] = []) { state = Mutex(State(script: script)) }

    convenience init(answers: [SMCReturn]) { self.init(answers.map { .answer($0) }) }

    func smc(_ arguments: SMCArguments) -> SMCReturn {
        let step = state.withLock { state -> ScriptStep? in
            state.trace.append(arguments)
            guard !state.script.isEmpty else {
                state.overruns += 1
                return nil
            }
            return state.script.removeFirst()
        }
        switch step {
        case nil: return .notSupported
        case .answer(let answer)?: return answer
        case .act(let action)?: return action(arguments)
        }
    }

    /// Appends answers to the script.
    func enqueue(_ steps: [ScriptStep]) { state.withLock { $0.script += steps } }
    func enqueue(answers: [SMCReturn]) { enqueue(answers.map { .answer($0) }) }
    /// Forgets the trace so far.
    func clearTrace() { state.withLock { $0.trace = [] } }

    var trace: [SMCArguments] { state.withLock { $0.trace } }
    var unusedSteps: Int { state.withLock { $0.script.count } }
    var overruns: Int { state.withLock { $0.overruns } }
}

/// A thread-safe conduit answering by rule, recording every SMC.
final class RuleConduit: SMCConduit {
    private let rule: @Sendable (SMCArguments) -> SMCReturn
    private let recorded = Mutex<[SMCArguments]>([])

    init(_ rule: @escaping @Sendable (SMCArguments) -> SMCReturn) { self.rule = rule }

    func smc(_ arguments: SMCArguments) -> SMCReturn {
        recorded.withLock { $0.append(arguments) }
        return rule(arguments)
    }

    var trace: [SMCArguments] { recorded.withLock { $0 } }
}

/// Sparse Non-secure memory: unwritten bytes read as `fill`; accesses touching the faulting range throw.
final class MemoryDouble: HostMemory {
    private let bytes = Mutex<[UInt64: UInt8]>([:])
    private let fill: UInt8
    private let faultingRange = Mutex<Range<UInt64>?>(nil)

    init(fill: UInt8 = 0) { self.fill = fill }

    /// Makes every access touching `range` fault from now on.
    func fault(_ range: Range<UInt64>?) { faultingRange.withLock { $0 = range } }

    private var faulting: Range<UInt64>? { faultingRange.withLock { $0 } }

    func write(_ data: [UInt8], at address: PhysicalAddress) throws(HostMemoryError) {
        let range = address.rawValue..<address.rawValue + UInt64(data.count)
        if let faulting, faulting.overlaps(range) {
            throw HostMemoryError(address: PhysicalAddress(max(faulting.lowerBound, range.lowerBound)))
        }
        bytes.withLock { memory in
            for (offset, byte) in data.enumerated() { memory[address.rawValue + UInt64(offset)] = byte }
        }
    }

    func read(_ count: Int, at address: PhysicalAddress) throws(HostMemoryError) -> [UInt8] {
        let range = address.rawValue..<address.rawValue + UInt64(count)
        if let faulting, faulting.overlaps(range) {
            throw HostMemoryError(address: PhysicalAddress(max(faulting.lowerBound, range.lowerBound)))
        }
        return bytes.withLock { memory in
            (0..<UInt64(count)).map { memory[address.rawValue + $0] ?? fill }
        }
    }

    /// Reads little-endian words, for assertions.
    func words(_ count: Int, at address: PhysicalAddress) -> [UInt64] {
        (try? readWords(count, at: address)) ?? []
    }
}

/// Counts calls to the injected yield.
final class YieldCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    var yield: @Sendable () -> Void { { self.count.withLock { $0 += 1 } } }
}

// MARK: Registers

let page: UInt64 = 0x1000

func rmi(_ status: RMIStatus, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0) -> SMCReturn {
    SMCReturn(RMIResult(status).rawValue, x1, x2, x3)
}

func incomplete(
    _ request: OpMemRequest = .none, canCancel: Bool = false, x1: UInt64 = 0, x2: UInt64 = 0
) -> SMCReturn {
    SMCReturn(RMIResult.incomplete(request, canCancel: canCancel).rawValue, x1, x2)
}

func call(_ id: FunctionID, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0) -> SMCArguments {
    SMCArguments(id.rawValue, x1, x2, x3)
}

// MARK: A host on a default machine

/// DRAM of the test machine: 16 MiB at 2 GiB (one L0 GPT region of 1 GiB).
let dramBase = PhysicalAddress(0x8000_0000)
let dram = try! GranuleRange(base: dramBase, size: 16 << 20)

/// FEATURES register 1: 4 KB granules, L0GPTSZ 0 (1 GiB L0 regions).
let features1Value: UInt64 = 0b1 | (1 << 3)
let features0Value: UInt64 = 48 | (1 << 14) | (1 << 20)

/// The answers of a clean bring-up on `regions` (one TRACKING_GET per region, GPT L1 tables platform-managed).
func bringUpScript(regions: [GranuleRange] = [dram]) -> [ScriptStep] {
    var answers: [SMCReturn] = [
        rmi(.success, 0x20000, 0x20000),
        rmi(.success, features0Value),
        rmi(.success, features1Value),
        rmi(.success),
        rmi(.success),
    ]
    for region in regions {
        answers.append(rmi(.success, 0, 2, region.top.rawValue))
    }
    var l0Bases = Set<UInt64>()
    for region in regions { l0Bases.insert(region.base.rawValue & ~((1 << 30) - 1)) }
    for _ in l0Bases { answers.append(rmi(.errorGlobal)) }
    return answers.map { .answer($0) }
}

/// A policy for tests: yields counted, small budgets unless given.
func testPolicy(
    attempts: Int = 64, blocked: Int = 3, spins: Int = 2, continuations: Int = 64, yields: YieldCounter = YieldCounter()
) -> RetryPolicy {
    RetryPolicy(
        attemptBudget: attempts, blockedAttemptBudget: blocked, spinsBeforeYield: spins,
        continuationBudget: continuations, yield: yields.yield)
}

/// A host that has completed bring-up on `dram`, with an empty trace.
func activeHost(
    policy: RetryPolicy = testPolicy(), memory: MemoryDouble = MemoryDouble(), allocator: HostPageAllocator? = nil
) throws -> (HostRMI, ScriptedConduit) {
    let conduit = ScriptedConduit(bringUpScript())
    let host = HostRMI(
        conduit: conduit, memory: memory, configuration: HostConfiguration(dramRegions: [dram], retryPolicy: policy),
        allocator: allocator)
    try host.initialize()
    precondition(conduit.unusedSteps == 0 && conduit.overruns == 0, "bring-up script out of step")
    conduit.clearTrace()
    return (host, conduit)
}
