import CCAArch
import Testing

@testable import RMM

private typealias F = RealmFixture
private let g = Harness.g

@Suite("RMI_REALM_CREATE (B4.5.46) failure conditions")
struct RealmCreateConditionTests {
    enum Condition: String, CaseIterable, CustomTestStringConvertible {
        case params_align, params_pas, params_valid, params_supp, alias, rd_align, rd_bound, rd_state, rtt_align
        case rtt_num_level, rtt_state, ats_plane, mec_policy
        var testDescription: String { rawValue }
    }

    @Test("each failure condition answers its status and changes nothing", arguments: Condition.allCases)
    func condition(_ condition: Condition) {
        let f = RealmFixture()
        var rd = F.rd
        var params = F.params
        var expected = RMIStatus.errorInput
        switch condition {
        case .params_align: params += 8
        case .params_pas: params = 0x1000
        case .params_valid: f.ns(F.params + RealmParams.flags0, 1 << 4)
        case .params_supp: f.ns(F.params + RealmParams.flags0, 1 << 1)  // SVE
        case .alias: rd = F.rtt
        case .rd_align: rd += 0x10
        case .rd_bound: rd = 0x1000
        case .rd_state: rd = F.params
        case .rtt_align: f.writeRealmParams(s2sz: 32, level: 2, numStart: 4, rttBase: F.rtt)
        case .rtt_num_level: f.writeRealmParams(s2sz: 40, level: 1, numStart: 1)
        case .rtt_state: f.writeRealmParams(rttBase: F.aux + 16 * g)
        case .ats_plane: f.ns(F.params + RealmParams.atsPlane, 1)
        case .mec_policy:
            f.ns(F.params + RealmParams.flags0, 1 << 7)
            expected = .errorGlobal
        }
        let answer = f.h.rmm.handle(SMCArguments(FunctionID.realmCreate.rawValue, rd, params), cpu: 0)
        #expect(f.status(answer) == expected)
        #expect(f.h.states(F.rd, F.rd + 0x6000).allSatisfy { $0 == .delegated })
    }

    @Test(
        "with RTT geometries the RMM supports, creation succeeds",
        arguments: [(UInt64(39), Int64(1), UInt64(1)), (32, 2, 4), (30, 2, 1), (40, 1, 2)])
    func geometries(s2sz: UInt64, level: Int64, numStart: UInt64) {
        let f = RealmFixture()
        let base = F.aux  // 16 delegated granules, aligned to 64 KB
        f.writeRealmParams(s2sz: s2sz, level: level, numStart: numStart, rttBase: base)
        #expect(f.createRealm() == SMCReturn(0))
        #expect(f.h.states(base, base + numStart * g).allSatisfy { $0 == .rtt })
    }
}

@Suite("RMI_REALM_ACTIVATE / TERMINATE / DESTROY failure conditions")
struct RealmStateConditionTests {
    @Test(
        "rd_align, rd_bound and rd_state answer RMI_ERROR_INPUT for each command",
        arguments: [FunctionID.realmActivate, .realmTerminate, .realmDestroy])
    func rdChecks(fid: FunctionID) {
        let f = RealmFixture()
        f.createRealm()
        #expect(f.status(f.call(fid, F.rd + 8)) == .errorInput)
        #expect(f.status(f.call(fid, 0x1000)) == .errorInput)
        #expect(f.status(f.call(fid, F.rtt)) == .errorInput)
        #expect(f.status(f.call(fid, F.params)) == .errorInput)
        #expect(f.h.state(F.rd) == .rd)
    }

    @Test("ACTIVATE realm_state: a realm that is not NEW answers RMI_ERROR_REALM")
    func activate_realm_state() {
        let f = RealmFixture()
        f.createRealm()
        #expect(f.call(.realmActivate, F.rd) == SMCReturn(0))
        #expect(f.status(f.call(.realmActivate, F.rd)) == .errorRealm)
    }

    @Test("TERMINATE succeeds from NEW, ACTIVE and again from ZOMBIE")
    func terminate() {
        let f = RealmFixture()
        f.createRealm()
        #expect(f.call(.realmTerminate, F.rd) == SMCReturn(0))
        #expect(f.call(.realmTerminate, F.rd) == SMCReturn(0))
        #expect(f.status(f.call(.realmActivate, F.rd)) == .errorRealm)
    }

    @Test("a destroyed realm's VMID is reused: 300 create-destroy cycles never run out")
    func vmidReuse() {
        let f = RealmFixture()
        for _ in 0..<300 {
            #expect(f.createRealm() == SMCReturn(0))
            #expect(f.call(.realmTerminate, F.rd) == SMCReturn(0))
            #expect(f.call(.realmDestroy, F.rd) == SMCReturn(0))
        }
    }
}

@Suite("RMI_RTT_CREATE (B4.5.64) and RMI_RTT_DESTROY (B4.5.68) failure conditions")
struct RTTConditionTests {
    enum Condition: String, CaseIterable, CustomTestStringConvertible {
        case rd_align, rd_bound, rd_state, level_bound_start, level_bound_deep, ipa_align, ipa_bound, rtt_align
        case rtt_bound, rtt_state
        var testDescription: String { rawValue }
    }

    @Test("RTT_CREATE: each input condition answers RMI_ERROR_INPUT and changes nothing", arguments: Condition.allCases)
    func create(_ condition: Condition) {
        let f = RealmFixture()
        f.createRealm()
        var (rd, rtt, ipa, level) = (F.rd, F.rtt2, F.ipa, UInt64(2))
        switch condition {
        case .rd_align: rd += 8
        case .rd_bound: rd = 0x1000
        case .rd_state: rd = F.rtt
        case .level_bound_start: level = 1
        case .level_bound_deep: level = 4
        case .ipa_align: ipa += 0x20_0000
        case .ipa_bound: ipa = 1 << 39
        case .rtt_align: rtt += 8
        case .rtt_bound: rtt = 0x1000
        case .rtt_state: rtt = F.params
        }
        #expect(f.status(f.call(.rttCreate, rd, rtt, ipa, level)) == .errorInput)
        #expect(f.h.state(F.rtt2) == .delegated)
    }

    @Test("RTT_DESTROY rtt_walk: below a missing table answers RMI_ERROR_RTT at the walk's level, X2 = walk top")
    func destroy_rtt_walk() {
        let f = RealmFixture()
        f.createRealm()
        let answer = f.call(.rttDestroy, F.rd, F.ipa, 3)
        #expect(RMIResult(rawValue: answer.x0) == .level(.errorRTT, 1))
        #expect(answer.x2 == F.ipa + 0x4000_0000)
    }

    @Test("RTT_DESTROY rtte_state: a parent entry that is not a table answers RMI_ERROR_RTT")
    func destroy_rtte_state() {
        let f = RealmFixture()
        f.createRealm()
        #expect(RMIResult(rawValue: f.call(.rttDestroy, F.rd, F.ipa, 2).x0) == .level(.errorRTT, 1))
    }

    @Test("RTT_DESTROY input checks answer RMI_ERROR_INPUT with X2 = 0")
    func destroyInputs() {
        let f = RealmFixture()
        f.createRealm()
        f.createTables()
        #expect(f.call(.rttDestroy, F.rd, F.ipa + 0x1000, 3) == .result(.errorInput))
        #expect(f.call(.rttDestroy, F.rd, F.ipa, 1) == .result(.errorInput))
        #expect(f.call(.rttDestroy, F.rd, 1 << 39, 2) == .result(.errorInput))
        #expect(f.call(.rttDestroy, F.rtt, F.ipa, 3) == .result(.errorInput))
    }

    @Test("a destroyed table leaves RIPAS DESTROYED that a new table inherits")
    func ripasInherited() {
        let f = RealmFixture()
        f.createRealm()
        f.createTables()
        #expect(f.call(.rttDestroy, F.rd, F.ipa, 3).x0 == 0)
        #expect(f.call(.rttCreate, F.rd, F.rtt3, F.ipa, 3).x0 == 0)
        let entry = RTTEntry(rawValue: f.h.port.read64(PhysicalAddress(F.rtt3 + 8), space: .realm)!)
        #expect(entry.kind == .void && entry.ripas == .destroyed)
    }
}

@Suite("RMI_RTT_DATA_MAP_INIT (B4.5.66) and RMI_RTT_DATA_UNMAP (B4.5.67) failure conditions")
struct DataConditionTests {
    enum Condition: String, CaseIterable, CustomTestStringConvertible {
        case src_align, src_pas, data_align, data_bound, data_state, rd_align, rd_bound, rd_state, ipa_align
        case ipa_bound
        var testDescription: String { rawValue }
    }

    @Test(
        "DATA_MAP_INIT: each input condition answers RMI_ERROR_INPUT and changes nothing", arguments: Condition.allCases
    )
    func mapInit(_ condition: Condition) {
        let f = RealmFixture()
        f.createRealm()
        f.createTables()
        var (rd, data, ipa, src) = (F.rd, F.data, F.ipa, F.source)
        switch condition {
        case .src_align: src += 8
        case .src_pas: src = F.rec
        case .data_align: data += 8
        case .data_bound: data = 0x1000
        case .data_state: data = F.params
        case .rd_align: rd += 8
        case .rd_bound: rd = 0x1000
        case .rd_state: rd = F.rtt
        case .ipa_align: ipa += 0x800
        case .ipa_bound: ipa = 1 << 38
        }
        #expect(f.status(f.call(.rttDataMapInit, rd, data, ipa, src, 0)) == .errorInput)
        #expect(f.h.state(F.data) == .delegated)
    }

    @Test("DATA_UNMAP input checks answer RMI_ERROR_INPUT", arguments: [0, 1, 2, 3, 4] as [Int])
    func unmapInputs(which: Int) {
        let f = RealmFixture()
        f.createRealm()
        let (base, top, flags, list): (UInt64, UInt64, UInt64, UInt64) =
            switch which {
            case 0: (F.ipa + 8, F.ipa + g, 0, 0)
            case 1: (F.ipa, F.ipa, 0, 0)
            case 2: (F.ipa, 1 << 38 + g, 0, 0)
            case 3: (F.ipa, F.ipa + g, 3, 0)
            default: (F.ipa, F.ipa + g, 2, F.rec)
            }
        #expect(f.status(f.call(.rttDataUnmap, F.rd, base, top, flags, list)) == .errorInput)
    }

    @Test("DATA_UNMAP with a LIST reports every unmapped granule; SINGLE stops at a PA discontinuity")
    func unmapOutputs() {
        let f = RealmFixture()
        f.createRealm()
        f.createTables()
        f.h.delegateAll(0x8002_0000, 0x8002_3000)
        let targets: [UInt64] = [0x8002_0000, 0x8002_1000, 0x8000_4000]
        for (i, pa) in targets.enumerated() {
            #expect(f.call(.rttDataMapInit, F.rd, pa, F.ipa + UInt64(i) * g, F.source, 0).x0 == 0)
        }
        let single = f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + 3 * g, 1, 0)
        #expect(single.x0 == 0 && single.x1 == F.ipa + 2 * g)
        let range = try? AddressRangeDescriptor(encoding: single.x2, granule: .size4KB)
        #expect(range?.base == PhysicalAddress(0x8002_0000) && range?.count == 2)
        let listed = f.call(.rttDataUnmap, F.rd, F.ipa + 2 * g, F.ipa + 3 * g, 2, F.list)
        #expect(listed.x0 == 0 && listed.x3 == 1)
        let entry = try? AddressRangeDescriptor(encoding: f.h.port.word(F.list), granule: .size4KB)
        #expect(entry?.base == PhysicalAddress(0x8000_4000))
        #expect(targets.allSatisfy { f.h.state($0) == .delegated })
    }
}

@Suite("RMI_REC_CREATE (B4.5.49) and RMI_REC_DESTROY (B4.5.50) with donation and reclaim")
struct RECConditionTests {
    enum Condition: String, CaseIterable, CustomTestStringConvertible {
        case params_align, params_pas, rec_align, rec_bound, rec_state, rd_align, rd_bound, rd_state, mpidr_index
        case realm_state
        var testDescription: String { rawValue }
    }

    @Test("REC_CREATE: each failure condition answers its status and changes nothing", arguments: Condition.allCases)
    func create(_ condition: Condition) {
        let f = RealmFixture()
        f.createRealm()
        var (rd, rec, params) = (F.rd, F.rec, F.recParams)
        var expected = RMIStatus.errorInput
        switch condition {
        case .params_align: params += 8
        case .params_pas: params = F.data
        case .rec_align: rec += 8
        case .rec_bound: rec = 0x1000
        case .rec_state: rec = F.params
        case .rd_align: rd += 8
        case .rd_bound: rd = 0x1000
        case .rd_state: rd = F.rtt
        case .mpidr_index: f.ns(F.recParams + RECParams.mpidr, 1)
        case .realm_state:
            #expect(f.call(.realmActivate, F.rd).x0 == 0)
            expected = .errorRealm
        }
        #expect(f.status(f.call(.recCreate, rd, rec, params)) == expected)
        #expect(f.h.state(F.rec) == .delegated)
    }

    @Test("REC_CREATE asks for 16 DELEGATED L3 pages, cancellable; the REC is PARTIAL meanwhile")
    func donationRequest() {
        let f = RealmFixture()
        f.createRealm()
        let answer = f.call(.recCreate, F.rd, F.rec, F.recParams)
        let result = RMIResult(rawValue: answer.x0)
        #expect(result.status == .incomplete && result.memoryRequest == .donate && result.canCancel)
        #expect(
            OpMemDonateRequest(encoding: answer.x2) == RealmManagementMonitor<TestPort>.recAuxRequest(remaining: 16))
        #expect(f.h.state(F.rec) == .partial)
        #expect(f.status(f.call(.recCreate, F.rd, F.data, F.recParams)) == .blocked)
        #expect(f.status(f.call(.opContinue, answer.x1)) == .errorInput)
    }

    @Test("RECs are created in MPIDR index order, and num_recs caps them at 15")
    func numRecs() {
        let f = RealmFixture()
        f.createRealm()
        f.h.delegateAll(0x8040_0000, 0x8040_0000 + 16 * 17 * g)
        for i in 0..<UInt64(16) {
            f.ns(F.recParams + RECParams.mpidr, i)
            let start = f.call(.recCreate, F.rd, 0x8040_0000 + i * 17 * g, F.recParams)
            if i == 15 {
                #expect(f.status(start) == .errorRealm)
                break
            }
            let aux = AddressRangeDescriptor(
                base: PhysicalAddress(0x8040_0000 + (i * 17 + 1) * g), blockSize: .level3, count: 16, state: .delegated)
            f.ns(F.list, aux.encoding(granule: .size4KB)!)
            #expect(f.call(.opMemDonate, start.x1, F.list, 1).x1 == 16)
            #expect(f.call(.opContinue, start.x1) == SMCReturn(0))
        }
        #expect(f.h.rmm.inspectGranule(at: PhysicalAddress(F.rd))?.refcount == 15)
    }

    @Test("OP_MEM_DONATE in several lists: a partial donation asks for the rest")
    func donationInParts() {
        let f = RealmFixture()
        f.createRealm()
        let start = f.call(.recCreate, F.rd, F.rec, F.recParams)
        let first = AddressRangeDescriptor(
            base: PhysicalAddress(F.aux), blockSize: .level3, count: 6, state: .delegated)
        f.ns(F.list, first.encoding(granule: .size4KB)!)
        let answer = f.call(.opMemDonate, start.x1, F.list, 1)
        #expect(answer.x1 == 6)
        #expect(RMIResult(rawValue: answer.x0).memoryRequest == .donate)
        #expect(OpMemDonateRequest(encoding: answer.x2)?.count == 10)
        let rest = AddressRangeDescriptor(
            base: PhysicalAddress(F.aux + 6 * g), blockSize: .level3, count: 10, state: .delegated)
        f.ns(F.list, rest.encoding(granule: .size4KB)!)
        let done = f.call(.opMemDonate, start.x1, F.list, 1)
        #expect(done.x1 == 10 && RMIResult(rawValue: done.x0).memoryRequest == OpMemRequest.none)
        #expect(f.call(.opContinue, start.x1) == SMCReturn(0))
    }

    enum DonationFault: String, CaseIterable, CustomTestStringConvertible {
        case complete, list_align, list_pas, mem_gt, mem_align, mem_state
        var testDescription: String { rawValue }
    }

    @Test(
        "OP_MEM_DONATE: each failure answers RMI_ERROR_INPUT, donates nothing, and the operation still waits",
        arguments: DonationFault.allCases)
    func donationFaults(_ fault: DonationFault) {
        let f = RealmFixture()
        f.createRealm()
        let start = f.call(.recCreate, F.rd, F.rec, F.recParams)
        var handle = start.x1
        var list = F.list
        var descriptor = AddressRangeDescriptor(
            base: PhysicalAddress(F.aux), blockSize: .level3, count: 16, state: .delegated)
        switch fault {
        case .complete: handle ^= 1 << 20
        case .list_align: list += 4
        case .list_pas: list = F.data
        case .mem_gt: descriptor.count = 17
        case .mem_align:
            descriptor = AddressRangeDescriptor(
                base: PhysicalAddress(F.aux), blockSize: .level2, count: 1, state: .delegated)
        case .mem_state:
            descriptor = AddressRangeDescriptor(
                base: PhysicalAddress(F.source), blockSize: .level3, count: 1, state: .delegated)
        }
        f.ns(F.list, descriptor.encoding(granule: .size4KB) ?? 0)
        let answer = f.call(.opMemDonate, handle, list, 1)
        #expect(answer == .result(.errorInput))
        #expect(f.h.states(F.aux, F.aux + 16 * g).allSatisfy { $0 == .delegated })
        #expect(f.createREC_resuming(start.x1) == SMCReturn(0))
    }

    @Test("OP_CANCEL during donation reclaims what was given and ends with RMI_ERROR_INPUT, everything as before")
    func cancelReclaims() {
        let f = RealmFixture()
        f.createRealm()
        let start = f.call(.recCreate, F.rd, F.rec, F.recParams)
        let part = AddressRangeDescriptor(base: PhysicalAddress(F.aux), blockSize: .level3, count: 5, state: .delegated)
        f.ns(F.list, part.encoding(granule: .size4KB)!)
        #expect(f.call(.opMemDonate, start.x1, F.list, 1).x1 == 5)
        let cancel = f.call(.opCancel, start.x1)
        #expect(RMIResult(rawValue: cancel.x0) == .incomplete(.reclaim, canCancel: false))
        #expect(f.status(f.call(.opCancel, start.x1)) == .errorInput)
        let reclaim = f.call(.opMemReclaim, start.x1, F.list, 2)
        #expect(reclaim.x1 == 2 && RMIResult(rawValue: reclaim.x0).memoryRequest == .reclaim)
        let rest = f.call(.opMemReclaim, start.x1, F.list + 16, 8)
        #expect(rest.x1 == 3 && RMIResult(rawValue: rest.x0).memoryRequest == OpMemRequest.none)
        #expect(f.call(.opContinue, start.x1) == .result(.errorInput))
        #expect(f.h.state(F.rec) == .delegated)
        #expect(f.h.states(F.aux, F.aux + 16 * g).allSatisfy { $0 == .delegated })
        #expect(f.createREC() == SMCReturn(0))
    }

    @Test("REC_DESTROY: rec_align, rec_tracking and rec_gran_state answer RMI_ERROR_INPUT")
    func destroyInputs() {
        let f = RealmFixture()
        f.createRealm()
        #expect(f.status(f.call(.recDestroy, F.rec + 8)) == .errorInput)
        #expect(f.status(f.call(.recDestroy, 0x1000)) == .errorInput)
        #expect(f.status(f.call(.recDestroy, F.rec)) == .errorInput)
    }

    @Test("REC_DESTROY rec_state: a REC in use by a running call answers RMI_ERROR_REC")
    func destroy_rec_state() {
        let f = RealmFixture()
        f.createRealm()
        #expect(f.createREC().x0 == 0)
        f.h.force(F.rec, GranuleWord(state: .rec, refcount: 1))
        #expect(f.status(f.call(.recDestroy, F.rec)) == .errorREC)
    }

    @Test("REC_DESTROY hands every auxiliary granule back, in lists as small as the host gives")
    func destroyReclaimsAll() {
        let f = RealmFixture()
        f.createRealm()
        #expect(f.createREC().x0 == 0)
        let start = f.call(.recDestroy, F.rec)
        #expect(RMIResult(rawValue: start.x0) == .incomplete(.reclaim, canCancel: false))
        #expect(f.call(.opMemReclaim, start.x1, F.list, 0).x1 == 0)
        var total: UInt64 = 0
        while total < 16 { total += f.call(.opMemReclaim, start.x1, F.list, 5).x1 }
        #expect(total == 16)
        #expect(f.status(f.call(.opMemReclaim, start.x1, F.list, 5)) == .errorInput)
        #expect(f.status(f.call(.opCancel, start.x1)) == .errorInput)
        #expect(f.call(.opContinue, start.x1) == SMCReturn(0))
        #expect(f.h.state(F.rec) == .delegated)
        #expect(f.h.rmm.inspectGranule(at: PhysicalAddress(F.rd))?.refcount == 0)
    }
}

extension RealmFixture {
    /// Finishes a REC creation already started with `handle`.
    func createREC_resuming(_ handle: UInt64) -> SMCReturn {
        let descriptor = AddressRangeDescriptor(
            base: PhysicalAddress(Self.aux), blockSize: .level3, count: 16, state: .delegated)
        ns(Self.list, descriptor.encoding(granule: .size4KB)!)
        guard call(.opMemDonate, handle, Self.list, 1).x1 == 16 else { return .result(.errorInput) }
        return call(.opContinue, handle)
    }
}
