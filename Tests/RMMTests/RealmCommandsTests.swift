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

    /// (s2sz, starting level, starting tables, physical address bits).
    typealias Geometry = (UInt64, Int64, UInt64, Int)

    @Test(
        "every RTT geometry the architecture allows creates a realm, tables partly used or concatenated",
        arguments: [
            (39, 1, 1, 40), (35, 1, 1, 40), (38, 1, 1, 40), (32, 1, 1, 40), (40, 1, 2, 40), (43, 1, 16, 40),
            (32, 2, 4, 40), (34, 2, 16, 40), (44, 0, 1, 44), (40, 0, 1, 48), (47, 0, 1, 48), (48, 0, 1, 48),
        ] as [Geometry])
    func geometries(s2sz: UInt64, level: Int64, numStart: UInt64, paBits: Int) {
        let f = RealmFixture(Harness(physicalAddressBits: paBits))
        let base = F.aux  // 16 delegated granules, aligned to 64 KB
        f.writeRealmParams(s2sz: s2sz, level: level, numStart: numStart, rttBase: base)
        #expect(f.createRealm() == SMCReturn(0))
        #expect(f.h.states(base, base + numStart * g).allSatisfy { $0 == .rtt })
    }

    @Test(
        "rtt_num_level: an untranslatable width, a wrong table count or level 0 below 44 PA bits is RMI_ERROR_INPUT",
        arguments: [
            (40, 1, 1, 40), (39, 1, 2, 40), (44, 1, 16, 40), (39, 0, 1, 48), (30, 2, 1, 40), (35, 2, 16, 40),
            (25, 3, 16, 40), (44, 0, 1, 40), (48, 0, 2, 48), (49, 0, 1, 52),
        ] as [Geometry])
    func refusedGeometries(s2sz: UInt64, level: Int64, numStart: UInt64, paBits: Int) {
        let f = RealmFixture(Harness(physicalAddressBits: paBits))
        f.writeRealmParams(s2sz: s2sz, level: level, numStart: numStart, rttBase: F.aux)
        #expect(f.status(f.createRealm()) == .errorInput)
        #expect(f.h.states(F.aux, F.aux + 16 * g).allSatisfy { $0 == .delegated })
    }

    @Test("a realm starting at level 0 creates and destroys tables at levels 1, 2 and 3 and maps DATA below them")
    func everyLevel() {
        let f = RealmFixture(Harness(physicalAddressBits: 48))
        f.writeRealmParams(s2sz: 44, level: 0, numStart: 1, rttBase: F.rtt)
        #expect(f.createRealm() == SMCReturn(0))
        let tables: [(UInt64, UInt64)] = [(F.rtt2, 1), (F.rtt3, 2), (F.rec, 3)]
        for (table, level) in tables { #expect(f.call(.rttCreate, F.rd, table, 0, level).x0 == 0) }
        #expect(f.call(.rttReadEntry, F.rd, 0, 2) == SMCReturn(0, 2, 2, F.rec, 0))
        #expect(f.call(.rttDataMapInit, F.rd, F.data, 0, F.source, 0).x0 == 0)
        #expect(f.call(.rttReadEntry, F.rd, 0, 3) == SMCReturn(0, 3, 1, F.data, 1))
        #expect(f.call(.rttDataUnmap, F.rd, 0, g, 0, 0).x0 == 0)
        for (table, level) in tables.reversed() {
            #expect(f.call(.rttDestroy, F.rd, 0, level).x1 == table)
        }
        #expect(f.h.rmm.referenceCountViolations().isEmpty)
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
            #expect(f.destroyRealm() == SMCReturn(0))
        }
    }
}
