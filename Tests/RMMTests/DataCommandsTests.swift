import CCAArch
import Testing

@testable import RMM

private typealias F = RealmFixture
private let g = Harness.g

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
            default: (F.ipa, F.ipa + g, 2 | 4 << 2, F.rec)
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
        let listed = f.call(.rttDataUnmap, F.rd, F.ipa + 2 * g, F.ipa + 3 * g, 2 | 8 << 2, F.list)
        #expect(listed.x0 == 0 && listed.x3 == 1)
        let entry = try? AddressRangeDescriptor(encoding: f.h.port.word(F.list), granule: .size4KB)
        #expect(entry?.base == PhysicalAddress(0x8000_4000))
        #expect(targets.allSatisfy { f.h.state($0) == .delegated })
    }

    /// Three DATA granules mapped at F.ipa, F.ipa + g, F.ipa + 2g.
    func mappedThree() -> RealmFixture {
        let f = RealmFixture()
        f.createRealm()
        f.createTables()
        f.h.delegateAll(0x8002_0000, 0x8002_3000)
        for i in 0..<UInt64(3) {
            #expect(f.call(.rttDataMapInit, F.rd, 0x8002_0000 + i * g, F.ipa + i * g, F.source, 0).x0 == 0)
        }
        return f
    }

    @Test("DATA_UNMAP oaddr with SINGLE: a non-zero oaddr answers RMI_ERROR_INPUT and unmaps nothing")
    func oaddr_single_nonzero() {
        let f = mappedThree()
        #expect(f.status(f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + 3 * g, 1, F.list)) == .errorInput)
        #expect(f.h.state(0x8002_0000) == .data)
    }

    @Test("DATA_UNMAP list_count: a LIST of capacity 0 answers RMI_ERROR_INPUT and unmaps nothing")
    func list_count_zero() {
        let f = mappedThree()
        #expect(f.status(f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + 3 * g, 2, F.list)) == .errorInput)
        #expect(f.h.state(0x8002_0000) == .data)
    }

    @Test("DATA_UNMAP list_pas: a list whose declared capacity reaches memory that is not Non-secure is refused")
    func list_pas_whole_capacity() {
        let f = mappedThree()
        // The last entry of a Non-secure page, with room declared for two: the second would land in a Realm page.
        f.h.delegateAll(0x8003_0000, 0x8003_1000)
        let list: UInt64 = 0x8002_FFF8
        #expect(f.status(f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + 3 * g, 2 | 2 << 2, list)) == .errorInput)
        #expect(f.h.state(0x8002_0000) == .data)
    }

    @Test("DATA_UNMAP list capacity: the call stops when list_count entries are written, and writes no more")
    func list_capacity_respected() {
        let f = mappedThree()
        f.ns(F.list + 16, 0xDEAD_BEEF)
        let answer = f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + 3 * g, 2 | 2 << 2, F.list)
        #expect(answer.x0 == 0)
        #expect(answer.x1 == F.ipa + 2 * g, "out_top after the second unmapped entry")
        #expect(answer.x3 == 2)
        #expect(f.h.port.word(F.list + 16) == 0xDEAD_BEEF, "the entry past the declared capacity was written")
        #expect(f.h.states(0x8002_0000, 0x8002_3000) == [.delegated, .delegated, .data])
        // Skipped unmapped entries cost nothing: the rest of the range fits a list of one.
        let rest = f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + 3 * g, 2 | 1 << 2, F.list)
        #expect(rest.x0 == 0 && rest.x1 == F.ipa + 3 * g && rest.x3 == 1)
    }

    @Test("DATA_UNMAP rtt_walk: at base, an unmapped block above the leaf level covered only in part is RMI_ERROR_RTT")
    func unmapped_block_partial() {
        let f = RealmFixture()
        f.createRealm()
        // No table below the starting level: IPA 1 GiB is a VOID level-1 entry (a 1 GiB block).
        let partial = f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + g, 0, 0)
        #expect(partial == SMCReturn(RMIResult.level(.errorRTT, 1).rawValue, 0))
        let whole = f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + (1 << 30), 0, 0)
        #expect(whole == SMCReturn(0, F.ipa + (1 << 30)))
    }
}
