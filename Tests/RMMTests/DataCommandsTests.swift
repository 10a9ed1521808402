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
