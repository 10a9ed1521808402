import CCAArch
import Testing

@testable import RMM

private typealias F = RealmFixture
private let g = Harness.g

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
            OpMemDonateRequest(encoding: answer.x2) == RealmManagementMonitor.auxiliaryRequest(remaining: 16))
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
