import CCAArch
import CCAPlatform

/// The seed corpus of the libFuzzer target: one program per conformance-style scenario (bring-up, range
/// delegation and its faults, stateful operations and their cancellation, a realm's life with its RECs, RTTs and
/// DATA granules, host-created L1 GPT tables, tracking, host memory, unknown IDs, the interleaving checker's races
/// run one CPU after the other), each also driving the failure conditions of its commands.
///
/// `rmm check fuzz --write-seeds Fuzz/corpus` writes them, one file per seed; a test checks that the files in
/// `Fuzz/corpus` are exactly these programs, so the corpus stays what this code says.
public enum FuzzSeeds {
    /// Every seed, by file name.
    public static let all: [(name: String, program: FuzzProgram)] = [
        ("bring-up", bringUp), ("delegate-undelegate", delegateUndelegate), ("range-faults", rangeFaults),
        ("range-interrupted", rangeInterrupted), ("realm-lifecycle", realmLifecycle),
        ("realm-params", realmParams), ("rec-create-destroy", recCreateDestroy), ("rec-cancel", recCancel),
        ("rtt-tables", rttTables), ("data-map-unmap", dataMapUnmap), ("gpt-l1-host-tables", gptL1HostTables),
        ("gpt-l1-platform", gptL1Platform), ("tracking", tracking), ("host-memory", hostMemory),
        ("unknown-functions", unknownFunctions), ("injected-answers", injectedAnswers),
        ("two-realms-cross", twoRealmsCross), ("operation-pool-exhausted", operationPoolExhausted),
        ("coarse-in-pieces", coarseInPieces),
    ]

    // MARK: The layout every seed uses (granule indices into the first DRAM region)

    static let rd: UInt8 = 0
    static let rtt: UInt8 = 1
    static let rec: UInt8 = 2
    static let data: UInt8 = 3
    static let rttL2: UInt8 = 4
    static let rttL3: UInt8 = 5
    static let rd2: UInt8 = 8
    static let rtt2: UInt8 = 9
    /// Sixteen granules for a REC's auxiliary pages.
    static let aux: UInt8 = 0x10
    static let params: UInt8 = 0x40
    static let recParams: UInt8 = 0x41
    static let list: UInt8 = 0x42
    static let source: UInt8 = 0x43
    static let params2: UInt8 = 0x44
    /// Two granules each for the RDs' auxiliary pages.
    static let rdAux: UInt8 = 0x38
    static let rdAux2: UInt8 = 0x3A
    static let ipa: UInt64 = 0x4000_0000

    static func address(_ index: UInt8) -> UInt64 { FuzzProgram.dram + UInt64(index) * FuzzProgram.granule }

    /// Builds a seed step by step.
    struct Builder {
        var steps: [FuzzStep] = []

        mutating func smc(_ function: FunctionID, _ arguments: FuzzOperand..., cpu: UInt8 = 0) {
            steps.append(.smc(cpu: cpu, function: FuzzFunction(function), arguments: arguments))
        }

        mutating func write(_ pa: UInt64, _ value: UInt64, count: UInt8 = 0) {
            steps.append(.write(.raw(pa), value: .raw(value), count: count))
        }

        mutating func read(_ pa: FuzzOperand, length: UInt8 = 127) {
            steps.append(.read(pa, length: length))
        }

        mutating func inject(_ fault: InjectedFault?, count: UInt8 = 0) {
            let index = FuzzStep.faultCodes.firstIndex(of: fault) ?? FuzzStep.faultCodes.count - 1
            steps.append(.inject(fault: UInt8(index), count: count))
        }

        mutating func injectAnswer(_ function: FunctionID, _ status: RMIStatus, count: UInt8 = 0) {
            let failures = (AllowedStatuses.allowed(function) ?? []).filter { $0 != .success && $0 != .incomplete }
            steps.append(
                .injectAnswer(
                    function: FuzzFunction(function), status: UInt8(failures.firstIndex(of: status) ?? 0),
                    count: count))
        }

        /// RANGE_DELEGATE of `count` granules from `first`.
        mutating func delegate(_ first: UInt8, count: UInt8 = 1, cpu: UInt8 = 0) {
            smc(.granuleRangeDelegate, .granule(first), .granule(first + count), cpu: cpu)
        }

        mutating func undelegate(_ first: UInt8, count: UInt8 = 1, cpu: UInt8 = 0) {
            smc(.granuleRangeUndelegate, .granule(first), .granule(first + count), cpu: cpu)
        }

        /// RmiRealmParams at `page` for a 39-bit IPA space starting at level 1 with one table at `table`.
        mutating func realmParams(_ page: UInt8, table: UInt8, s2sz: UInt64 = 39, numBPs: UInt64 = 1) {
            let base = address(page)
            write(base + 0x8, s2sz)
            write(base + 0x18, numBPs)
            write(base + 0x20, 1)
            write(base + 0x808, address(table))
            write(base + 0x810, 1)
            write(base + 0x818, 1)
        }

        /// A NEW realm: its RD and starting table delegated, its parameters written, REALM_CREATE, its two
        /// auxiliary granules (RD_AUX, from `aux`) donated, OP_CONTINUE.
        mutating func createRealm(
            rd: UInt8 = FuzzSeeds.rd, table: UInt8 = FuzzSeeds.rtt, params: UInt8 = FuzzSeeds.params,
            aux: UInt8 = FuzzSeeds.rdAux
        ) {
            delegate(rd)
            delegate(table)
            delegate(aux, count: 2)
            realmParams(params, table: table)
            smc(.realmCreate, .granule(rd), .granule(params))
            descriptorList(FuzzSeeds.list, first: aux, count: 2, state: .delegated)
            smc(.opMemDonate, .handle(0), .granule(FuzzSeeds.list), .small(1))
            smc(.opContinue, .handle(0))
        }

        /// REALM_DESTROY, then the auxiliary granules reclaimed and OP_CONTINUE (each fails if the destroy did).
        mutating func destroyRealm(_ rd: UInt8 = FuzzSeeds.rd, cpu: UInt8 = 0) {
            smc(.realmDestroy, .granule(rd), cpu: cpu)
            smc(.opMemReclaim, .handle(0), .granule(FuzzSeeds.list), .small(2), cpu: cpu)
            smc(.opContinue, .handle(0), cpu: cpu)
        }

        /// The one-descriptor list at `list`: `count` level-3 granules from `first` in `state`.
        mutating func descriptorList(_ list: UInt8, first: UInt8, count: UInt64, state: OpMemState) {
            let descriptor = AddressRangeDescriptor(
                base: PhysicalAddress(address(first)), blockSize: .level3, count: count, state: state)
            write(address(list), descriptor.encoding(granule: .size4KB) ?? 0)
        }

        /// A realm's starting table, its level-2 and level-3 tables at `ipa`.
        mutating func realmWithTables() {
            createRealm()
            delegate(rttL2, count: 2)
            smc(.rttCreate, .granule(rd), .granule(rttL2), .raw(ipa), .small(2))
            smc(.rttCreate, .granule(rd), .granule(rttL3), .raw(ipa), .small(3))
        }

        func program(
            hostCreatedL1Tables: Bool = false, bringUp: Bool = true, wholeL0Region: Bool = false,
            el3InPieces: Bool = false
        )
            -> FuzzProgram
        {
            FuzzProgram(
                hostCreatedL1Tables: hostCreatedL1Tables, bringUp: bringUp, wholeL0Region: wholeL0Region,
                el3InPieces: el3InPieces, steps: steps)
        }
    }

    // MARK: Bring-up and range delegation

    /// The RMM from power-on: versions, features, configuration (good and bad), activation twice, and what may
    /// not follow it.
    static let bringUp: FuzzProgram = {
        var seed = Builder()
        seed.smc(.rmmStateGet)
        seed.smc(.version, .raw(0x2_0000))
        seed.smc(.version, .raw(0x1_0000))
        seed.smc(.features, .zero)
        seed.smc(.features, .small(1))
        seed.smc(.features, .small(2))
        seed.smc(.granuleTrackingGet, .edge(1), .edge(3))
        seed.smc(.rmmConfigGet, .zero)
        seed.smc(.rmmConfigGet, .misaligned(granule: params, offset: 0))
        seed.smc(.rmmConfigGet, .edge(4))
        seed.smc(.rmmConfigGet, .granule(params))
        seed.smc(.rmmConfigSet, .zero)
        seed.smc(.rmmConfigSet, .edge(4))
        seed.write(address(params) + 0x8, 7)
        seed.smc(.rmmConfigSet, .granule(params))
        seed.write(address(params) + 0x8, 0)
        seed.write(address(params), 9)
        seed.smc(.rmmConfigSet, .granule(params))
        seed.write(address(params), 0)
        seed.smc(.rmmConfigSet, .granule(params))
        // Before activation every command that needs an active RMM answers RMI_ERROR_GLOBAL.
        for function in FuzzProgram.functions[6..<28] where function != .rmmStateGet {
            seed.smc(function, .granule(0), .afterPrevious(1))
        }
        seed.smc(.rmmActivate)
        seed.smc(.rmmActivate)
        seed.smc(.rmmConfigSet, .granule(params))
        seed.smc(.rmmStateGet)
        seed.smc(.granuleTrackingGet, .edge(1), .edge(3))
        seed.smc(.granuleTrackingGet, .edge(3), .edge(1))
        seed.smc(.granuleTrackingGet, .misaligned(granule: 0, offset: 0), .edge(3))
        seed.smc(.granuleTrackingGet, .edge(1), .edge(12))
        seed.smc(.granuleTrackingGet, .edge(5), .afterPrevious(4))
        return seed.program(bringUp: false)
    }()

    /// Delegation and undelegation of good ranges, overlapping ones, and every kind of bad range.
    static let delegateUndelegate: FuzzProgram = {
        var seed = Builder()
        seed.delegate(0, count: 4)
        seed.delegate(2, count: 4, cpu: 1)
        seed.undelegate(0, count: 2)
        seed.undelegate(0, count: 8, cpu: 2)
        seed.smc(.granuleRangeDelegate, .misaligned(granule: 0, offset: 0), .afterPrevious(1))
        seed.smc(.granuleRangeDelegate, .granule(4), .granule(4))
        seed.smc(.granuleRangeDelegate, .granule(4), .granule(2))
        seed.smc(.granuleRangeDelegate, .edge(2), .afterPrevious(2))
        seed.smc(.granuleRangeDelegate, .edge(4), .afterPrevious(1))
        seed.smc(.granuleRangeDelegate, .edge(5), .afterPrevious(1))
        seed.smc(.granuleRangeDelegate, .edge(7), .afterPrevious(2))
        seed.smc(.granuleRangeDelegate, .edge(9), .afterPrevious(2))
        seed.smc(.granuleRangeDelegate, .edge(8), .afterPrevious(1))
        seed.smc(.granuleRangeDelegate, .edge(6), .afterPrevious(1))
        seed.smc(.granuleRangeDelegate, .edge(12), .afterPrevious(1))
        seed.smc(.granuleRangeUndelegate, .granule(0x20), .afterPrevious(1))
        seed.smc(.granuleRangeUndelegate, .misaligned(granule: 0, offset: 3), .afterPrevious(1))
        seed.smc(.granuleRangeUndelegate, .edge(3), .edge(2))
        seed.smc(.granuleRangeUndelegate, .edge(2), .afterPrevious(2))
        seed.smc(.granuleRangeDelegate, .edge(2), .afterPrevious(1))
        seed.smc(.granuleRangeDelegate, .edge(2), .afterPrevious(2))
        seed.smc(.granuleRangeDelegate, .edge(3), .afterPrevious(1))
        seed.smc(.granuleRangeUndelegate, .edge(2), .afterPrevious(2))
        seed.delegate(0x30, count: 15, cpu: 3)
        seed.smc(.granuleRangeDelegate, .farGranule(1000), .afterPrevious(15))
        seed.undelegate(0x30, count: 15)
        seed.smc(.granuleRangeUndelegate, .farGranule(1000), .afterPrevious(15))
        return seed.program()
    }()

    /// Every fault the platform injects, against range delegation: busy, blocked, no progress, EL3 refusing,
    /// an interrupt (the operation continued to its end), and a clear.
    static let rangeFaults: FuzzProgram = {
        var seed = Builder()
        seed.inject(.busy, count: 1)
        seed.delegate(0, count: 2)
        seed.delegate(0, count: 2)
        seed.delegate(0, count: 2)
        seed.inject(.blocked)
        seed.undelegate(0, count: 2)
        seed.inject(.zeroProgress)
        seed.delegate(4, count: 2)
        seed.inject(.el3Refuse)
        seed.delegate(4, count: 2)
        seed.inject(.el3Refuse)
        seed.undelegate(0, count: 2)
        seed.smc(.opContinue, .handle(0), cpu: 1)
        seed.inject(nil)
        seed.inject(.irq, count: 1)
        seed.delegate(8, count: 8, cpu: 1)
        seed.smc(.opContinue, .handle(0), cpu: 1)
        seed.smc(.opContinue, .handle(0), cpu: 1)
        seed.smc(.opContinue, .handle(0), cpu: 1)
        seed.inject(.busy, count: 3)
        seed.inject(nil)
        seed.undelegate(0, count: 16)
        return seed.program()
    }()

    /// A COARSE unit moved by an EL3 limited to 64 granules per call (bet3.md section 5): delegated through
    /// OP_CONTINUE with an EL3 BUSY on the way and a delegation, an undelegation, a cancel and a TRACKING_SET
    /// meeting it PARTIAL; undelegated with an interrupt during its scrub; delegated again and refused by EL3 part
    /// way, so rolled back to RMI_ERROR_TRACKING; then a FINE range moved 64 granules per SMC.
    static let coarseInPieces: FuzzProgram = {
        var seed = Builder()
        let unit = FuzzOperand.edge(11)  // DRAM + 2 MiB: the second 2 MiB region
        let unitTop = FuzzOperand.edge(3)  // the end of the first DRAM region
        seed.smc(.granuleTrackingSet, unit, .zero, .small(UInt8(TrackingState.coarse.rawValue)))
        seed.smc(.granuleRangeDelegate, unit, unitTop)
        seed.inject(.el3Busy)
        seed.smc(.opContinue, .handle(0), cpu: 1)
        seed.smc(.granuleRangeDelegate, unit, unitTop, cpu: 2)
        seed.smc(.granuleRangeUndelegate, unit, unitTop, cpu: 3)
        seed.smc(.opCancel, .handle(0))
        seed.smc(.granuleTrackingSet, unit, .zero, .small(UInt8(TrackingState.fine.rawValue)))
        for _ in 0..<8 { seed.smc(.opContinue, .handle(0), cpu: 1) }
        seed.inject(.irq)
        seed.smc(.granuleRangeUndelegate, unit, unitTop)
        for _ in 0..<9 { seed.smc(.opContinue, .handle(0)) }
        seed.smc(.granuleRangeDelegate, unit, unitTop)
        seed.inject(.el3Refuse)
        seed.smc(.opContinue, .handle(0))
        seed.smc(.opContinue, .handle(0))
        seed.smc(.opContinue, .handle(0))
        seed.delegate(0, count: 128)
        seed.delegate(64, count: 64)
        seed.undelegate(0, count: 128)
        return seed.program(el3InPieces: true)
    }()

    /// An interrupted undelegation, continued on another CPU, cancelled (it cannot be), continued twice, and
    /// delegated across while it waits: the interleaving checker's `sro-continue-cancel`, one CPU at a time.
    static let rangeInterrupted: FuzzProgram = {
        var seed = Builder()
        seed.delegate(0, count: 4)
        seed.inject(.irq)
        seed.undelegate(0, count: 4)
        seed.smc(.granuleRangeDelegate, .granule(2), .afterPrevious(4), cpu: 2)
        seed.smc(.granuleRangeUndelegate, .granule(0), .afterPrevious(4), cpu: 3)
        seed.smc(.opCancel, .handle(0), cpu: 1)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .small(1))
        seed.smc(.opContinue, .handle(0), cpu: 1)
        seed.smc(.opContinue, .handle(0), cpu: 1)
        seed.smc(.opContinue, .zero)
        seed.smc(.opCancel, .raw(0x1234))
        seed.smc(.opMemDonate, .raw(0xFFFF), .granule(list), .small(1))
        seed.smc(.opMemReclaim, .zero, .granule(list), .small(1))
        seed.read(.granule(0))
        return seed.program()
    }()

    // MARK: Realms

    /// A realm's life and every command out of turn: create (twice), activate (twice), destroy before
    /// terminate, terminate (twice), destroy, and the granules back to the host, scrubbed.
    static let realmLifecycle: FuzzProgram = {
        var seed = Builder()
        seed.createRealm()
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.destroyRealm(rd)
        seed.smc(.realmActivate, .granule(rd))
        seed.smc(.realmActivate, .granule(rd))
        seed.smc(.realmActivate, .granule(rtt))
        seed.smc(.realmActivate, .misaligned(granule: rd, offset: 0))
        seed.smc(.realmTerminate, .granule(0x20))
        seed.smc(.realmDestroy, .edge(4))
        seed.undelegate(rd)
        seed.smc(.realmTerminate, .granule(rd))
        seed.smc(.realmTerminate, .granule(rd))
        seed.destroyRealm(rd)
        seed.destroyRealm(rd)
        seed.undelegate(rd, count: 2)
        seed.read(.granule(rd))
        return seed.program()
    }()

    /// REALM_CREATE's parameter checks one by one, each from valid parameters with one field wrong.
    static let realmParams: FuzzProgram = {
        var seed = Builder()
        seed.delegate(rd, count: 2)
        let base = address(params)
        seed.realmParams(params, table: rtt, s2sz: 49)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.realmParams(params, table: rtt, numBPs: 0)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.realmParams(params, table: rtt)
        seed.write(base, 1)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base, 1 << 7)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base, 1 << 12)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base, 0)
        seed.write(base + 0x30, 2)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base + 0x30, 3)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base + 0x30, 0)
        seed.write(base + 0x440, 1)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base + 0x440, 0)
        seed.write(base + 0x810, 3)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base + 0x810, 1)
        seed.write(base + 0x818, 2)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base + 0x818, 1)
        seed.write(base + 0x808, address(rd))
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base + 0x808, address(rtt) + 8)
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base + 0x808, address(0x20))
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.write(base + 0x808, address(rtt))
        seed.smc(.realmCreate, .granule(rd), .misaligned(granule: params, offset: 0))
        seed.smc(.realmCreate, .granule(rd), .granule(rtt))
        seed.smc(.realmCreate, .misaligned(granule: rd, offset: 0), .granule(params))
        seed.smc(.realmCreate, .granule(0x20), .granule(params))
        seed.smc(.realmCreate, .granule(rtt), .granule(params))
        seed.write(base + 0x808, address(rd) - FuzzProgram.granule)
        seed.smc(.realmCreate, .granule(rtt), .granule(params))
        seed.write(base + 0x808, address(rtt))
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        return seed.program()
    }()

    /// A REC created with its auxiliary granules donated (also wrongly), a second one with the wrong MPIDR, the
    /// realm activated, the REC destroyed with its granules reclaimed.
    static let recCreateDestroy: FuzzProgram = {
        var seed = Builder()
        seed.createRealm()
        seed.delegate(rec)
        seed.delegate(aux, count: 16)
        seed.smc(.recCreate, .granule(rd), .granule(rec), .granule(recParams))
        seed.descriptorList(list, first: aux, count: 16, state: .undelegated)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.descriptorList(list, first: aux, count: 17, state: .delegated)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.smc(.opMemDonate, .handle(0), .misaligned(granule: list, offset: 0), .small(1))
        seed.smc(.opMemDonate, .handle(0), .granule(rd), .small(1))
        seed.smc(.opContinue, .handle(0))
        seed.descriptorList(list, first: aux, count: 16, state: .delegated)
        seed.smc(.realmActivate, .granule(rd))
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.smc(.opContinue, .handle(0))
        seed.smc(.recCreate, .granule(rd), .granule(rec), .granule(recParams))
        seed.delegate(0x30)
        seed.smc(.recCreate, .granule(rd), .granule(0x30), .granule(recParams))
        seed.smc(.recCreate, .granule(rd), .granule(0x30), .misaligned(granule: recParams, offset: 0))
        seed.smc(.recCreate, .granule(rd), .misaligned(granule: 0x30, offset: 0), .granule(recParams))
        seed.smc(.recCreate, .granule(rd), .granule(0x30), .granule(rd))
        seed.write(address(recParams) + 0x100, 0xF0)
        seed.smc(.recCreate, .granule(rd), .granule(0x30), .granule(recParams))
        seed.smc(.realmActivate, .granule(rd))
        seed.write(address(recParams) + 0x100, 1)
        seed.smc(.recCreate, .granule(rd), .granule(0x30), .granule(recParams))
        seed.smc(.recDestroy, .granule(rd))
        seed.smc(.recDestroy, .misaligned(granule: rec, offset: 0))
        seed.smc(.realmTerminate, .granule(rd))
        seed.destroyRealm(rd)
        seed.smc(.recDestroy, .granule(rec))
        seed.smc(.opContinue, .handle(0))
        seed.smc(.opCancel, .handle(0))
        seed.smc(.opMemReclaim, .handle(0), .misaligned(granule: list, offset: 0), .small(4))
        seed.smc(.opMemReclaim, .handle(0), .granule(rd), .small(4))
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .zero)
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .small(8))
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .small(15), cpu: 1)
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .small(15), cpu: 1)
        seed.smc(.opContinue, .handle(0), cpu: 1)
        seed.destroyRealm(rd)
        seed.undelegate(0, count: 15)
        seed.undelegate(aux, count: 16)
        seed.read(.granule(rec))
        return seed.program()
    }()

    /// REC creations cancelled: before any donation, after the donation, a second creation while one is in
    /// flight, and commands on the realm and on the REC granule (held PARTIAL) meanwhile.
    static let recCancel: FuzzProgram = {
        var seed = Builder()
        seed.createRealm()
        seed.delegate(rec, count: 2)
        seed.delegate(aux, count: 16)
        seed.smc(.recCreate, .granule(rd), .granule(rec), .granule(recParams))
        seed.smc(.recCreate, .granule(rd), .granule(rec + 1), .granule(recParams), cpu: 1)
        seed.smc(.realmActivate, .granule(rd), cpu: 1)
        seed.destroyRealm(rd, cpu: 1)
        seed.smc(.rttCreate, .granule(rd), .granule(rec), .raw(ipa), .small(2), cpu: 2)
        seed.smc(.rttDestroy, .granule(rd), .raw(ipa), .small(2), cpu: 2)
        seed.smc(.rttDataMapInit, .granule(rd), .granule(rec), .raw(ipa), .granule(source), cpu: 3)
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa), .raw(ipa + 0x1000), .small(0), cpu: 3)
        seed.smc(.recDestroy, .granule(rec), cpu: 3)
        seed.smc(.granuleTrackingSet, .edge(1), .zero, .small(1), cpu: 3)
        seed.smc(.opContinue, .handle(0))
        seed.smc(.opCancel, .handle(0))
        seed.smc(.opCancel, .handle(0))
        seed.smc(.opContinue, .handle(0))
        seed.smc(.recCreate, .granule(rd), .granule(rec), .granule(recParams))
        seed.descriptorList(list, first: aux, count: 16, state: .delegated)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.smc(.opCancel, .handle(0))
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .small(15))
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .small(15))
        seed.smc(.opContinue, .handle(0))
        seed.undelegate(aux, count: 16)
        return seed.program()
    }()

    /// RTTs at levels 2 and 3, created twice, read, destroyed while live and in order, with bad levels and
    /// addresses.
    static let rttTables: FuzzProgram = {
        var seed = Builder()
        seed.realmWithTables()
        seed.smc(.rttCreate, .granule(rd), .granule(rttL3), .raw(ipa), .small(3))
        seed.delegate(6)
        seed.smc(.rttCreate, .granule(rd), .granule(6), .raw(ipa), .small(3))
        seed.smc(.rttCreate, .granule(rd), .granule(6), .raw(ipa << 1), .small(3))
        seed.smc(.rttCreate, .granule(rd), .granule(6), .raw(ipa + 0x1000), .small(3))
        seed.smc(.rttCreate, .granule(rd), .granule(6), .raw(ipa), .small(1))
        seed.smc(.rttCreate, .granule(rd), .granule(6), .raw(ipa), .small(4))
        seed.smc(.rttCreate, .granule(rd), .granule(6), .raw(1 << 39), .small(2))
        seed.smc(.rttCreate, .granule(rd), .misaligned(granule: 6, offset: 0), .raw(ipa), .small(3))
        seed.smc(.rttCreate, .granule(rd), .granule(0x20), .raw(0), .small(2))
        seed.smc(.rttCreate, .granule(rd), .edge(4), .raw(0), .small(2))
        seed.smc(.rttCreate, .granule(rttL2), .granule(6), .raw(0), .small(2))
        seed.smc(.rttCreate, .granule(rd), .granule(rd), .raw(0), .small(2))
        seed.smc(.rttReadEntry, .granule(rd), .raw(ipa), .small(3))
        seed.smc(.rttReadEntry, .granule(rd), .raw(ipa), .small(2))
        seed.smc(.rttReadEntry, .granule(rd), .raw(ipa), .small(1))
        seed.smc(.rttReadEntry, .granule(rd), .raw(0), .small(3))
        seed.smc(.rttReadEntry, .granule(rd), .raw(ipa + 0x800), .small(3))
        seed.smc(.rttReadEntry, .granule(rd), .raw(ipa), .small(0))
        seed.smc(.rttReadEntry, .granule(rd), .raw(1 << 40), .small(2))
        seed.smc(.rttReadEntry, .granule(rttL2), .raw(ipa), .small(2))
        seed.smc(.rttDestroy, .granule(rd), .raw(ipa), .small(2))
        seed.smc(.rttDestroy, .granule(rd), .raw(0), .small(3))
        seed.smc(.rttDestroy, .granule(rd), .raw(ipa + 0x1000), .small(3))
        seed.smc(.rttDestroy, .granule(rd), .raw(ipa), .small(4))
        seed.smc(.rttDestroy, .granule(rttL2), .raw(ipa), .small(3))
        seed.smc(.rttDestroy, .granule(rd), .raw(ipa), .small(3))
        seed.smc(.rttDestroy, .granule(rd), .raw(ipa), .small(3))
        seed.smc(.rttDestroy, .granule(rd), .raw(ipa), .small(2))
        seed.smc(.realmTerminate, .granule(rd))
        seed.destroyRealm(rd)
        seed.undelegate(0, count: 7)
        seed.read(.granule(rttL2))
        return seed.program()
    }()

    /// A DATA granule mapped with its contents copied in, read back, unmapped (SINGLE and LIST output, with bad
    /// flags and lists), and handed back to the host scrubbed.
    static let dataMapUnmap: FuzzProgram = {
        var seed = Builder()
        seed.write(address(source), 0x5EC2_E7B1_75DA_7A00, count: 63)
        seed.realmWithTables()
        seed.delegate(data, count: 1)
        seed.delegate(6, count: 2)
        seed.smc(.rttDataMapInit, .granule(rd), .granule(data), .raw(ipa), .granule(source))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(6), .raw(ipa), .granule(source))
        seed.smc(
            .rttDataMapInit, .granule(rd), .granule(6), .raw(ipa + 0x1000), .misaligned(granule: source, offset: 0))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(6), .raw(ipa + 0x1000), .granule(rd))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(6), .raw(ipa + 0x1000), .edge(4))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(0x20), .raw(ipa + 0x1000), .granule(source))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(6), .raw(ipa + 0x800), .granule(source))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(6), .raw(1 << 38), .granule(source))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(6), .raw(0x8000_0000), .granule(source))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(6), .raw(ipa + 0x20_0000), .granule(source))
        seed.smc(.rttDataMapInit, .granule(rttL2), .granule(6), .raw(ipa + 0x1000), .granule(source))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(6), .raw(ipa + 0x1000), .granule(source))
        seed.smc(.rttReadEntry, .granule(rd), .raw(ipa), .small(3))
        seed.smc(.rttDestroy, .granule(rd), .raw(ipa), .small(3))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa), .raw(ipa + 0x1000), .small(1))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa + 0x1000), .raw(ipa + 0x2000), .raw(2 | 4 << 2), .granule(list))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa), .raw(ipa + 0x1000), .small(3))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa), .raw(ipa + 0x1000), .small(1), .granule(list))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa + 0x2000), .raw(ipa + 0x1000), .small(0))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa + 0x800), .raw(ipa + 0x1000), .small(0))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa), .raw(1 << 39), .small(0))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(0x2000_0000), .raw(0x2000_1000), .small(0))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa), .raw(ipa + 0x1000), .raw(2 | 4 << 2), .granule(rd))
        seed.smc(
            .rttDataUnmap, .granule(rd), .raw(ipa), .raw(ipa + 0x1000), .raw(2 | 4 << 2),
            .misaligned(granule: list, offset: 0))
        seed.smc(.rttDataUnmap, .granule(rttL2), .raw(ipa), .raw(ipa + 0x1000), .small(0))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa), .raw(ipa + 0x1000), .small(0), .small(8))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa), .raw(ipa + 0x1000), .small(1))
        seed.read(.granule(list))
        seed.smc(.rttDataUnmap, .granule(rd), .raw(ipa), .raw(ipa + 0x1000), .small(1))
        seed.smc(.realmActivate, .granule(rd))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(data), .raw(ipa), .granule(source))
        seed.undelegate(data, count: 5)
        seed.read(.granule(data))
        return seed.program()
    }()

    /// Every operation context sealed (sixteen interrupted delegations, four contexts for each of the four CPUs):
    /// the commands that start an operation answer RMI_BLOCKED, GPT_L1_CREATE and _DESTROY included. From an RMM
    /// the program activates itself, with host-created L1 tables, so that a table can be created first.
    static let operationPoolExhausted: FuzzProgram = {
        var seed = Builder()
        seed.smc(.rmmActivate)
        seed.smc(.gptL1Create, .raw(FuzzProgram.dram))
        seed.descriptorList(list, first: 0x80, count: 32, state: .undelegated)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.smc(.opContinue, .handle(0))
        for batch in 0..<2 {
            seed.inject(.irq, count: 7)
            for range in 0..<8 { seed.delegate(UInt8(batch * 16 + range * 2), count: 2, cpu: UInt8(range % 4)) }
        }
        seed.smc(.gptL1Create, .edge(8))
        seed.smc(.gptL1Destroy, .raw(FuzzProgram.dram))
        seed.delegate(0x40, count: 1)
        seed.inject(.irq)
        seed.delegate(0x41, count: 2)
        seed.smc(.opContinue, .handle(0))
        seed.smc(.gptL1Create, .edge(8))
        return seed.program(hostCreatedL1Tables: true, bringUp: false)
    }()

    // MARK: GPT, tracking, host memory, IDs, injected answers

    /// Host-created L1 tables: the one made at bring-up for the 1 GiB region folded (refused while a granule
    /// in it is delegated) and its memory reclaimed; a new one donated (wrongly first), raced by a delegation and
    /// a destruction from other CPUs; a creation cancelled; the tables of partly populated regions.
    static let gptL1HostTables: FuzzProgram = {
        var seed = Builder()
        let region: UInt64 = 0x1_0000_0000
        seed.smc(.gptInfo, .edge(0), .raw(1 << 40))
        seed.smc(.gptInfo, .raw(0x4000_0000), .raw(region + (1 << 30)))
        seed.smc(.gptInfo, .raw(0x4000_1000), .raw(region))
        seed.smc(.gptInfo, .raw(region), .raw(0x4000_0000))
        seed.smc(.gptInfo, .raw(0x4000_0000), .raw(1 << 41))
        seed.smc(.gptL1Create, .raw(region))
        seed.smc(.gptL1Destroy, .raw(region + 0x1000))
        seed.smc(.gptL1Destroy, .raw(1 << 41))
        seed.smc(.gptL1Destroy, .raw(0xC000_0000))
        seed.smc(.gptL1Destroy, .raw(0x8000_0000))
        seed.smc(.granuleRangeDelegate, .raw(region + 0x10_0000), .afterPrevious(1))
        seed.smc(.gptL1Destroy, .raw(region))
        seed.smc(.granuleRangeUndelegate, .raw(region + 0x10_0000), .afterPrevious(1))
        seed.smc(.gptL1Destroy, .raw(region))
        seed.smc(.gptL1Destroy, .raw(region), cpu: 1)
        seed.smc(.gptL1Create, .raw(region), cpu: 1)
        seed.smc(.opCancel, .handle(0))
        seed.smc(.opContinue, .handle(0))
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .zero)
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .small(1))
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .small(1))
        seed.smc(.opContinue, .handle(0))
        seed.smc(.gptL1Destroy, .raw(region))
        seed.smc(.granuleRangeDelegate, .raw(region), .afterPrevious(1))
        seed.smc(.gptL1Create, .raw(region))
        seed.smc(.opContinue, .handle(0))
        seed.smc(.granuleRangeDelegate, .raw(region), .afterPrevious(2), cpu: 1)
        seed.smc(.gptL1Destroy, .raw(region), cpu: 2)
        seed.smc(.gptL1Create, .raw(region), cpu: 3)
        seed.descriptorList(list, first: 0x81, count: 32, state: .undelegated)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.descriptorList(list, first: 0x80, count: 16, state: .undelegated)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.descriptorList(list, first: 0x80, count: 32, state: .delegated)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.delegate(0x90)
        seed.descriptorList(list, first: 0x80, count: 32, state: .undelegated)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.undelegate(0x90)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(2))
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.smc(.opContinue, .handle(0))
        seed.read(.granule(0x80))
        seed.smc(.granuleRangeDelegate, .raw(region), .afterPrevious(2))
        seed.smc(.granuleRangeUndelegate, .raw(region), .afterPrevious(2))
        seed.smc(.gptL1Destroy, .raw(region))
        seed.smc(.opMemReclaim, .handle(0), .granule(list), .small(1))
        seed.smc(.opContinue, .handle(0))
        seed.read(.granule(0x80))
        seed.smc(.gptL1Create, .raw(region))
        seed.smc(.opCancel, .handle(0))
        seed.smc(.opContinue, .handle(0))
        seed.smc(.gptL1Create, .raw(0x4000_0000))
        seed.smc(.gptL1Create, .raw(0x1_4000_0000))
        return seed.program(hostCreatedL1Tables: true, wholeL0Region: true)
    }()

    /// Platform-made L1 tables: the host may neither create nor fold them.
    static let gptL1Platform: FuzzProgram = {
        var seed = Builder()
        seed.smc(.gptInfo, .raw(0x4000_0000), .raw(0xC000_0000))
        seed.smc(.gptL1Create, .raw(0x8000_0000))
        seed.smc(.gptL1Create, .raw(0x4000_0000))
        seed.smc(.gptL1Create, .raw(0x8000_1000))
        seed.smc(.gptL1Create, .raw(1 << 41))
        seed.smc(.gptL1Destroy, .raw(0x8000_0000))
        seed.smc(.gptL1Destroy, .raw(0x4000_0000))
        return seed.program()
    }()

    /// Tracking changes of the second DRAM region (its own 1 GiB tracking region): FINE to COARSE and NONE and
    /// back, with delegated granules in the way, and every bad argument.
    static let tracking: FuzzProgram = {
        var seed = Builder()
        let region: FuzzOperand = .edge(8)
        seed.smc(.granuleTrackingSet, region, .zero, .small(3))
        seed.smc(.granuleTrackingGet, region, .edge(10))
        seed.smc(.granuleTrackingSet, region, .zero, .small(3))
        seed.inject(.el3Refuse)
        seed.smc(.granuleRangeDelegate, region, .afterPrevious(2))
        seed.smc(.granuleRangeDelegate, region, .afterPrevious(2))
        seed.smc(.granuleTrackingSet, region, .zero, .small(2))
        seed.smc(.granuleTrackingSet, region, .zero, .small(1))
        seed.smc(.granuleRangeUndelegate, region, .afterPrevious(2))
        seed.smc(.granuleTrackingSet, region, .zero, .small(1))
        seed.smc(.granuleRangeDelegate, region, .afterPrevious(2))
        seed.smc(.granuleTrackingSet, region, .zero, .small(2))
        seed.smc(.granuleTrackingSet, region, .zero, .small(0))
        seed.smc(.granuleTrackingSet, region, .zero, .small(4))
        seed.smc(.granuleTrackingSet, region, .small(1), .small(2))
        seed.smc(.granuleTrackingSet, .raw(0x1_0000_1000), .zero, .small(2))
        seed.smc(.granuleTrackingSet, .edge(6), .zero, .small(2))
        seed.smc(.granuleTrackingSet, .raw(1 << 41), .zero, .small(2))
        seed.smc(.granuleTrackingSet, .edge(1), .zero, .small(3))
        seed.delegate(0)
        seed.inject(.irq)
        seed.delegate(1, count: 4)
        seed.smc(.granuleTrackingSet, .edge(1), .zero, .small(3))
        seed.smc(.opContinue, .handle(0))
        seed.smc(.granuleTrackingSet, .edge(1), .zero, .small(3))
        seed.smc(.granuleTrackingSet, .edge(1), .zero, .small(1))
        seed.smc(.granuleTrackingSet, .edge(1), .zero, .small(2))
        seed.smc(.granuleTrackingGet, .edge(1), .edge(3))
        return seed.program()
    }()

    /// The host's view of memory: its own pages written and read, delegated ones faulting both ways, device
    /// memory, holes, the ends of DRAM, and granules that come back from the Realm world.
    static let hostMemory: FuzzProgram = {
        var seed = Builder()
        seed.steps.append(.write(.granule(0), value: .raw(0xA5A5_A5A5_A5A5_A5A5), count: 63))
        seed.read(.granule(0))
        seed.delegate(0)
        seed.read(.granule(0))
        seed.read(.misaligned(granule: 0, offset: 15), length: 255)
        seed.steps.append(.write(.granule(0), value: .small(1), count: 0))
        seed.read(.edge(2), length: 255)
        seed.read(.edge(4))
        seed.read(.edge(5))
        seed.read(.edge(7))
        seed.read(.edge(14), length: 0)
        seed.read(.edge(9))
        seed.steps.append(.write(.edge(3), value: .zero, count: 0))
        seed.undelegate(0)
        seed.read(.granule(0))
        seed.steps.append(.write(.misaligned(granule: 1, offset: 15), value: .raw(~0), count: 63))
        return seed.program()
    }()

    /// Function IDs that are not the host's to call, or not modelled: each answers NOT_SUPPORTED or
    /// RMI_ERROR_NOT_SUPPORTED and changes nothing.
    static let unknownFunctions: FuzzProgram = {
        var seed = Builder()
        for function in FuzzProgram.functions[28...] { seed.smc(function, .granule(0), .afterPrevious(1)) }
        seed.smc(FunctionID(0xC400_0412))
        seed.smc(FunctionID(0xC400_01B1), .granule(0))
        seed.smc(FunctionID(0xC400_0151), .granule(0))
        seed.smc(FunctionID(0xC500_0150))
        seed.smc(FunctionID(~0))
        seed.smc(FunctionID(FunctionID.version.rawValue | FunctionID.sveHintBit), .raw(0x2_0000))
        return seed.program()
    }()

    /// Answers injected for whole commands, stateful steps included, seen by a host that carries on.
    static let injectedAnswers: FuzzProgram = {
        var seed = Builder()
        seed.injectAnswer(.granuleRangeDelegate, .busy, count: 1)
        seed.delegate(0)
        seed.delegate(0)
        seed.delegate(0)
        seed.injectAnswer(.realmCreate, .blocked)
        seed.createRealm()
        seed.smc(.realmCreate, .granule(rd), .granule(params))
        seed.delegate(rec)
        seed.injectAnswer(.recCreate, .busy)
        seed.smc(.recCreate, .granule(rd), .granule(rec), .granule(recParams))
        seed.smc(.recCreate, .granule(rd), .granule(rec), .granule(recParams))
        seed.injectAnswer(.opMemDonate, .errorGlobal)
        seed.smc(.opMemDonate, .handle(0), .granule(list), .small(1))
        seed.injectAnswer(.opContinue, .blocked)
        seed.smc(.opContinue, .handle(0))
        seed.smc(.opCancel, .handle(0))
        seed.smc(.opContinue, .handle(0))
        seed.injectAnswer(.features, .errorInput)
        seed.injectAnswer(.version, .errorInput)
        seed.smc(.version, .raw(0x2_0000))
        return seed.program()
    }()

    /// The interleaving checker's `realms-cross`, `realm-self` and `lost-reference` races, one CPU after the
    /// other: two realms naming each other's RD as a new object, an RD as its own object, and one realm's table
    /// named as another's new RTT.
    static let twoRealmsCross: FuzzProgram = {
        var seed = Builder()
        seed.createRealm()
        seed.createRealm(rd: rd2, table: rtt2, params: params2, aux: rdAux2)
        seed.smc(.rttCreate, .granule(rd), .granule(rd2), .raw(ipa), .small(2))
        seed.smc(.recCreate, .granule(rd2), .granule(rd), .granule(recParams), cpu: 1)
        seed.smc(.rttCreate, .granule(rd), .granule(rd), .raw(ipa), .small(2))
        seed.smc(.rttDataMapInit, .granule(rd), .granule(rd), .raw(ipa), .granule(params))
        seed.delegate(rttL2)
        seed.smc(.rttCreate, .granule(rd), .granule(rttL2), .raw(ipa), .small(2))
        seed.smc(.rttCreate, .granule(rd2), .granule(rtt), .raw(ipa), .small(2), cpu: 1)
        seed.smc(.rttCreate, .granule(rd2), .granule(rttL2), .raw(ipa), .small(2), cpu: 1)
        seed.smc(.realmTerminate, .granule(rd))
        seed.destroyRealm(rd)
        seed.smc(.rttDestroy, .granule(rd), .raw(ipa), .small(2))
        seed.destroyRealm(rd)
        seed.smc(.realmTerminate, .granule(rd2), cpu: 1)
        seed.destroyRealm(rd2, cpu: 1)
        seed.undelegate(0, count: 10)
        return seed.program()
    }()
}

/// The libFuzzer dictionary (`Fuzz/smc.dict`): byte strings that decode to meaningful pieces of a `FuzzProgram`,
/// so that mutations splice in whole function IDs and addresses rather than stray bytes.
public enum FuzzDictionary {
    /// The dictionary file's text, one `name="bytes"` entry a line (libFuzzer's `-dict` format).
    public static var text: String {
        var lines = [
            "# libFuzzer dictionary of the SMC fuzz target: function IDs and edge addresses as FuzzProgram operands.",
            "# Generated by `rmm check fuzz --write-dictionary Fuzz/smc.dict`; a test checks it matches.",
        ]
        func entry(_ name: String, _ bytes: [UInt8]) {
            lines.append("\(name)=\"" + bytes.map { "\\x" + hex2($0) }.joined() + "\"")
        }
        for function in FuzzProgram.functions {
            var bytes: [UInt8] = []
            FuzzFunction.raw(function.rawValue).encode(into: &bytes)
            entry("fid_\(String(function.rawValue, radix: 16))", bytes)
        }
        let addresses =
            FuzzProgram.edges + [
                0x2_0000, 0x4000_0000 + 0x1000, 1 << 38, 1 << 39, 0x1_4000_0000, FuzzSeeds.address(FuzzSeeds.params),
                FuzzSeeds.address(FuzzSeeds.list),
            ]
        for value in addresses {
            var bytes: [UInt8] = []
            FuzzOperand.raw(value).encode(into: &bytes)
            entry("raw_\(String(value, radix: 16))", bytes)
        }
        for state in [OpMemState.delegated, .undelegated] {
            let descriptor = AddressRangeDescriptor(
                base: PhysicalAddress(FuzzProgram.dram + 0x10 * FuzzProgram.granule), blockSize: .level3, count: 16,
                state: state)
            var bytes: [UInt8] = []
            FuzzOperand.raw(descriptor.encoding(granule: .size4KB) ?? 0).encode(into: &bytes)
            entry("descriptor_16_\(state == .delegated ? "delegated" : "undelegated")", bytes)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func hex2(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
