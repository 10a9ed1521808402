import CCAArch
import CCAPlatform

/// The scenarios `rmm check interleavings` and the test suite explore: each races two or three CPUs on the same
/// few granules, through the commands whose locking must hold.
extension InterleavingScenario {
    public static let all: [InterleavingScenario] = [
        delegateOverlap, delegateUndelegate, rangeAgainstRTTCreate, lostReference, realmsNamingEachOther,
        realmAsItsOwnObject, continueAgainstCancel, recCreationAgainstCancel, realmCreationAgainstUndelegation,
        l1CreateAgainstDelegation, deactivateAgainstDelegation, coarseUnitInPieces, spinContention,
    ]

    /// The scenario called `name`.
    public static func named(_ name: String) -> InterleavingScenario? { all.first { $0.name == name } }

    static let g: UInt64 = 0x1000
    static let base: UInt64 = 0x8000_0000
    /// Non-secure pages for realm and REC parameters and donation lists, away from the granules that race.
    static let params: UInt64 = 0x8030_0000
    static let params2: UInt64 = 0x8030_1000
    static let recParams: UInt64 = 0x8030_2000
    static let list: UInt64 = 0x8030_3000
    static let ipa: UInt64 = 0x4000_0000

    // MARK: Range commands

    static let delegateOverlap = InterleavingScenario(
        name: "delegate-overlap",
        summary: "RANGE_DELEGATE against RANGE_DELEGATE on overlapping ranges",
        prepare: { machine in
            activate(machine)
            return [:]
        },
        programs: [
            { cpu in cpu.smc(.granuleRangeDelegate, base, base + 3 * g) },
            { cpu in cpu.smc(.granuleRangeDelegate, base + g, base + 4 * g) },
        ],
        check: { machine, calls in
            // Every granule an answer reported as moved is DELEGATED.
            movedProblems(machine, calls, to: .delegated)
        })

    static let delegateUndelegate = InterleavingScenario(
        name: "delegate-undelegate",
        summary: "RANGE_UNDELEGATE against RANGE_DELEGATE on overlapping ranges",
        prepare: { machine in
            activate(machine)
            delegate(machine, base, base + 2 * g)
            return [:]
        },
        programs: [
            { cpu in cpu.smc(.granuleRangeUndelegate, base, base + 3 * g) },
            { cpu in cpu.smc(.granuleRangeDelegate, base + g, base + 4 * g) },
        ])

    /// Two delegations of the same two granules under `--lock-contention spin`: whichever CPU comes to the first
    /// granule while the other holds it waits (holding nothing), looks again and skips what the other moved, so
    /// both answer SUCCESS with progress and neither answers RMI_BUSY (a CPU that skipped the first granule and
    /// meets the second still held stops there, with SUCCESS). A wait that could not end would be reported as a
    /// deadlock.
    static let spinContention: InterleavingScenario = {
        var platform = smallPlatform
        platform.lockContention = .spin
        return InterleavingScenario(
            name: "spin-contention",
            summary: "RANGE_DELEGATE against RANGE_DELEGATE of the same granules under --lock-contention spin",
            platform: platform,
            prepare: { machine in
                activate(machine)
                return [:]
            },
            programs: [
                { cpu in cpu.smc(.granuleRangeDelegate, base, base + 2 * g) },
                { cpu in cpu.smc(.granuleRangeDelegate, base, base + 2 * g) },
            ],
            check: { machine, calls in
                var problems: [String] = []
                for (cpu, answers) in calls.enumerated() {
                    guard let answer = answers.last, answer.status != .success || answer.answer.x1 <= base else {
                        continue
                    }
                    problems.append("cpu \(cpu): RANGE_DELEGATE answered \(answer.status.name) without progress")
                }
                return problems + movedProblems(machine, calls, to: .delegated)
            })
    }()

    // MARK: Range commands against realm commands

    static let rangeAgainstRTTCreate = InterleavingScenario(
        name: "range-rtt-create",
        summary: "RANGE_UNDELEGATE of a granule against RTT_CREATE making it a table",
        prepare: { machine in
            activate(machine)
            createRealm(machine, rd: base, rtt: base + g, params: params)
            delegate(machine, base + 2 * g, base + 3 * g)
            return [:]
        },
        programs: [
            { cpu in cpu.smc(.rttCreate, base, base + 2 * g, ipa, 2) },
            { cpu in cpu.smc(.granuleRangeUndelegate, base + 2 * g, base + 3 * g) },
        ],
        check: { machine, calls in
            // Exactly one of the two takes the granule.
            let created = calls[0].last?.status == .success
            let undelegated = calls[1].last?.status == .success
            return created != undelegated
                ? [] : ["RTT_CREATE \(created ? "and" : "nor") RANGE_UNDELEGATE both took the granule"]
        })

    // MARK: Realm commands against each other

    /// The lost update of issue 14: RTT_CREATE of realm A adds an entry to A's starting table while RTT_CREATE
    /// of realm B names that table as its new RTT (it locks it, finds an RTT, and lets go).
    static let lostReference = InterleavingScenario(
        name: "lost-reference",
        summary: "RTT_CREATE adding to a table against another realm's RTT_CREATE naming that table",
        prepare: { machine in
            activate(machine)
            createTwoRealms(machine)
            delegate(machine, base + 2 * g, base + 3 * g)
            return [:]
        },
        programs: [
            { cpu in cpu.smc(.rttCreate, base, base + 2 * g, ipa, 2) },
            { cpu in cpu.smc(.rttCreate, base + 4 * g, base + g, ipa, 2) },
        ])

    /// Two realms, each CPU creating a table in one realm from the other realm's RD: with the RD locked first
    /// whatever the addresses, each CPU held its RD and waited for the other's.
    static let realmsNamingEachOther = InterleavingScenario(
        name: "realms-cross",
        summary: "RTT_CREATE and REC_CREATE of two realms naming each other's RD as the new object",
        prepare: { machine in
            activate(machine)
            createTwoRealms(machine)
            return [:]
        },
        programs: [
            { cpu in cpu.smc(.rttCreate, base, base + 4 * g, ipa, 2) },
            { cpu in cpu.smc(.recCreate, base + 4 * g, base, recParams) },
        ],
        check: everyCallFails("an RD was taken as a new object"))

    /// A command naming the RD as its own object: locking the RD twice waited for ever on one CPU.
    static let realmAsItsOwnObject = InterleavingScenario(
        name: "realm-self",
        summary: "RTT_CREATE(rd, rtt = rd) against RTT_DATA_MAP_INIT(rd, data = rd) on the same realm",
        prepare: { machine in
            activate(machine)
            createRealm(machine, rd: base, rtt: base + g, params: params)
            return [:]
        },
        programs: [
            { cpu in cpu.smc(.rttCreate, base, base, ipa, 2) },
            { cpu in cpu.smc(.rttDataMapInit, base, base, ipa, params) },
        ],
        check: everyCallFails("the RD was taken as its own object"))

    // MARK: Stateful operations against a second CPU

    /// An interrupted undelegation, continued by one CPU while another tries to cancel it, continues it too, and
    /// delegates across it.
    static let continueAgainstCancel = InterleavingScenario(
        name: "sro-continue-cancel",
        summary: "OP_CONTINUE of an interrupted undelegation against OP_CANCEL, OP_CONTINUE and RANGE_DELEGATE",
        prepare: { machine in
            activate(machine)
            delegate(machine, base, base + 4 * g)
            try? machine.faultInjector.inject(.irq, count: 1)
            let started = machine.smc(SMCArguments(FunctionID.granuleRangeUndelegate.rawValue, base, base + 4 * g))
            return ["handle": started.x1]
        },
        programs: [
            { cpu in cpu.smc(.opContinue, cpu.mailbox.read("handle")!) },
            { cpu in
                let handle = cpu.mailbox.read("handle")!
                cpu.smc(.opCancel, handle)
                cpu.smc(.opContinue, handle)
                cpu.smc(.granuleRangeDelegate, base + 2 * g, base + 6 * g)
            },
        ],
        check: { machine, calls in
            var problems: [String] = []
            let finished = [calls[0][0], calls[1][1]].filter { $0.status == .success }.count
            if finished != 1 { problems.append("\(finished) OP_CONTINUE calls finished the one operation") }
            if calls[1][0].status != .errorInput { problems.append("OP_CANCEL of a range operation did not fail") }
            for pa in stride(from: base, to: base + 6 * g, by: Int(g))
            where machine.inspect(PhysicalAddress(pa)).state == .partial {
                problems.append("granule 0x\(String(pa, radix: 16)) is still PARTIAL")
            }
            return problems
        })

    /// REC_CREATE waiting for its auxiliary granules: one CPU donates them and continues, another cancels.
    static let recCreationAgainstCancel = InterleavingScenario(
        name: "sro-rec-cancel",
        summary: "OP_MEM_DONATE and OP_CONTINUE of REC_CREATE against OP_CANCEL and OP_CONTINUE",
        prepare: { machine in
            activate(machine)
            createRealm(machine, rd: base, rtt: base + g, params: params)
            delegate(machine, base + 2 * g, base + 3 * g)
            delegate(machine, base + 16 * g, base + 32 * g)
            let descriptor = AddressRangeDescriptor(
                base: PhysicalAddress(base + 16 * g), blockSize: .level3, count: 16, state: .delegated)
            _ = machine.memory.write64(
                .nonSecure, pa: PhysicalAddress(list), value: descriptor.encoding(granule: .size4KB)!)
            let started = machine.smc(SMCArguments(FunctionID.recCreate.rawValue, base, base + 2 * g, recParams))
            return ["handle": started.x1]
        },
        programs: [
            { cpu in
                let handle = cpu.mailbox.read("handle")!
                cpu.smc(.opMemDonate, handle, list, 1)
                cpu.smc(.opContinue, handle)
            },
            { cpu in
                let handle = cpu.mailbox.read("handle")!
                cpu.smc(.opCancel, handle)
                cpu.smc(.opContinue, handle)
            },
        ])

    /// REALM_CREATE waiting for the RD's auxiliary granules: one CPU donates them and drives the operation to its
    /// end, another undelegates the starting table (still DELEGATED until the last step) and activates the realm.
    static let realmCreationAgainstUndelegation = InterleavingScenario(
        name: "sro-realm-create",
        summary: "REALM_CREATE's donation and OP_CONTINUE against RANGE_UNDELEGATE of its starting table",
        prepare: { machine in
            activate(machine)
            delegate(machine, base + 16 * g, base + 18 * g)
            let started = startRealmCreate(machine, rd: base, rtt: base + g, params: params)
            let count = UInt64(OpMemDonateRequest(encoding: started.x2)?.count ?? 0)
            precondition(count == 2, "REALM_CREATE did not ask for two auxiliary granules")
            let descriptor = AddressRangeDescriptor(
                base: PhysicalAddress(base + 16 * g), blockSize: .level3, count: count, state: .delegated)
            _ = machine.memory.write64(
                .nonSecure, pa: PhysicalAddress(list), value: descriptor.encoding(granule: .size4KB)!)
            return ["handle": started.x1]
        },
        programs: [
            { cpu in
                let handle = cpu.mailbox.read("handle")!
                cpu.smc(.opMemDonate, handle, list, 1)
                let built = cpu.smc(.opContinue, handle)
                guard RMIResult(rawValue: built.x0).memoryRequest == .reclaim else { return }
                cpu.smc(.opMemReclaim, handle, list, 512)
                cpu.smc(.opContinue, handle)
            },
            { cpu in
                cpu.smc(.granuleRangeUndelegate, base + g, base + 2 * g)
                cpu.smc(.realmActivate, base)
            },
        ],
        check: { machine, _ in
            func state(_ pa: UInt64) -> GranuleState? { machine.inspect(PhysicalAddress(pa)).state }
            let aux = [state(base + 16 * g), state(base + 17 * g)]
            switch state(base) {
            case .rd:
                return state(base + g) == .rtt && aux == [.rdAux, .rdAux]
                    ? [] : ["a built realm without its RTT or RD_AUX"]
            case .delegated:
                return state(base + g) == .undelegated && aux == [.delegated, .delegated]
                    ? [] : ["a failed REALM_CREATE left its table or auxiliary granules behind"]
            default:
                return ["the RD was left \(state(base).map { "\($0.name)" } ?? "untracked")"]
            }
        })

    // MARK: GPT L1 tables against delegation

    /// A host-created L1 table arriving while another CPU delegates in its region and tries to destroy it.
    static let l1CreateAgainstDelegation: InterleavingScenario = {
        var platform = smallPlatform
        platform.hostCreatedL1Tables = true
        return InterleavingScenario(
            name: "gpt-l1-delegate",
            summary: "GPT_L1_CREATE with its donation against RANGE_DELEGATE and GPT_L1_DESTROY in the same region",
            platform: platform,
            prepare: { machine in
                activate(machine)
                // The table's memory: 32 granules (128 KiB) at 2 MiB into DRAM, naturally aligned.
                let table = PhysicalAddress(base + 0x20_0000)
                let descriptor = AddressRangeDescriptor(base: table, blockSize: .level3, count: 32, state: .undelegated)
                _ = machine.memory.write64(
                    .nonSecure, pa: PhysicalAddress(list), value: descriptor.encoding(granule: .size4KB)!)
                return [:]
            },
            programs: [
                { cpu in
                    let started = cpu.smc(.gptL1Create, base)
                    guard RMIResult(rawValue: started.x0).status == .incomplete else { return }
                    cpu.smc(.opMemDonate, started.x1, list, 1)
                    cpu.smc(.opContinue, started.x1)
                },
                { cpu in
                    cpu.smc(.granuleRangeDelegate, base, base + 2 * g)
                    cpu.smc(.gptL1Destroy, base)
                },
            ])
    }()

    // MARK: Deactivation against commands

    /// RMM_DEACTIVATE against a delegation on another CPU: the deactivation must either see the delegation in
    /// flight (RMI_BUSY), find its granules DELEGATED (RMI_ERROR_GLOBAL), or win, and then the delegation must
    /// never touch the discarded table (it answers RMI_ERROR_GLOBAL). Exactly one of the two succeeds. The bank is
    /// 16 granules, so the deactivation's scan of every granule word stays a short stretch of the search.
    static let deactivateAgainstDelegation: InterleavingScenario = {
        var platform = smallPlatform
        platform.dramRegions = [MemoryRegion(name: "DRAM0", base: PhysicalAddress(base), size: 16 * g)]
        return InterleavingScenario(
            name: "deactivate-delegate",
            summary: "RMM_DEACTIVATE against RANGE_DELEGATE on another CPU",
            platform: platform,
            prepare: { machine in
                activate(machine)
                return [:]
            },
            programs: [
                { cpu in cpu.smc(.rmmDeactivate) },
                { cpu in cpu.smc(.granuleRangeDelegate, base, base + 2 * g) },
            ],
            check: { machine, calls in
                let deactivated = calls[0].last?.status == .success
                let delegated = calls[1].last?.status == .success
                var problems: [String] = []
                if deactivated == delegated {
                    problems.append("RMM_DEACTIVATE and RANGE_DELEGATE \(deactivated ? "both" : "neither") succeeded")
                }
                if deactivated != (machine.rmm.lifecycleState == .initial) {
                    problems.append("the lifecycle is \(machine.rmm.lifecycleState.name) after the deactivation")
                }
                return problems + movedProblems(machine, calls, to: .delegated)
            })
    }()

    // MARK: A COARSE unit moving in pieces

    /// A COARSE unit that EL3 moves 256 granules per call (bet3.md section 5), PARTIAL after its first piece: one
    /// CPU continues it to the end while the other delegates it, continues the same operation and asks for the
    /// region to go FINE. Exactly one OP_CONTINUE finishes the operation, the unit ends DELEGATED, and whatever
    /// met it PARTIAL answered RMI_BLOCKED.
    static let coarseUnitInPieces: InterleavingScenario = {
        var platform = smallPlatform
        platform.el3MaxGranulesPerCall = 256
        let unit = base + 0x20_0000
        let unitTop = unit + 0x20_0000
        return InterleavingScenario(
            name: "coarse-partial",
            summary:
                "OP_CONTINUE of a COARSE unit EL3 moves in pieces against RANGE_DELEGATE, OP_CONTINUE, TRACKING_SET",
            platform: platform,
            prepare: { machine in
                // 2 MiB tracking regions (RmiRmmConfig from a Non-secure page of the other region), the unit COARSE.
                let page = PhysicalAddress(base + 0x10_0000)
                _ = machine.memory.write64(.nonSecure, pa: page, value: 1)
                precondition(machine.smc(SMCArguments(FunctionID.rmmConfigSet.rawValue, page.rawValue)).x0 == 0)
                activate(machine)
                let coarse = UInt64(TrackingState.coarse.rawValue)
                precondition(machine.smc(SMCArguments(FunctionID.granuleTrackingSet.rawValue, unit, 0, coarse)).x0 == 0)
                let started = machine.smc(SMCArguments(FunctionID.granuleRangeDelegate.rawValue, unit, unitTop))
                return ["handle": started.x1]
            },
            programs: [
                { cpu in continueWhileIncomplete(cpu) },
                { cpu in
                    cpu.smc(.granuleRangeDelegate, unit, unitTop)
                    continueWhileIncomplete(cpu)
                    cpu.smc(.granuleTrackingSet, unit, 0, UInt64(TrackingState.fine.rawValue))
                },
            ],
            check: { machine, calls in
                var problems: [String] = []
                // A CPU that met the other's OP_CONTINUE holding the operation answered RMI_ERROR_INPUT and stopped;
                // the holder drives it on. Exactly one OP_CONTINUE finishes it, unless its first piece was all.
                let continues = calls.joined().filter { $0.function == .opContinue }
                let wasPending = continues.contains { $0.status != .errorInput }
                let finished = continues.filter { $0.status == .success }
                if finished.count != (wasPending ? 1 : 0) || finished.contains(where: { $0.answer.x1 != unitTop }) {
                    problems.append("\(finished.count) OP_CONTINUE calls finished the unit with its out_top")
                }
                if !machine.rmm.pendingOperations().isEmpty { problems.append("the operation is still pending") }
                let delegation = calls[1][0]
                if delegation.status != .blocked && delegation.answer != SMCReturn(0, unitTop) {
                    problems.append("RANGE_DELEGATE of the moving unit answered \(delegation.status.name)")
                }
                for pa in [unit, unit + 256 * g, unitTop - g]
                where machine.inspect(PhysicalAddress(pa)).state != .delegated {
                    problems.append("granule 0x\(String(pa, radix: 16)) is not DELEGATED at the end")
                }
                return problems
            })
    }()

    // MARK: Preparation, one SMC at a time

    static func activate(_ machine: Machine) {
        precondition(machine.smc(SMCArguments(FunctionID.rmmActivate.rawValue)).x0 == 0, "activation failed")
    }

    static func delegate(_ machine: Machine, _ from: UInt64, _ to: UInt64) {
        var cursor = from
        while cursor < to {
            let answer = machine.smc(SMCArguments(FunctionID.granuleRangeDelegate.rawValue, cursor, to))
            precondition(answer.x0 == 0 && answer.x1 > cursor, "delegation did not progress")
            cursor = answer.x1
        }
    }

    /// REALM_CREATE's first call for a realm with one starting table at level 1 for a 39-bit IPA space, the RD and
    /// the table delegated first: its answer.
    static func startRealmCreate(_ machine: Machine, rd: UInt64, rtt: UInt64, params: UInt64) -> SMCReturn {
        delegate(machine, rd, rd + g)
        delegate(machine, rtt, rtt + g)
        for (offset, value) in [(UInt64(0x8), UInt64(39)), (0x18, 1), (0x20, 1), (0x808, rtt), (0x810, 1), (0x818, 1)] {
            _ = machine.memory.write64(.nonSecure, pa: PhysicalAddress(params + offset), value: value)
        }
        return machine.smc(SMCArguments(FunctionID.realmCreate.rawValue, rd, params))
    }

    /// A realm with one starting table at level 1 for a 39-bit IPA space. The RD's auxiliary granules, donated
    /// when REALM_CREATE asks for them, lie 1 MB above the RD, away from the granules that race.
    static func createRealm(_ machine: Machine, rd: UInt64, rtt: UInt64, params: UInt64) {
        let started = startRealmCreate(machine, rd: rd, rtt: rtt, params: params)
        guard let request = OpMemDonateRequest(encoding: started.x2),
            RMIResult(rawValue: started.x0).status == .incomplete
        else { preconditionFailure("REALM_CREATE did not ask for its auxiliary granules") }
        let aux = rd + 0x10_0000
        let count = UInt64(request.count)
        delegate(machine, aux, aux + count * g)
        let descriptor = AddressRangeDescriptor(
            base: PhysicalAddress(aux), blockSize: .level3, count: count, state: .delegated)
        _ = machine.memory.write64(
            .nonSecure, pa: PhysicalAddress(list), value: descriptor.encoding(granule: .size4KB)!)
        precondition(
            machine.smc(SMCArguments(FunctionID.opMemDonate.rawValue, started.x1, list, 1)).x1 == count,
            "OP_MEM_DONATE took less than REALM_CREATE asked for")
        precondition(
            machine.smc(SMCArguments(FunctionID.opContinue.rawValue, started.x1)).x0 == 0, "REALM_CREATE failed")
    }

    /// Realm A (RD at base, starting table at base + g) and realm B (RD at base + 4g, table at base + 5g).
    static func createTwoRealms(_ machine: Machine) {
        createRealm(machine, rd: base, rtt: base + g, params: params)
        createRealm(machine, rd: base + 4 * g, rtt: base + 5 * g, params: params2)
    }

    /// RMI_OP_CONTINUE of the operation in the mailbox for as long as it answers RMI_INCOMPLETE (at most 1024 times).
    static func continueWhileIncomplete(_ cpu: ScenarioCPU) {
        let handle = cpu.mailbox.read("handle")!
        for _ in 0..<1024 {
            let answer = cpu.smc(.opContinue, handle)
            if RMIResult(rawValue: answer.x0).status != .incomplete { return }
        }
    }

    /// A check that every call of every CPU answered RMI_ERROR_INPUT, or `problem`.
    static func everyCallFails(_ problem: String) -> @Sendable (Machine, [[ScenarioCall]]) -> [String] {
        { _, calls in calls.joined().allSatisfy { $0.status == .errorInput } ? [] : [problem] }
    }

    /// Granules a range command's SUCCESS reported moved that are not in `state`.
    static func movedProblems(_ machine: Machine, _ calls: [[ScenarioCall]], to state: GranuleState) -> [String] {
        var problems: [String] = []
        for call in calls.joined() where call.status == .success {
            for pa in stride(from: call.arguments.x1, to: call.answer.x1, by: Int(g))
            where machine.inspect(PhysicalAddress(pa)).state != state {
                problems.append("granule 0x\(String(pa, radix: 16)) was reported moved but is not \(state.name)")
            }
        }
        return problems
    }
}
