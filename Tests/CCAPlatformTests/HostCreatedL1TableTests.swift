import CCAArch
import CCAPlatform
import MachineHost
import RMIHost
import Testing

/// RMI_GPT_L1_CREATE and RMI_GPT_L1_DESTROY with host-created L1 tables (the `hostCreatedL1Tables` platform
/// option), on the whole machine: RMM, EL3 and the GPT. The default layout: DRAM0 [0x8000_0000, 0x1_0000_0000)
/// and DRAM1 [0x8_8000_0000, 0x9_0000_0000), 1 GiB L0 regions Block Non-secure until the host creates their
/// tables; L1 tables of 128 KiB, asked for as 32 contiguous L3 granules.
@Suite("RMI_GPT_L1_CREATE / DESTROY with host-created L1 tables")
struct HostCreatedL1TableTests {
    static let region0 = PhysicalAddress(0x8000_0000)
    static let region1 = PhysicalAddress(0xC000_0000)
    /// Where the tests keep their address lists: DRAM1, readable as Non-secure even as a Block.
    static let list = PhysicalAddress(0x8_8000_0000)
    static let tableBytes: UInt64 = 128 << 10
    static let request = OpMemDonateRequest(blockSize: .level3, count: 32, contiguous: true, state: .undelegated)

    /// An active RMM whose DRAM regions have no L1 table yet.
    func activeMachine() throws -> Machine {
        var configuration = PlatformConfiguration.default
        configuration.hostCreatedL1Tables = true
        let machine = try Machine(configuration: configuration)
        #expect(smc(machine, .rmmActivate).x0 == 0)
        return machine
    }

    @discardableResult
    func smc(
        _ machine: Machine, _ fid: FunctionID, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0
    )
        -> SMCReturn
    {
        machine.smc(SMCArguments(fid.rawValue, x1, x2, x3))
    }

    func status(_ answer: SMCReturn) -> RMIStatus { RMIResult(rawValue: answer.x0).status }

    /// Writes `words` as the address list and offers it to operation `handle`.
    func donate(_ machine: Machine, _ handle: UInt64, _ words: [UInt64]) throws -> SMCReturn {
        for (index, word) in words.enumerated() {
            let written = machine.memory.write64(.nonSecure, pa: Self.list + UInt64(index) * 8, value: word)
            try written.get()
        }
        return smc(machine, .opMemDonate, handle, Self.list.rawValue, UInt64(words.count))
    }

    func descriptor(_ base: PhysicalAddress, count: UInt64 = 32, state: OpMemState = .undelegated) -> UInt64 {
        AddressRangeDescriptor(base: base, blockSize: .level3, count: count, state: state).encoding(granule: .size4KB)!
    }

    func owner(_ machine: Machine, _ region: PhysicalAddress) -> UInt64 {
        smc(machine, .gptInfo, region.rawValue, region.rawValue + (1 << 30)).x2
    }

    /// Creates the table of `region` in `table` through the whole operation; returns the three answers.
    @discardableResult
    func create(_ machine: Machine, _ region: PhysicalAddress, in table: PhysicalAddress) throws -> [SMCReturn] {
        let started = smc(machine, .gptL1Create, region.rawValue)
        let donated = try donate(machine, started.x1, [descriptor(table)])
        let finished = smc(machine, .opContinue, started.x1)
        return [started, donated, finished]
    }

    @Test("success: the host donates the table's memory, EL3 unfolds the Block, the memory becomes GPT_L1 and Root")
    func createSuccess() throws {
        let machine = try activeMachine()
        #expect(owner(machine, Self.region0) == UInt64(GPTL1Owner.hostNotCreated.rawValue))
        let started = smc(machine, .gptL1Create, Self.region0.rawValue)
        #expect(started.x0 == RMIResult.incomplete(.donate, canCancel: true).rawValue)
        #expect(started.x2 == Self.request.encoding)
        // Self-describing: the table lies in the region it describes.
        let table = Self.region0 + 0x10_0000
        let donated = try donate(machine, started.x1, [descriptor(table)])
        #expect(donated == SMCReturn(RMIResult.incomplete(.none, canCancel: false).rawValue, 32))
        #expect(smc(machine, .opContinue, started.x1) == SMCReturn(0))
        #expect(owner(machine, Self.region0) == UInt64(GPTL1Owner.hostCreated.rawValue))
        #expect(machine.gpt.l1Descriptor(at: Self.region0) != nil)
        for offset in stride(from: UInt64(0), to: Self.tableBytes, by: 0x1000) {
            #expect(machine.inspect(table + offset).state == .gptL1)
            #expect(machine.inspect(table + offset).gpi == .root)
        }
        #expect(machine.memory.read64(.nonSecure, pa: table).isFailure)
        // The region now takes granule delegation.
        #expect(smc(machine, .granuleRangeDelegate, 0x8000_0000, 0x8000_2000) == SMCReturn(0, 0x8000_2000))
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("entry_state: a region that already has a table answers RMI_ERROR_GPT")
    func createEntryState() throws {
        let machine = try activeMachine()
        try create(machine, Self.region0, in: Self.region0)
        #expect(status(smc(machine, .gptL1Create, Self.region0.rawValue)) == .errorGPT)
    }

    @Test("before its table exists a region cannot be delegated: EL3 refuses, the RMM answers RMI_ERROR_INPUT")
    func delegationNeedsTheTable() throws {
        let machine = try activeMachine()
        #expect(status(smc(machine, .granuleRangeDelegate, 0x8000_0000, 0x8000_1000)) == .errorInput)
        #expect(machine.inspect(Self.region0).state == .undelegated)
    }

    @Test(
        "gran: table memory not UNDELEGATED, not memory, or not granule-protected is refused; nothing changes",
        arguments: ["delegated", "not DRAM", "Block of another region"])
    func createGran(_ problem: String) throws {
        let machine = try activeMachine()
        try create(machine, Self.region0, in: Self.region0)
        let table: PhysicalAddress
        switch problem {
        case "delegated":
            table = Self.region0 + 0x40_0000
            #expect(smc(machine, .granuleRangeDelegate, table.rawValue + 0x3000, table.rawValue + 0x4000).x0 == 0)
        case "not DRAM":
            table = PhysicalAddress(0x4000_0000)
        default:
            // DRAM1's region is still a Block: its memory cannot back region1's table.
            table = PhysicalAddress(0x8_8010_0000)
        }
        let started = smc(machine, .gptL1Create, Self.region1.rawValue)
        let refused = try donate(machine, started.x1, [descriptor(table)])
        #expect(refused == SMCReturn(RMIResult(.errorInput).rawValue))
        #expect(owner(machine, Self.region1) == UInt64(GPTL1Owner.hostNotCreated.rawValue))
        #expect(machine.inspect(table).state == (problem == "not DRAM" ? nil : .undelegated))
        #expect(machine.checkInvariants().isEmpty)
        // The operation still waits for its memory: good memory completes it.
        let good = try donate(machine, started.x1, [descriptor(Self.region0 + 0x80_0000)])
        #expect(good.x1 == 32)
        #expect(smc(machine, .opContinue, started.x1) == SMCReturn(0))
    }

    @Test(
        "the donation must be the whole table in one aligned descriptor of the asked block size and state",
        arguments: ["two descriptors", "partial", "misaligned", "delegated state", "too much"])
    func createDonationShape(_ problem: String) throws {
        let machine = try activeMachine()
        let base = Self.region0 + 0x20_0000
        let words: [UInt64] =
            switch problem {
            case "two descriptors": [descriptor(base, count: 16), descriptor(base + 0x1_0000, count: 16)]
            case "partial": [descriptor(base, count: 16)]
            case "misaligned": [descriptor(base + 0x1000)]
            case "delegated state": [descriptor(base, state: .delegated)]
            default: [descriptor(base, count: 64)]
            }
        let started = smc(machine, .gptL1Create, Self.region0.rawValue)
        #expect(try donate(machine, started.x1, words) == SMCReturn(RMIResult(.errorInput).rawValue))
        #expect(machine.inspect(base).state == .undelegated)
        #expect(machine.gpt.l1Descriptor(at: Self.region0) == nil)
    }

    @Test("an empty list makes no progress and the operation still asks for its memory")
    func createEmptyList() throws {
        let machine = try activeMachine()
        let started = smc(machine, .gptL1Create, Self.region0.rawValue)
        let answer = try donate(machine, started.x1, [0])
        #expect(answer == SMCReturn(RMIResult.incomplete(.donate, canCancel: true).rawValue, 0, Self.request.encoding))
    }

    @Test("cancel before the memory arrives: the operation ends RMI_ERROR_INPUT and the region is as before")
    func createCancelled() throws {
        let machine = try activeMachine()
        let started = smc(machine, .gptL1Create, Self.region0.rawValue)
        #expect(
            smc(machine, .opCancel, started.x1) == SMCReturn(RMIResult.incomplete(.none, canCancel: false).rawValue))
        #expect(status(smc(machine, .opContinue, started.x1)) == .errorInput)
        #expect(owner(machine, Self.region0) == UInt64(GPTL1Owner.hostNotCreated.rawValue))
        #expect(try create(machine, Self.region0, in: Self.region0).last == SMCReturn(0))
    }

    @Test("once the table exists the creation can no longer be cancelled")
    func createNotCancellableAfterDonation() throws {
        let machine = try activeMachine()
        let started = smc(machine, .gptL1Create, Self.region0.rawValue)
        _ = try donate(machine, started.x1, [descriptor(Self.region0)])
        #expect(status(smc(machine, .opCancel, started.x1)) == .errorInput)
        #expect(smc(machine, .opContinue, started.x1) == SMCReturn(0))
    }

    @Test("an incomplete creation blocks a destroy of that region, and an incomplete destroy blocks a creation")
    func createAndDestroyExclude() throws {
        let machine = try activeMachine()
        let creating = smc(machine, .gptL1Create, Self.region0.rawValue)
        #expect(status(smc(machine, .gptL1Create, Self.region0.rawValue)) == .blocked)
        #expect(status(smc(machine, .gptL1Destroy, Self.region0.rawValue)) == .blocked)
        _ = try donate(machine, creating.x1, [descriptor(Self.region0)])
        #expect(status(smc(machine, .gptL1Destroy, Self.region0.rawValue)) == .blocked)
        #expect(smc(machine, .opContinue, creating.x1) == SMCReturn(0))
        // Another region proceeds meanwhile.
        try create(machine, Self.region1, in: Self.region0 + 0x20_0000)
        let destroying = smc(machine, .gptL1Destroy, Self.region1.rawValue)
        #expect(destroying.x0 == RMIResult.incomplete(.reclaim, canCancel: false).rawValue)
        #expect(status(smc(machine, .gptL1Create, Self.region1.rawValue)) == .blocked)
    }

    @Test("destroy success: EL3 folds the table, the host reclaims its memory UNDELEGATED, the region is a Block")
    func destroySuccess() throws {
        let machine = try activeMachine()
        try create(machine, Self.region0, in: Self.region0)
        let table = Self.region0 + 0x20_0000
        try create(machine, Self.region1, in: table)
        let started = smc(machine, .gptL1Destroy, Self.region1.rawValue)
        #expect(started.x0 == RMIResult.incomplete(.reclaim, canCancel: false).rawValue)
        #expect(machine.gpt.l1Descriptor(at: Self.region1) == nil)
        let reclaimed = smc(machine, .opMemReclaim, started.x1, Self.list.rawValue, 512)
        #expect(reclaimed == SMCReturn(RMIResult.incomplete(.none, canCancel: false).rawValue, 1))
        #expect(try machine.memory.read64(.nonSecure, pa: Self.list).get() == descriptor(table))
        #expect(smc(machine, .opContinue, started.x1) == SMCReturn(0))
        #expect(owner(machine, Self.region1) == UInt64(GPTL1Owner.hostNotCreated.rawValue))
        #expect(machine.inspect(table).state == .undelegated)
        #expect(machine.inspect(table).gpi == .nonSecure)
        #expect(machine.checkInvariants().isEmpty)
        // And the region can have a table again.
        #expect(try create(machine, Self.region1, in: table).last == SMCReturn(0))
    }

    @Test("destroy of a self-describing table ignores the table's own granules")
    func destroySelfDescribing() throws {
        let machine = try activeMachine()
        try create(machine, Self.region0, in: Self.region0 + 0x10_0000)
        let started = smc(machine, .gptL1Destroy, Self.region0.rawValue)
        #expect(smc(machine, .opMemReclaim, started.x1, Self.list.rawValue, 1).x1 == 1)
        #expect(smc(machine, .opContinue, started.x1) == SMCReturn(0))
        #expect(machine.inspect(Self.region0 + 0x10_0000).gpi == .nonSecure)
    }

    @Test("a reclaim list of capacity 0 makes no progress")
    func destroyZeroCapacity() throws {
        let machine = try activeMachine()
        try create(machine, Self.region0, in: Self.region0)
        let started = smc(machine, .gptL1Destroy, Self.region0.rawValue)
        #expect(smc(machine, .opMemReclaim, started.x1, Self.list.rawValue, 0).x1 == 0)
        #expect(status(smc(machine, .opContinue, started.x1)) == .errorInput)
        #expect(smc(machine, .opMemReclaim, started.x1, Self.list.rawValue, 1).x1 == 1)
        #expect(smc(machine, .opContinue, started.x1) == SMCReturn(0))
    }

    @Test("entry_state: destroying a region that is a Block answers RMI_ERROR_INPUT")
    func destroyEntryState() throws {
        let machine = try activeMachine()
        #expect(status(smc(machine, .gptL1Destroy, Self.region0.rawValue)) == .errorInput)
    }

    @Test("gpt_l1_homo: a table whose granules differ answers RMI_ERROR_INPUT and stays")
    func destroyNotHomogeneous() throws {
        let machine = try activeMachine()
        try create(machine, Self.region0, in: Self.region0)
        #expect(smc(machine, .granuleRangeDelegate, 0x8080_0000, 0x8080_1000).x0 == 0)
        #expect(status(smc(machine, .gptL1Destroy, Self.region0.rawValue)) == .errorInput)
        #expect(owner(machine, Self.region0) == UInt64(GPTL1Owner.hostCreated.rawValue))
        #expect(machine.gpt.l1Descriptor(at: Self.region0) != nil)
        // Undelegated again, the table folds.
        #expect(smc(machine, .granuleRangeUndelegate, 0x8080_0000, 0x8080_1000).x0 == 0)
        #expect(
            smc(machine, .gptL1Destroy, Self.region0.rawValue).x0
                == RMIResult.incomplete(.reclaim, canCancel: false).rawValue)
    }

    @Test("the host library creates every DRAM region's table at bring-up and delegates through them")
    func hostBringUp() throws {
        var configuration = PlatformConfiguration.default
        configuration.hostCreatedL1Tables = true
        let machine = try Machine(configuration: configuration)
        let host = machine.host()
        try host.initialize()
        let regions = [Self.region0, Self.region1, PhysicalAddress(0x8_8000_0000), PhysicalAddress(0x8_C000_0000)]
        #expect(host.info?.createdL1Tables == regions)
        for region in regions {
            #expect(owner(machine, region) == UInt64(GPTL1Owner.hostCreated.rawValue))
        }
        let outcome = host.delegate(base: Self.region1, size: 1 << 30)
        #expect(outcome.succeeded, "\(outcome.description)")
        #expect(host.undelegate(base: Self.region1, size: 1 << 30).succeeded)
        #expect(machine.checkInvariants().isEmpty)
        #expect(host.leakLedger.leakedGranuleCount == 0)
    }
}

extension Result {
    fileprivate var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
