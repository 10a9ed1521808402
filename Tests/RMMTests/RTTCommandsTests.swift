import CCAArch
import Testing

@testable import RMM

private typealias F = RealmFixture
private let g = Harness.g

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

@Suite("RMI_RTT_READ_ENTRY (0xC4000161): conditions and the entry after every map, unmap and destroy")
struct RTTReadEntryTests {
    enum Condition: String, CaseIterable, CustomTestStringConvertible {
        case rd_align, rd_state, level_bound_below_start, level_bound_above_leaf, ipa_align, ipa_bound
        var testDescription: String { rawValue }
    }

    func read(_ f: RealmFixture, _ ipa: UInt64, _ level: UInt64) -> SMCReturn {
        f.call(.rttReadEntry, F.rd, ipa, level)
    }

    @Test("each failure condition answers RMI_ERROR_INPUT and changes nothing", arguments: Condition.allCases)
    func conditions(_ condition: Condition) {
        let f = F()
        f.createRealm()
        let answer: SMCReturn =
            switch condition {
            case .rd_align: f.call(.rttReadEntry, F.rd + 8, F.ipa, 1)
            case .rd_state: f.call(.rttReadEntry, F.rtt, F.ipa, 1)
            case .level_bound_below_start: read(f, 0, 0)
            case .level_bound_above_leaf: read(f, F.ipa, 4)
            case .ipa_align: read(f, F.ipa + g, 2)
            case .ipa_bound: read(f, 1 << 39, 1)
            }
        #expect(answer == SMCReturn(RMIResult(.errorInput).rawValue))
        #expect(f.h.state(F.rd) == .rd)
    }

    @Test("the entry reads UNASSIGNED, TABLE, ASSIGNED and UNASSIGNED DESTROYED as the realm is built and torn down")
    func entryStates() {
        let f = F()
        f.createRealm()
        // (X1 walk level, X2 state, X3 address, X4 RIPAS); states UNASSIGNED 0, ASSIGNED 1, TABLE 2; RIPAS EMPTY 0,
        // RAM 1, DESTROYED 2.
        #expect(read(f, F.ipa, 1) == SMCReturn(0, 1, 0, 0, 0))
        #expect(read(f, F.ipa, 3) == SMCReturn(0, 1, 0, 0, 0), "the walk stops at level 1 and says so")
        f.createTables()
        #expect(read(f, F.ipa, 1) == SMCReturn(0, 1, 2, F.rtt2, 0))
        #expect(read(f, F.ipa, 2) == SMCReturn(0, 2, 2, F.rtt3, 0))
        #expect(read(f, F.ipa, 3) == SMCReturn(0, 3, 0, 0, 0))
        #expect(f.call(.rttDataMapInit, F.rd, F.data, F.ipa, F.source, 0).x0 == 0)
        #expect(read(f, F.ipa, 3) == SMCReturn(0, 3, 1, F.data, 1))
        #expect(read(f, F.ipa + g, 3) == SMCReturn(0, 3, 0, 0, 0), "the next page is untouched")
        #expect(f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + g, 0, 0).x0 == 0)
        #expect(read(f, F.ipa, 3) == SMCReturn(0, 3, 0, 0, 2))
        #expect(f.call(.rttDestroy, F.rd, F.ipa, 3).x0 == 0)
        #expect(read(f, F.ipa, 2) == SMCReturn(0, 2, 0, 0, 2))
        #expect(read(f, F.ipa, 3) == SMCReturn(0, 2, 0, 0, 2))
    }
}
