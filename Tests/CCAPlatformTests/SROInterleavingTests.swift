import CCAArch
import CCAPlatform
import Testing

/// Every user of a stateful operation, driven by the host through every sequence of requests this search makes:
/// at each RMI_INCOMPLETE the host may serve the request properly (a whole donation, or one granule when the RMM
/// takes several; a reclaim of all or of one), or disturb it (the wrong OP_* call, a donation the RMM must refuse,
/// OP_CANCEL, allowed or not), at most twice per sequence. Each sequence runs on a fresh machine, from the start.
///
/// After every step: the machine's invariants hold; a refused step changed no tracked granule. When the operation
/// ends: no tracked granule is PARTIAL, and donated memory is accounted for exactly: every donated granule that was
/// not reclaimed is in use by the object the operation built, every reclaimed one is back in the state it was
/// donated in.
private let granuleBytes: UInt64 = 0x1000
/// Where the host keeps its address lists: DRAM1, readable as Non-secure even as a Block.
private let listPage = PhysicalAddress(0x8_8000_0000)

@Suite("Stateful operations under every interleaving of host requests")
struct SROInterleavingTests {
    /// The operations that may ask the host for memory or give it back, and a range command.
    enum User: String, CaseIterable, CustomStringConvertible {
        case recCreate, recDestroy, realmCreate, realmDestroy, gptL1Create, gptL1Destroy, interruptedUndelegate
        var description: String { rawValue }
    }

    /// What the host does at one RMI_INCOMPLETE.
    enum Action: Hashable, CustomStringConvertible {
        case proceed
        case donate(granules: Int)
        case donateRefusable
        case reclaim(capacity: UInt64)
        case cancel
        case wrong(FunctionID)

        /// Whether the step is a disturbance (counted against the bound) rather than serving the request.
        var disturbs: Bool {
            switch self {
            case .proceed, .donate, .reclaim: false
            case .donateRefusable, .cancel, .wrong: true
            }
        }

        var description: String {
            switch self {
            case .proceed: "OP_CONTINUE"
            case .donate(let granules): "OP_MEM_DONATE(\(granules))"
            case .donateRefusable: "OP_MEM_DONATE(refusable)"
            case .reclaim(let capacity): "OP_MEM_RECLAIM(\(capacity))"
            case .cancel: "OP_CANCEL"
            case .wrong(let id): "wrong \(id.rmiCommand.map { "\($0.name)" } ?? "SMC")"
            }
        }
    }

    static let maxDisturbances = 2

    /// One run of a user: the machine, the pending operation, and the host's memory bookkeeping.
    final class Run {
        let user: User
        let machine: Machine
        var handle: UInt64 = 0
        /// The last RMI_INCOMPLETE answer (what the operation waits for), or the final answer.
        var answer = SMCReturn(0)
        var finished = false
        /// Granules the host may donate, in order, and what it gave and got back.
        var pool: [UInt64] = []
        var donated: [UInt64] = []
        var reclaimed: [UInt64] = []
        /// A granule the RMM must refuse in a donation.
        var refusable: UInt64 = 0
        /// Granules whose RMM state a refused step must leave alone.
        var tracked: [UInt64] = []
        /// The object the operation builds or tears down (REC, RD, L0 region).
        var object: UInt64 = 0
        /// The auxiliary granules REALM_CREATE asked for (realm users).
        var auxCount = 0
        var problems: [String] = []
        var steps: [String] = []

        init(_ user: User) throws {
            self.user = user
            // A small machine, so that the invariant checker after every step stays cheap: 64 MiB at the start
            // of the first 1 GiB region, 2 MiB in DRAM1's (list page, and memory no table protects).
            var configuration = PlatformConfiguration.default
            configuration.dramRegions = [
                MemoryRegion(name: "DRAM0", base: PhysicalAddress(0x8000_0000), size: 64 << 20),
                MemoryRegion(name: "DRAM1", base: listPage, size: 2 << 20),
            ]
            configuration.hostCreatedL1Tables = user == .gptL1Create || user == .gptL1Destroy
            machine = try Machine(configuration: configuration)
            try start()
        }

        @discardableResult
        func smc(_ id: FunctionID, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0) -> SMCReturn {
            machine.smc(SMCArguments(id.rawValue, x1, x2, x3))
        }

        func require(_ condition: Bool, _ what: String) throws {
            if !condition { throw SetupError(what) }
        }

        func states() -> [GranuleState?] { tracked.map { machine.inspect(PhysicalAddress($0)).state } }

        /// Builds the preconditions and issues the initiating command.
        func start() throws {
            try require(smc(.rmmActivate).x0 == 0, "RMI_RMM_ACTIVATE")
            switch user {
            case .recCreate, .recDestroy, .realmCreate, .realmDestroy:
                let base: UInt64 = 0x8000_0000
                // RD, starting RTT, REC, then 32 DELEGATED granules to donate; params in a Non-secure page.
                try require(
                    smc(.granuleRangeDelegate, base, base + 35 * granuleBytes).x1 == base + 35 * granuleBytes,
                    "delegate")
                let params = PhysicalAddress(base + 0x10_0000)
                for (offset, value) in [
                    (UInt64(0x8), UInt64(39)), (0x18, 1), (0x20, 1), (0x808, base + granuleBytes), (0x810, 1),
                    (0x818, 1),
                ] {
                    _ = machine.memory.write64(.nonSecure, pa: params + offset, value: value)
                }
                pool = (3..<35).map { base + UInt64($0) * granuleBytes }
                refusable = base + 0x20_0000  // UNDELEGATED: a DELEGATED request must refuse it
                answer = smc(.realmCreate, base, params.rawValue)
                auxCount = Int(OpMemDonateRequest(encoding: answer.x2)?.count ?? 0)
                if user == .realmCreate {
                    object = base
                    tracked = [object, base + granuleBytes] + pool + [refusable]
                    break
                }
                let aux = Array(pool.prefix(auxCount))
                try require(smc(.opMemDonate, answer.x1, try list(aux), UInt64(auxCount)).x1 == auxCount, "donate")
                try require(smc(.opContinue, answer.x1).x0 == 0, "RMI_REALM_CREATE")
                pool.removeFirst(auxCount)
                if user == .realmDestroy {
                    object = base
                    tracked = [object, base + granuleBytes] + aux + [refusable]
                    try require(smc(.realmTerminate, base).x0 == 0, "RMI_REALM_TERMINATE")
                    answer = smc(.realmDestroy, base)
                    break
                }
                object = base + 2 * granuleBytes
                tracked = [object] + pool + [refusable]
                answer = smc(.recCreate, base, object, params.rawValue)
                if user == .recDestroy {
                    try require(smc(.opMemDonate, answer.x1, try list(Array(pool.prefix(16))), 16).x1 == 16, "donate")
                    try require(smc(.opContinue, answer.x1).x0 == 0, "REC_CREATE")
                    pool.removeFirst(16)
                    answer = smc(.recDestroy, object)
                }
            case .gptL1Create, .gptL1Destroy:
                object = 0x8000_0000
                let table: UInt64 = 0x8002_0000
                pool = (0..<32).map { table + UInt64($0) * granuleBytes }
                // DRAM1's region is still a Block: EL3 cannot protect a table there.
                refusable = listPage.rawValue + 0x10_0000
                tracked = pool + [refusable]
                answer = smc(.gptL1Create, object)
                if user == .gptL1Destroy {
                    try require(smc(.opMemDonate, answer.x1, try list([table], count: 32), 1).x1 == 32, "donate")
                    try require(smc(.opContinue, answer.x1).x0 == 0, "GPT_L1_CREATE")
                    answer = smc(.gptL1Destroy, object)
                }
            case .interruptedUndelegate:
                let base: UInt64 = 0x8000_0000
                try require(smc(.granuleRangeDelegate, base, base + 2048 * granuleBytes).x0 == 0, "delegate")
                tracked = (0..<2048).map { base + UInt64($0) * granuleBytes }
                try machine.faultInjector.inject(.irq, count: 1)
                answer = smc(.granuleRangeUndelegate, base, base + 2048 * granuleBytes)
            }
            handle = answer.x1
            let result = RMIResult(rawValue: answer.x0)
            try require(result.status == .incomplete, "\(user) did not go RMI_INCOMPLETE: \(result.status.name)")
        }

        /// Writes one descriptor per base (blocks of `count` L3 granules) in the list page; returns its address.
        func list(_ bases: [UInt64], count: UInt64 = 1, state: OpMemState? = nil) throws -> UInt64 {
            let wanted: OpMemState =
                state ?? (user == .gptL1Create || user == .gptL1Destroy ? .undelegated : .delegated)
            for (index, base) in bases.enumerated() {
                let word = AddressRangeDescriptor(
                    base: PhysicalAddress(base), blockSize: .level3, count: count, state: wanted
                ).encoding(granule: .size4KB)!
                try machine.memory.write64(.nonSecure, pa: listPage + UInt64(index) * 8, value: word).get()
            }
            return listPage.rawValue
        }

        /// The actions the host may take now.
        var choices: [Action] {
            guard !finished, let request = RMIResult(rawValue: answer.x0).memoryRequest else { return [] }
            var choices: [Action] = [.cancel]
            switch request {
            case .none:
                choices += [.proceed, .wrong(.opMemDonate), .wrong(.opMemReclaim)]
            case .donate:
                let wanted = Int(OpMemDonateRequest(encoding: answer.x2)?.count ?? 0)
                let contiguous = OpMemDonateRequest(encoding: answer.x2)?.contiguous ?? false
                choices += [.donate(granules: wanted), .donateRefusable, .wrong(.opContinue), .wrong(.opMemReclaim)]
                if wanted > 1 && !contiguous && donated.isEmpty { choices.append(.donate(granules: 1)) }
            case .reclaim:
                choices += [.reclaim(capacity: 512), .wrong(.opContinue), .wrong(.opMemDonate)]
                if reclaimed.isEmpty { choices.append(.reclaim(capacity: 1)) }
            }
            return choices
        }

        /// Takes `action` and checks what it did.
        func take(_ action: Action) throws {
            let before = states()
            let next: SMCReturn
            switch action {
            case .proceed:
                next = smc(.opContinue, handle)
            case .donate(let granules):
                let contiguous = OpMemDonateRequest(encoding: answer.x2)?.contiguous ?? false
                let offered = Array(pool.prefix(contiguous ? 1 : granules))
                next = smc(
                    .opMemDonate, handle, try list(offered, count: contiguous ? UInt64(granules) : 1),
                    UInt64(offered.count))
                let taken = Int(next.x1)
                let takenGranules = contiguous ? (taken > 0 ? pool : []) : Array(pool.prefix(taken))
                donated += takenGranules
                pool.removeFirst(takenGranules.count)
            case .donateRefusable:
                let wanted = OpMemDonateRequest(encoding: answer.x2)?.count ?? 1
                let contiguous = OpMemDonateRequest(encoding: answer.x2)?.contiguous ?? false
                next = smc(.opMemDonate, handle, try list([refusable], count: contiguous ? UInt64(wanted) : 1), 1)
            case .reclaim(let capacity):
                next = smc(.opMemReclaim, handle, listPage.rawValue, capacity)
                for index in 0..<next.x1 {
                    let word = try machine.memory.read64(.nonSecure, pa: listPage + index * 8).get()
                    let descriptor = try AddressRangeDescriptor(encoding: word, granule: .size4KB)
                    for granule in 0..<descriptor.count {
                        reclaimed.append(descriptor.base.rawValue + granule * granuleBytes)
                    }
                }
            case .cancel:
                next = smc(.opCancel, handle)
            case .wrong(let id):
                next = smc(id, handle, listPage.rawValue, 0)
            }
            steps.append("\(action) -> \(RMIResult(rawValue: next.x0).status.name) x1=\(next.x1)")
            let status = RMIResult(rawValue: next.x0).status
            let refused = status == .errorInput && (action.disturbs || next.x1 == 0) && action != .proceed
            if refused && status != .incomplete {
                // A refused request leaves the operation as it was, waiting for the same thing.
                if states() != before { problems.append("a refused \(action) changed granule states") }
            } else if status == .incomplete {
                answer = next
            } else {
                answer = next
                finished = true
            }
            problems += machine.checkInvariants().map { "after \(action): \($0)" }
        }

        /// The checks once the operation has ended.
        func finalChecks() {
            let status = RMIResult(rawValue: answer.x0).status
            for granule in tracked where machine.inspect(PhysicalAddress(granule)).state == .partial {
                problems.append("granule 0x\(String(granule, radix: 16)) left PARTIAL")
            }
            let kept = Set(donated).subtracting(reclaimed)
            func state(_ granule: UInt64) -> GranuleState? { machine.inspect(PhysicalAddress(granule)).state }
            switch user {
            case .recCreate:
                let succeeded = status == .success
                if succeeded != (state(object) == .rec) {
                    problems.append("REC state \(String(describing: state(object)))")
                }
                if succeeded && kept.count != 16 { problems.append("a REC kept \(kept.count) auxiliary granules") }
                if !succeeded && !kept.isEmpty { problems.append("a failed REC_CREATE kept \(kept.count) granules") }
                for granule in kept where state(granule) != .recAux { problems.append("kept granule not REC_AUX") }
                for granule in reclaimed where state(granule) != .delegated {
                    problems.append("reclaimed not DELEGATED")
                }
            case .recDestroy:
                if status != .success || state(object) != .delegated {
                    problems.append("REC_DESTROY ended \(status.name)")
                }
                if reclaimed.count != 16 { problems.append("REC_DESTROY handed back \(reclaimed.count) granules") }
                for granule in reclaimed where state(granule) != .delegated {
                    problems.append("reclaimed not DELEGATED")
                }
            case .realmCreate:
                let succeeded = status == .success
                if succeeded != (state(object) == .rd) {
                    problems.append("RD state \(String(describing: state(object)))")
                }
                let table = state(object + granuleBytes)
                if table != (succeeded ? .rtt : .delegated) {
                    problems.append("starting RTT \(String(describing: table))")
                }
                if succeeded && kept.count != auxCount {
                    problems.append("an RD kept \(kept.count) auxiliary granules")
                }
                if !succeeded && !kept.isEmpty { problems.append("a failed REALM_CREATE kept \(kept.count) granules") }
                for granule in kept where state(granule) != .rdAux { problems.append("kept granule not RD_AUX") }
                for granule in reclaimed where state(granule) != .delegated {
                    problems.append("reclaimed not DELEGATED")
                }
            case .realmDestroy:
                if status != .success || state(object) != .delegated || state(object + granuleBytes) != .delegated {
                    problems.append("REALM_DESTROY ended \(status.name)")
                }
                if reclaimed.count != auxCount { problems.append("REALM_DESTROY handed back \(reclaimed.count)") }
                for granule in reclaimed where state(granule) != .delegated {
                    problems.append("reclaimed not DELEGATED")
                }
            case .gptL1Create:
                let succeeded = status == .success
                if succeeded != (machine.gpt.l1Descriptor(at: PhysicalAddress(object)) != nil) {
                    problems.append("GPT_L1_CREATE ended \(status.name) but the table says otherwise")
                }
                if succeeded && kept.count != 32 { problems.append("the table kept \(kept.count) granules") }
                if !succeeded && !kept.isEmpty { problems.append("a failed GPT_L1_CREATE kept \(kept.count) granules") }
                for granule in kept where state(granule) != .gptL1 { problems.append("kept granule not GPT_L1") }
            case .gptL1Destroy:
                if status != .success || machine.gpt.l1Descriptor(at: PhysicalAddress(object)) != nil {
                    problems.append("GPT_L1_DESTROY ended \(status.name)")
                }
                if reclaimed.count != 32 { problems.append("GPT_L1_DESTROY handed back \(reclaimed.count) granules") }
                for granule in reclaimed where state(granule) != .undelegated {
                    problems.append("reclaimed not UNDELEGATED")
                }
            case .interruptedUndelegate:
                if status != .success || answer.x1 != tracked.last! + granuleBytes {
                    problems.append("the undelegation ended \(status.name) at 0x\(String(answer.x1, radix: 16))")
                }
                for granule in tracked where state(granule) != .undelegated { problems.append("not UNDELEGATED") }
            }
        }
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs every sequence of at most `maxDisturbances` disturbances; returns the sequences run and the first
    /// problems found, each with its steps.
    static func explore(_ user: User) throws -> (sequences: Int, problems: [String]) {
        var sequences = 0
        var problems: [String] = []
        // Depth-first over action prefixes; each prefix is replayed on a fresh machine.
        var stack: [[Action]] = [[]]
        while let prefix = stack.popLast() {
            let run = try Run(user)
            for action in prefix { try run.take(action) }
            if !run.problems.isEmpty {
                problems.append("\(user): \(run.problems.first!) after \(run.steps)")
                continue
            }
            let choices = run.choices
            guard !choices.isEmpty, prefix.count < 48 else {
                sequences += 1
                run.finalChecks()
                if let problem = run.problems.first { problems.append("\(user): \(problem) after \(run.steps)") }
                if !run.finished { problems.append("\(user): still pending after \(run.steps)") }
                continue
            }
            let disturbances = prefix.filter(\.disturbs).count
            for choice in choices.reversed() where !choice.disturbs || disturbances < maxDisturbances {
                stack.append(prefix + [choice])
            }
            if problems.count > 3 { break }
        }
        return (sequences, problems)
    }

    @Test(
        "every sequence of requests ends the operation with nothing PARTIAL and donated memory accounted for",
        arguments: User.allCases)
    func everyInterleaving(_ user: User) throws {
        let (sequences, problems) = try Self.explore(user)
        #expect(problems.isEmpty, "\(problems)")
        // 13 (the range command) to 170 (REC_CREATE) sequences with two disturbances at most.
        #expect(sequences >= 10)
    }
}
