public import CCAArch
public import CCAPlatform
import Synchronization

/// A small concurrent scenario for the interleaving checker: a machine, set up sequentially, then a short
/// program per CPU run concurrently, and what must hold at the end.
public struct InterleavingScenario: Sendable {
    public let name: String
    /// One line: what races what.
    public let summary: String
    public let platform: PlatformConfiguration
    /// Brings the machine to the scenario's starting state, one SMC at a time, before any CPU runs; what it
    /// answers starts the CPUs' mailbox (an operation's handle).
    let prepare: @Sendable (Machine) -> [String: UInt64]
    /// CPU `i` runs `programs[i]`.
    let programs: [@Sendable (ScenarioCPU) -> Void]
    /// What must hold after every interleaving, besides the machine's invariants and the statuses each command
    /// may answer: the answers each CPU got, CPU by CPU.
    let check: @Sendable (Machine, [[ScenarioCall]]) -> [String]

    public var cpus: Int { programs.count }

    init(
        name: String, summary: String, platform: PlatformConfiguration = InterleavingScenario.smallPlatform,
        prepare: @escaping @Sendable (Machine) -> [String: UInt64], programs: [@Sendable (ScenarioCPU) -> Void],
        check: @escaping @Sendable (Machine, [[ScenarioCall]]) -> [String] = { _, _ in [] }
    ) {
        self.name = name
        self.summary = summary
        var platform = platform
        platform.cpuCount = programs.count
        self.platform = platform
        self.prepare = prepare
        self.programs = programs
        self.check = check
    }

    /// The same scenario on an EL3 that moves at most `maxGranules` granules per GPI change (`--el3-max-granules`).
    /// A scenario built around a limit of its own (`coarse-partial`) keeps it: its unit stays a few pieces, where a
    /// small limit would make every interleaving hundreds of continuations long.
    public func withEL3MaxGranules(_ maxGranules: UInt64) -> InterleavingScenario {
        guard platform.el3MaxGranulesPerCall == nil else { return self }
        var platform = platform
        platform.el3MaxGranulesPerCall = maxGranules
        return InterleavingScenario(
            name: name, summary: summary, platform: platform, prepare: prepare, programs: programs, check: check)
    }

    /// 4 MiB of DRAM at 0x8000_0000 in a 32-bit physical address space: small enough that the invariant checker
    /// after every interleaving costs little.
    public static var smallPlatform: PlatformConfiguration {
        var platform = PlatformConfiguration.default
        platform.physicalAddressBits = 32
        platform.dramRegions = [MemoryRegion(name: "DRAM0", base: PhysicalAddress(0x8000_0000), size: 0x40_0000)]
        platform.mmioRegions = []
        return platform
    }
}

/// One SMC a scenario CPU made and its answer.
public struct ScenarioCall: Sendable, Hashable {
    public var arguments: SMCArguments
    public var answer: SMCReturn

    public var function: FunctionID { FunctionID(arguments.x0) }
    public var status: RMIStatus { RMIResult(rawValue: answer.x0).status }
}

/// What a scenario CPU's program sees: its SMCs (each labels the steps it takes) and a mailbox shared by all CPUs.
public final class ScenarioCPU: @unchecked Sendable {
    // @unchecked: used only by the CPU's own program, one step at a time under the cooperative scheduler.
    public let index: Int
    public let machine: Machine
    let scheduler: CooperativeScheduler?
    let mailbox: ScenarioMailbox
    private(set) var calls: [ScenarioCall] = []

    init(index: Int, machine: Machine, scheduler: CooperativeScheduler?, mailbox: ScenarioMailbox) {
        self.index = index
        self.machine = machine
        self.scheduler = scheduler
        self.mailbox = mailbox
    }

    /// Issues one SMC from this CPU and records it.
    @discardableResult
    public func smc(
        _ fid: FunctionID, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0, _ x4: UInt64 = 0
    )
        -> SMCReturn
    {
        let arguments = SMCArguments(fid.rawValue, x1, x2, x3, x4)
        scheduler?.label(cpu: index, fid.rmiCommand.map { "\($0.name)" } ?? "FID 0x" + String(fid.rawValue, radix: 16))
        let answer = machine.smc(arguments, cpu: index)
        calls.append(ScenarioCall(arguments: arguments, answer: answer))
        return answer
    }
}

/// Values one CPU of a scenario leaves for another (an operation's handle), outside the firmware's memory.
final class ScenarioMailbox: Sendable {
    private let values: Mutex<[String: UInt64]>
    init(_ initial: [String: UInt64]) { values = Mutex(initial) }
    func post(_ key: String, _ value: UInt64) { values.withLock { $0[key] = value } }
    func read(_ key: String) -> UInt64? { values.withLock { $0[key] } }
}
