public import CCAArch
public import CCAPlatform
import MachineHost
import RMIHost

/// A short program of host steps decoded from fuzzer bytes: SMCs from several host CPUs, Non-secure memory
/// accesses and fault injections, run against a fresh small machine with `SMCOracle` after every step.
///
/// The libFuzzer target (`Fuzz/`) hands its input to `init(decoding:)`; any byte string decodes (bytes past the
/// last complete step are ignored), so no input is refused. The encoding, byte by byte:
///
/// - Header: bit 0 has the host create the L1 GPT tables (so GPT_L1_CREATE and GPT_L1_DESTROY can act); bit 1
///   skips the host bring-up, so the program starts from an RMM that is not configured or active; bit 2, with bits
///   7:3 clear, makes the second DRAM region a whole L0 region (1 GiB), whose table can fold (its steps cost more,
///   and the invariants are checked at the end only); bit 3 has EL3 move at most `el3MaxGranules` granules per GPI
///   change, with 2 MiB tracking regions, so COARSE units move in pieces (bet3.md section 5).
/// - Then at most `maximumSteps` steps, each an opcode byte `o` whose low three bits choose the step:
///   - 0 to 3, an SMC: from CPU `(o >> 3) & 3`, with `min((o >> 5), 6)` argument registers; a byte naming the
///     function (`functions[b % count]`, or 0xFF followed by a raw 8-byte ID), then one operand per register.
///   - 4, a host read: an address operand and a byte `n`, reading `(n + 1) * 32` bytes.
///   - 5, a host write: an address operand, a value operand and a byte `n`, writing the value `n % 64 + 1` times.
///   - 6, a fault injection: a byte choosing the fault (`FuzzStep.faultCodes`: a fault, or clear) and a count byte.
///   - 7, an injected command answer: a function byte, a byte choosing one of the command's failure statuses and
///     a count byte.
/// - An operand is a tag byte `t` (kind `(t & 15) % 9`, payload `t >> 4`) and the bytes its kind takes
///   (`FuzzOperand`).
public struct FuzzProgram: Hashable, Sendable {
    /// The host creates the L1 tables at bring-up.
    public var hostCreatedL1Tables: Bool
    /// The host bring-up runs before the first step.
    public var bringUp: Bool
    /// The second DRAM region fills its L0 region: [4 GiB, 5 GiB) rather than 2 MiB at 4 GiB.
    public var wholeL0Region: Bool
    /// EL3 moves at most `el3MaxGranules` granules per GPI change, and the host configures 2 MiB tracking regions.
    public var el3InPieces: Bool
    public var steps: [FuzzStep]

    /// The EL3 limit of a program with `el3InPieces`: a 2 MiB COARSE unit moves in eight pieces.
    public static let el3MaxGranules: UInt64 = 64

    /// Steps past this many are not decoded: a program stays short, as libFuzzer's inputs should run fast.
    public static let maximumSteps = 96

    public init(
        hostCreatedL1Tables: Bool = false, bringUp: Bool = true, wholeL0Region: Bool = false,
        el3InPieces: Bool = false, steps: [FuzzStep]
    ) {
        self.hostCreatedL1Tables = hostCreatedL1Tables
        self.bringUp = bringUp
        self.wholeL0Region = wholeL0Region
        self.el3InPieces = el3InPieces
        self.steps = steps
    }

    /// The functions a one-byte index names: every implemented command, some that are known but not modelled,
    /// EL3-only IDs, a non-RMI ID, an unassigned RMI ID and an ID with the SVE hint bit.
    public static let functions: [FunctionID] = [
        .version, .features, .rmmConfigSet, .rmmConfigGet, .rmmActivate, .rmmStateGet, .granuleTrackingGet,
        .granuleTrackingSet, .granuleRangeDelegate, .granuleRangeUndelegate, .gptL1Create, .gptL1Destroy, .gptInfo,
        .opContinue, .opMemDonate, .opMemReclaim, .opCancel, .realmCreate, .realmActivate, .realmTerminate,
        .realmDestroy, .recCreate, .recDestroy, .rttCreate, .rttDestroy, .rttReadEntry, .rttDataMapInit,
        .rttDataUnmap, .rmmDeactivate, .recEnter, .rttFold, .rttDataMap,
        FunctionID(EL3FunctionID.gtsiDelegate.rawValue), FunctionID(EL3FunctionID.gpiSet.rawValue),
        FunctionID(EL3FunctionID.l1GPTCreate.rawValue), FunctionID(0x8400_0000), FunctionID(0xC400_01FF),
        FunctionID(FunctionID.granuleRangeDelegate.rawValue | FunctionID.sveHintBit),
    ]

    /// Addresses an `.edge` operand names: the ends of each DRAM region, device memory, a hole, addresses past
    /// the PA space, the top of the address space, an L0 region's start.
    public static let edges: [UInt64] = [
        0, dram, dramTop - granule, dramTop, 0x4000_0000, 0xC000_0000, 1 << 40, ~0 - granule + 1,
        0x1_0000_0000, 0x1_0020_0000 - granule, 0x1_0020_0000, dram + 0x20_0000, 1 << 52, 0x7FFF_F000, ~0,
        dram + 0x10_0000,
    ]

    static let granule: UInt64 = 0x1000
    static let dram: UInt64 = 0x8000_0000
    /// The first DRAM region is 4 MiB: the oracle walks every granule twice a step, so memory costs speed.
    static let dramSize: UInt64 = 4 << 20
    static let dramTop: UInt64 = dram + dramSize

    // MARK: Decoding and encoding

    /// The program `bytes` encode. Every byte string is a program.
    public init(decoding bytes: [UInt8]) {
        var reader = FuzzByteReader(bytes)
        let header = reader.byte() ?? 0
        hostCreatedL1Tables = header & 1 != 0
        bringUp = header & 2 == 0
        // Rare among mutated headers (1 in 64): such programs cost about a hundred times more a step.
        wholeL0Region = header & 0xFC == 4
        el3InPieces = header & 8 != 0
        steps = []
        while steps.count < Self.maximumSteps, let step = FuzzStep(reading: &reader) {
            steps.append(step)
        }
    }

    /// The bytes that decode to this program.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [
            (hostCreatedL1Tables ? 1 : 0) | (bringUp ? 0 : 2) | (wholeL0Region ? 4 : 0) | (el3InPieces ? 8 : 0)
        ]
        for step in steps { step.encode(into: &bytes) }
        return bytes
    }

    // MARK: Running

    /// What went wrong in a program: the step, what it did and what the oracle found.
    public struct Violation: Hashable, Sendable, CustomStringConvertible {
        public var step: Int
        public var action: String
        public var problem: String

        public var description: String { "step \(step) (\(action)): \(problem)" }
    }

    /// What a run did: how many steps ran, the statuses each function's SMCs answered, and the first violation.
    public struct Outcome: Sendable {
        public var stepsRun = 0
        /// Per function ID (as dispatched: W0 without the SVE hint), the statuses its calls answered.
        public var statuses: [FunctionID: Set<RMIStatus>] = [:]
        public var violation: Violation?
    }

    /// The small machine a program runs on: the random fuzzer's with four CPUs and 4 MiB in its first DRAM region
    /// (and a 1 GiB second DRAM region with `wholeL0Region`).
    public func configuration() -> PlatformConfiguration {
        var configuration = SMCFuzzer.configuration(
            seed: 1, hostCreatedL1Tables: hostCreatedL1Tables, el3MaxGranules: el3InPieces ? Self.el3MaxGranules : nil)
        configuration.cpuCount = 4
        configuration.dramRegions[0].size = Self.dramSize
        if wholeL0Region { configuration.dramRegions[1].size = 1 << 30 }
        return configuration
    }

    /// Runs the program on a fresh machine, checking every step with `SMCOracle` (the invariants after every SMC
    /// that changed the state, and at the end), and stops at the first violation; `trace` sees each step's index and what it did. Throws only if the
    /// machine or the host bring-up cannot be made.
    public func run(trace: ((Int, String) -> Void)? = nil) throws -> Outcome {
        let machine = try Machine(configuration: configuration())
        if bringUp { try machine.host().initialize() }
        let oracle = SMCOracle(machine: machine)
        var context = FuzzStep.Context()
        context.invariantsAtEndOnly = wholeL0Region
        var outcome = Outcome()
        // The state before the next step: each step's check leaves the state after it here.
        var state = oracle.snapshot()
        for (index, step) in steps.enumerated() {
            outcome.stepsRun = index + 1
            let (action, problem) = step.run(on: machine, oracle: oracle, state: &state, context: &context)
            if let (call, answer) = context.lastSMC {
                outcome.statuses[FunctionID(dispatching: call.x0), default: []].insert(
                    RMIResult(rawValue: answer.x0).status)
            }
            trace?(index, action)
            if let problem {
                outcome.violation = Violation(step: index, action: action, problem: problem)
                return outcome
            }
        }
        if let broken = machine.checkInvariants().first {
            outcome.violation = Violation(step: steps.count, action: "the end", problem: "invariant: \(broken)")
        }
        return outcome
    }
}

/// One step of a `FuzzProgram`.
public enum FuzzStep: Hashable, Sendable {
    /// An SMC from host CPU `cpu` (0 to 3) to `function`, X1 onwards from the operands (at most 6; the rest are 0).
    case smc(cpu: UInt8, function: FuzzFunction, arguments: [FuzzOperand])
    /// A Non-secure read of `(length + 1) * 32` bytes.
    case read(FuzzOperand, length: UInt8)
    /// A Non-secure write of the 64-bit `value`, `count + 1` times in a row (count 0 to 63).
    case write(FuzzOperand, value: FuzzOperand, count: UInt8)
    /// `count + 1` events of the fault `FuzzStep.faultCodes[fault]`, or a clear where that entry is `nil`.
    case inject(fault: UInt8, count: UInt8)
    /// The next `count + 1` calls of the function answer its `status`-th failure status without reaching the RMM.
    case injectAnswer(function: FuzzFunction, status: UInt8, count: UInt8)

    /// The faults a fault byte chooses, in the order of the format's first version (busy, blocked, zero_progress,
    /// el3_refuse, irq, then `nil` for a clear), and faults added since after them, so inputs keep their meaning.
    static let faultCodes: [InjectedFault?] = [.busy, .blocked, .zeroProgress, .el3Refuse, .irq, nil, .el3Busy]

    /// What steps share while a program runs: the handles of operations started, the last SMC's answer.
    struct Context {
        var handles: [UInt64] = []
        var lastSMC: (call: SMCArguments, answer: SMCReturn)?
        /// The machine is large: the invariant checker runs at the end of the program only.
        var invariantsAtEndOnly = false
    }

    init?(reading reader: inout FuzzByteReader) {
        guard let opcode = reader.byte() else { return nil }
        switch opcode & 7 {
        case 0...3:
            guard let function = FuzzFunction(reading: &reader) else { return nil }
            var arguments: [FuzzOperand] = []
            for _ in 0..<min(Int(opcode >> 5), 6) {
                guard let operand = FuzzOperand(reading: &reader) else { return nil }
                arguments.append(operand)
            }
            self = .smc(cpu: (opcode >> 3) & 3, function: function, arguments: arguments)
        case 4:
            guard let address = FuzzOperand(reading: &reader), let length = reader.byte() else { return nil }
            self = .read(address, length: length)
        case 5:
            guard let address = FuzzOperand(reading: &reader), let value = FuzzOperand(reading: &reader),
                let count = reader.byte()
            else { return nil }
            self = .write(address, value: value, count: count % 64)
        case 6:
            guard let fault = reader.byte(), let count = reader.byte() else { return nil }
            self = .inject(fault: fault % UInt8(Self.faultCodes.count), count: count % 8)
        default:
            guard let function = FuzzFunction(reading: &reader), let status = reader.byte(), let count = reader.byte()
            else { return nil }
            self = .injectAnswer(function: function, status: status, count: count % 4)
        }
    }

    func encode(into bytes: inout [UInt8]) {
        switch self {
        case .smc(let cpu, let function, let arguments):
            bytes.append(UInt8(min(arguments.count, 6)) << 5 | (cpu & 3) << 3)
            function.encode(into: &bytes)
            for operand in arguments.prefix(6) { operand.encode(into: &bytes) }
        case .read(let address, let length):
            bytes.append(4)
            address.encode(into: &bytes)
            bytes.append(length)
        case .write(let address, let value, let count):
            bytes.append(5)
            address.encode(into: &bytes)
            value.encode(into: &bytes)
            bytes.append(count)
        case .inject(let fault, let count):
            bytes += [6, fault, count]
        case .injectAnswer(let function, let status, let count):
            bytes.append(7)
            function.encode(into: &bytes)
            bytes += [status, count]
        }
    }

    /// Runs the step and checks it from `state`, which becomes the state after the step; answers a description of
    /// what it did and the oracle's finding. (Injecting a fault changes nothing a snapshot holds.)
    func run(
        on machine: Machine, oracle: SMCOracle, state: inout SMCOracle.Snapshot, context: inout Context
    ) -> (action: String, problem: String?) {
        context.lastSMC = nil
        switch self {
        case .smc(let cpu, let function, let operands):
            var call = SMCArguments(function.id.rawValue)
            for (index, operand) in operands.prefix(6).enumerated() {
                call[index + 1] = operand.value(previous: call[index], handles: context.handles)
            }
            let answer = machine.smc(call, cpu: Int(cpu) % machine.configuration.cpuCount)
            context.lastSMC = (call, answer)
            // A command that starts an operation answers its handle; the OP_* commands answer counts.
            let resumes: [FunctionID] = [.opContinue, .opMemDonate, .opMemReclaim, .opCancel]
            if RMIResult(rawValue: answer.x0).status == .incomplete, !resumes.contains(FunctionID(dispatching: call.x0))
            {
                context.handles.append(answer.x1)
                if context.handles.count > 8 { context.handles.removeFirst() }
            }
            let registers = (0..<SMCArguments.count).map { "0x" + String(call[$0], radix: 16) }.joined(separator: ", ")
            let action = "SMC [\(registers)] on CPU \(cpu) answered 0x\(String(answer.x0, radix: 16))"
            let invariants: SMCOracle.InvariantCheck = context.invariantsAtEndOnly ? .never : .whenChanged
            return (action, oracle.check(call, answer: answer, advancing: &state, invariants: invariants))
        case .read(let address, let length):
            let pa = PhysicalAddress(address.value(previous: 0, handles: context.handles))
            let count = (Int(length) + 1) * 32
            let result = machine.memory.read(.nonSecure, pa: pa, count: count)
            let action = "read of \(count) bytes at 0x\(String(pa.rawValue, radix: 16))"
            let succeeded = (try? result.get()) != nil
            return (action, oracle.checkHostAccess(pa: pa, count: count, succeeded: succeeded, advancing: &state))
        case .write(let address, let valueOperand, let count):
            let pa = address.value(previous: 0, handles: context.handles)
            let value = valueOperand.value(previous: pa, handles: context.handles)
            let words = Int(count % 64) + 1
            let word = (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64($0 * 8)) }  // little-endian
            let bytes = (0..<words).flatMap { _ in word }
            let result = machine.memory.write(.nonSecure, pa: PhysicalAddress(pa), bytes: bytes)
            let action = "write of 0x\(String(value, radix: 16)) x \(words) at 0x\(String(pa, radix: 16))"
            let succeeded = (try? result.get()) != nil
            return (
                action,
                oracle.checkHostAccess(
                    pa: PhysicalAddress(pa), count: bytes.count, succeeded: succeeded, advancing: &state)
            )
        case .inject(let fault, let count):
            guard let chosen = Self.faultCodes[Int(fault) % Self.faultCodes.count] else {
                machine.faultInjector.clear()
                return ("clear the injected faults", nil)
            }
            try? machine.faultInjector.inject(chosen, count: Int(count % 8) + 1)
            return ("inject \(chosen.protocolName) x \(count % 8 + 1)", nil)
        case .injectAnswer(let function, let status, let count):
            let failures = (AllowedStatuses.allowed(function.id) ?? []).filter { $0 != .success && $0 != .incomplete }
            guard !failures.isEmpty else {
                return ("no failure to inject for 0x\(String(function.id.rawValue, radix: 16))", nil)
            }
            let chosen = failures[Int(status) % failures.count]
            try? machine.faultInjector.injectCommand(
                functionID: function.id, status: chosen, count: Int(count % 4) + 1)
            return ("inject \(chosen.name) x \(count % 4 + 1) for 0x\(String(function.id.rawValue, radix: 16))", nil)
        }
    }
}

/// The function an SMC step names: an index into `FuzzProgram.functions`, or a raw ID.
public enum FuzzFunction: Hashable, Sendable {
    case known(UInt8)
    case raw(UInt64)

    /// The entry of `FuzzProgram.functions` that is `id`.
    public init(_ id: FunctionID) {
        if let index = FuzzProgram.functions.firstIndex(of: id) {
            self = .known(UInt8(index))
        } else {
            self = .raw(id.rawValue)
        }
    }

    public var id: FunctionID {
        switch self {
        case .known(let index): FuzzProgram.functions[Int(index) % FuzzProgram.functions.count]
        case .raw(let value): FunctionID(value)
        }
    }

    init?(reading reader: inout FuzzByteReader) {
        guard let byte = reader.byte() else { return nil }
        if byte == 0xFF {
            guard let value = reader.word() else { return nil }
            self = .raw(value)
        } else {
            self = .known(byte % UInt8(FuzzProgram.functions.count))
        }
    }

    func encode(into bytes: inout [UInt8]) {
        switch self {
        case .known(let index): bytes.append(index)
        case .raw(let value):
            bytes.append(0xFF)
            FuzzByteReader.append(value, to: &bytes)
        }
    }
}

/// A register or address value, built from what a fuzzer finds interesting.
public enum FuzzOperand: Hashable, Sendable {
    /// 0.
    case zero
    /// A small number, 0 to 15 (levels, flags, counts, indices).
    case small(UInt8)
    /// The DRAM granule `index` granules into the first DRAM region (its first MiB).
    case granule(UInt8)
    /// The DRAM granule `index % 1024` granules into the first DRAM region (anywhere in its 4 MiB).
    case farGranule(UInt16)
    /// The handle of the `index`-th most recent operation a command started (it answered RMI_INCOMPLETE), or 0.
    case handle(UInt8)
    /// The previous register plus `granules` granules, 0 to 15 (a top after a base; it may wrap).
    case afterPrevious(UInt8)
    /// `FuzzProgram.edges[index % count]`.
    case edge(UInt8)
    /// Any 64-bit value.
    case raw(UInt64)
    /// 8 to 128 bytes (`offset + 1` words) into the DRAM granule `index` granules into the first region.
    case misaligned(granule: UInt8, offset: UInt8)

    init?(reading reader: inout FuzzByteReader) {
        guard let tag = reader.byte() else { return nil }
        let payload = tag >> 4
        switch (tag & 15) % 9 {
        case 0: self = .zero
        case 1: self = .small(payload)
        case 2:
            guard let index = reader.byte() else { return nil }
            self = .granule(index)
        case 3:
            guard let low = reader.byte(), let high = reader.byte() else { return nil }
            self = .farGranule((UInt16(high) << 8 | UInt16(low)) % 1024)
        case 4: self = .handle(payload)
        case 5: self = .afterPrevious(payload)
        case 6: self = .edge(payload % UInt8(FuzzProgram.edges.count))
        case 7:
            guard let value = reader.word() else { return nil }
            self = .raw(value)
        default:
            guard let index = reader.byte() else { return nil }
            self = .misaligned(granule: index, offset: payload)
        }
    }

    func encode(into bytes: inout [UInt8]) {
        switch self {
        case .zero: bytes.append(0)
        case .small(let value): bytes.append((value & 15) << 4 | 1)
        case .granule(let index): bytes += [2, index]
        case .farGranule(let index): bytes += [3, UInt8(truncatingIfNeeded: index), UInt8(index >> 8)]
        case .handle(let index): bytes.append((index & 15) << 4 | 4)
        case .afterPrevious(let granules): bytes.append((granules & 15) << 4 | 5)
        case .edge(let index): bytes.append((index & 15) << 4 | 6)
        case .raw(let value):
            bytes.append(7)
            FuzzByteReader.append(value, to: &bytes)
        case .misaligned(let index, let offset): bytes += [(offset & 15) << 4 | 8, index]
        }
    }

    /// The value, given the register before it and the handles of the operations started so far.
    func value(previous: UInt64, handles: [UInt64]) -> UInt64 {
        let g = FuzzProgram.granule
        switch self {
        case .zero: return 0
        case .small(let value): return UInt64(value & 15)
        case .granule(let index): return FuzzProgram.dram + UInt64(index) * g
        case .farGranule(let index): return FuzzProgram.dram + UInt64(index % 1024) * g
        case .handle(let index):
            guard !handles.isEmpty else { return 0 }
            return handles[handles.count - 1 - Int(index) % handles.count]
        case .afterPrevious(let granules): return previous &+ UInt64(granules & 15) * g
        case .edge(let index): return FuzzProgram.edges[Int(index) % FuzzProgram.edges.count]
        case .raw(let value): return value
        case .misaligned(let index, let offset):
            return FuzzProgram.dram + UInt64(index) * g + UInt64(offset & 15 + 1) * 8
        }
    }
}

/// Reads a fuzzer's bytes front to back; `nil` once they run out.
struct FuzzByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A little-endian 64-bit word.
    mutating func word() -> UInt64? {
        guard bytes.count - offset >= 8 else { return nil }
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(bytes[offset + shift / 8]) << UInt64(shift) }
        offset += 8
        return value
    }

    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
