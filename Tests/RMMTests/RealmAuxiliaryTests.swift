import CCAArch
import Testing

@testable import RMM

private typealias F = RealmFixture
private let g = Harness.g
private let count = UInt64(F.rdAuxCount)

/// One DELEGATED L3 descriptor per address, written to the fixture's list.
private func offer(_ f: RealmFixture, _ pages: [UInt64], state: OpMemState = .delegated) {
    for (i, page) in pages.enumerated() {
        let descriptor = AddressRangeDescriptor(base: PhysicalAddress(page), blockSize: .level3, count: 1, state: state)
        f.ns(F.list + UInt64(i) * 8, descriptor.encoding(granule: .size4KB)!)
    }
}

private func pages(_ base: UInt64, _ n: UInt64) -> [UInt64] { (0..<n).map { base + $0 * g } }

private func result(_ answer: SMCReturn) -> RMIResult { RMIResult(rawValue: answer.x0) }

/// REALM_CREATE's first call, checked to start the operation; returns its handle.
private func start(_ f: RealmFixture) -> UInt64 {
    let answer = f.call(.realmCreate, F.rd, F.params)
    #expect(result(answer).status == .incomplete)
    return answer.x1
}

@Suite("REALM_CREATE and REALM_DESTROY with the RD's auxiliary memory (stateful operations, TF-RMM realm_sro_tests)")
struct RealmAuxiliaryTests {
    @Test(
        "REALM_CREATE answers RMI_INCOMPLETE asking for the RD's DELEGATED L3 pages, cancellable; RD PARTIAL, table DELEGATED"
    )
    func createAsksForDonation() {
        let f = RealmFixture()
        let answer = f.call(.realmCreate, F.rd, F.params)
        #expect(result(answer).status == .incomplete)
        #expect(result(answer).memoryRequest == .donate)
        #expect(result(answer).canCancel)
        let request = OpMemDonateRequest(encoding: answer.x2)
        #expect(
            request
                == OpMemDonateRequest(blockSize: .level3, count: UInt16(count), contiguous: false, state: .delegated))
        #expect(f.h.state(F.rd) == .partial)
        #expect(f.h.state(F.rtt) == .delegated)
        let pending = f.h.rmm.pendingOperations()
        #expect(pending.map(\.command) == [.realmCreate] && pending.map(\.waitingFor) == [.opMemDonate])
        #expect(pending.first?.handle == answer.x1)
    }

    @Test("after the donation the pages are RD_AUX with no references; OP_CONTINUE builds the realm NEW with its RTT")
    func donationThenContinue() {
        let f = RealmFixture()
        let handle = start(f)
        offer(f, pages(F.rdAux, count))
        let donated = f.call(.opMemDonate, handle, F.list, count)
        #expect(result(donated).status == .incomplete && result(donated).memoryRequest == OpMemRequest.none)
        #expect(donated.x1 == count)
        for page in pages(F.rdAux, count) {
            #expect(
                f.h.rmm.inspectGranule(at: PhysicalAddress(page))
                    == GranuleInspection(state: .rdAux, refcount: 0, tracking: .fine))
        }
        #expect(f.h.state(F.rd) == .partial && f.h.state(F.rtt) == .delegated)
        #expect(f.call(.opContinue, handle) == SMCReturn(0))
        #expect(f.h.state(F.rd) == .rd && f.h.state(F.rtt) == .rtt)
        #expect(f.h.states(F.rdAux, F.rdAux + count * g).allSatisfy { $0 == .rdAux })
        #expect(f.call(.realmActivate, F.rd) == SMCReturn(0))
        #expect(f.h.rmm.pendingOperations().isEmpty)
        #expect(f.h.rmm.referenceCountViolations().isEmpty)
        #expect(f.h.invariantViolations(F.rd, F.rdAux + count * g).isEmpty)
    }

    @Test("a donation in several calls: each takes what it is given and asks for the rest")
    func donationInParts() {
        let f = RealmFixture()
        let handle = start(f)
        for (i, page) in pages(F.rdAux, count).enumerated() {
            offer(f, [page])
            let answer = f.call(.opMemDonate, handle, F.list, 1)
            #expect(answer.x1 == 1)
            let remaining = Int(count) - i - 1
            #expect(result(answer).memoryRequest == (remaining == 0 ? OpMemRequest.none : .donate))
            if remaining > 0 {
                #expect(OpMemDonateRequest(encoding: answer.x2)?.count == UInt16(remaining))
            }
        }
        #expect(f.call(.opContinue, handle) == SMCReturn(0))
    }

    @Test("while the creation is incomplete, commands naming the RD answer RMI_BLOCKED and change nothing")
    func rdBlocked() {
        let f = RealmFixture()
        _ = start(f)
        #expect(f.status(f.call(.realmActivate, F.rd)) == .blocked)
        #expect(f.status(f.call(.realmDestroy, F.rd)) == .blocked)
        #expect(f.status(f.call(.rttCreate, F.rd, F.rtt2, F.ipa, 2)) == .blocked)
        #expect(f.status(f.call(.recCreate, F.rd, F.rec, F.recParams)) == .blocked)
        #expect(f.h.state(F.rd) == .partial && f.h.state(F.rtt2) == .delegated && f.h.state(F.rec) == .delegated)
    }

    @Test("OP_CONTINUE while the donation is pending answers RMI_ERROR_INPUT; the operation still waits for it")
    func continueBeforeDonation() {
        let f = RealmFixture()
        let handle = start(f)
        #expect(f.status(f.call(.opContinue, handle)) == .errorInput)
        #expect(f.status(f.call(.opMemReclaim, handle, F.list, 512)) == .errorInput)
        #expect(f.h.state(F.rd) == .partial)
        offer(f, pages(F.rdAux, count))
        #expect(f.call(.opMemDonate, handle, F.list, count).x1 == count)
        #expect(f.call(.opContinue, handle) == SMCReturn(0))
    }

    enum Refused: String, CaseIterable, CustomTestStringConvertible {
        case mem_state_undelegated, mem_state_object, mem_gt, mem_align_block, state_field, list_align, list_pas
        var testDescription: String { rawValue }
    }

    @Test(
        "a refused donation answers RMI_ERROR_INPUT with donated_count 0, takes nothing; the operation still waits",
        arguments: Refused.allCases)
    func donationRefused(_ refused: Refused) {
        let f = RealmFixture()
        let handle = start(f)
        var list = F.list
        var entries = count
        switch refused {
        case .mem_state_undelegated: offer(f, [F.rdAux, 0x8030_0000])  // the second page is Non-secure
        case .mem_state_object: offer(f, [F.rdAux, F.rd])  // the RD itself, PARTIAL
        case .mem_gt:
            offer(f, pages(F.rdAux, count) + [F.aux])
            entries = count + 1
        case .mem_align_block:
            let block = AddressRangeDescriptor(
                base: PhysicalAddress(0x8020_0000), blockSize: .level2, count: 1, state: .delegated)
            f.ns(F.list, block.encoding(granule: .size4KB)!)
            entries = 1
        case .state_field: offer(f, pages(F.rdAux, count), state: .undelegated)
        case .list_align:
            offer(f, pages(F.rdAux, count))
            list += 4
        case .list_pas: list = F.rdAux
        }
        let answer = f.call(.opMemDonate, handle, list, entries)
        #expect(answer == SMCReturn(RMIResult(.errorInput).rawValue))
        #expect(f.h.states(F.rdAux, F.rdAux + count * g).allSatisfy { $0 == .delegated })
        #expect(f.h.state(F.rd) == .partial)
        offer(f, pages(F.rdAux, count))
        #expect(f.call(.opMemDonate, handle, F.list, count).x1 == count)
        #expect(f.call(.opContinue, handle) == SMCReturn(0))
    }

    @Test("OP_CANCEL before any donation: RMI_INCOMPLETE NONE, then OP_CONTINUE answers RMI_ERROR_INPUT, RD DELEGATED")
    func cancelBeforeDonation() {
        let f = RealmFixture()
        let handle = start(f)
        let cancelled = f.call(.opCancel, handle)
        #expect(result(cancelled).status == .incomplete && result(cancelled).memoryRequest == OpMemRequest.none)
        #expect(!result(cancelled).canCancel)
        #expect(f.status(f.call(.opCancel, handle)) == .errorInput)
        #expect(f.status(f.call(.opContinue, handle)) == .errorInput)
        #expect(f.h.state(F.rd) == .delegated && f.h.state(F.rtt) == .delegated)
        #expect(f.status(f.call(.opContinue, handle)) == .errorInput, "the handle is spent")
        #expect(f.createRealm() == SMCReturn(0), "nothing is left behind")
    }

    @Test("OP_CANCEL after a partial donation: reclaim hands the page back DELEGATED, then RMI_ERROR_INPUT")
    func cancelAfterPartialDonation() {
        let f = RealmFixture()
        let handle = start(f)
        offer(f, [F.rdAux])
        #expect(f.call(.opMemDonate, handle, F.list, 1).x1 == 1)
        let cancelled = f.call(.opCancel, handle)
        #expect(result(cancelled).status == .incomplete && result(cancelled).memoryRequest == .reclaim)
        #expect(f.status(f.call(.opContinue, handle)) == .errorInput, "the page must come back first")
        let reclaimed = f.call(.opMemReclaim, handle, F.list, 512)
        #expect(result(reclaimed).memoryRequest == OpMemRequest.none && reclaimed.x1 == 1)
        let descriptor = try? AddressRangeDescriptor(
            encoding: f.h.port.read64(PhysicalAddress(F.list), space: .nonSecure)!, granule: .size4KB)
        #expect(
            descriptor
                == AddressRangeDescriptor(
                    base: PhysicalAddress(F.rdAux), blockSize: .level3, count: 1, state: .delegated))
        #expect(f.status(f.call(.opContinue, handle)) == .errorInput)
        #expect(f.h.states(F.rd, F.rd + 2 * g).allSatisfy { $0 == .delegated })
        #expect(f.h.states(F.rdAux, F.rdAux + count * g).allSatisfy { $0 == .delegated })
        #expect(f.h.rmm.pendingOperations().isEmpty)
    }

    @Test("a starting table undelegated before OP_CONTINUE: the pages are reclaimed, then RMI_ERROR_INPUT (rtt_state)")
    func tableChangedBeforeContinue() {
        let f = RealmFixture()
        let handle = start(f)
        offer(f, pages(F.rdAux, count))
        #expect(f.call(.opMemDonate, handle, F.list, count).x1 == count)
        #expect(f.h.undelegate(F.rtt, F.rtt + g) == SMCReturn(0, F.rtt + g))
        let failed = f.call(.opContinue, handle)
        #expect(result(failed).status == .incomplete && result(failed).memoryRequest == .reclaim)
        #expect(!result(failed).canCancel)
        #expect(f.status(f.call(.opCancel, handle)) == .errorInput)
        #expect(f.call(.opMemReclaim, handle, F.list, 512).x1 == count)
        #expect(f.status(f.call(.opContinue, handle)) == .errorInput)
        #expect(f.h.state(F.rd) == .delegated && f.h.state(F.rtt) == .undelegated)
        #expect(f.h.states(F.rdAux, F.rdAux + count * g).allSatisfy { $0 == .delegated })
    }

    @Test("no free VMID at OP_CONTINUE: the pages are reclaimed, then RMI_ERROR_GLOBAL (vmid), tables DELEGATED")
    func noVMID() {
        let f = RealmFixture()
        var taken: [UInt64] = []
        while let vmid = f.h.rmm.vmids.allocate() { taken.append(vmid) }
        let handle = start(f)
        offer(f, pages(F.rdAux, count))
        #expect(f.call(.opMemDonate, handle, F.list, count).x1 == count)
        #expect(result(f.call(.opContinue, handle)).memoryRequest == .reclaim)
        #expect(f.call(.opMemReclaim, handle, F.list, 512).x1 == count)
        #expect(f.status(f.call(.opContinue, handle)) == .errorGlobal)
        #expect(f.h.states(F.rd, F.rd + 2 * g).allSatisfy { $0 == .delegated })
        for vmid in taken { f.h.rmm.vmids.free(vmid) }
        #expect(f.createRealm() == SMCReturn(0))
    }

    @Test("REALM_DESTROY answers RMI_INCOMPLETE RECLAIM, not cancellable; RD PARTIAL, starting table DELEGATED at once")
    func destroyAsksForReclaim() {
        let f = RealmFixture()
        #expect(f.createRealm() == SMCReturn(0))
        #expect(f.call(.realmTerminate, F.rd) == SMCReturn(0))
        let answer = f.call(.realmDestroy, F.rd)
        #expect(result(answer).status == .incomplete && result(answer).memoryRequest == .reclaim)
        #expect(!result(answer).canCancel)
        #expect(f.h.state(F.rd) == .partial && f.h.state(F.rtt) == .delegated)
        #expect(f.status(f.call(.opCancel, answer.x1)) == .errorInput)
        #expect(f.status(f.call(.opContinue, answer.x1)) == .errorInput, "the pages must come back first")
        #expect(f.status(f.call(.realmDestroy, F.rd)) == .blocked)
        #expect(f.h.states(F.rdAux, F.rdAux + count * g).allSatisfy { $0 == .rdAux })
    }

    @Test(
        "REALM_DESTROY's reclaim in batches of one: RECLAIM until the last page, then NONE; OP_CONTINUE: all DELEGATED")
    func destroyReclaimsInBatches() {
        let f = RealmFixture()
        #expect(f.createRealm() == SMCReturn(0))
        #expect(f.call(.realmTerminate, F.rd) == SMCReturn(0))
        let handle = f.call(.realmDestroy, F.rd).x1
        var returned: [UInt64] = []
        for i in 0..<count {
            let answer = f.call(.opMemReclaim, handle, F.list, 1)
            #expect(answer.x1 == 1)
            #expect(result(answer).memoryRequest == (i + 1 == count ? OpMemRequest.none : .reclaim))
            let descriptor = try? AddressRangeDescriptor(
                encoding: f.h.port.read64(PhysicalAddress(F.list), space: .nonSecure)!, granule: .size4KB)
            #expect(descriptor?.state == .delegated && descriptor?.count == 1)
            returned.append(descriptor?.base.rawValue ?? 0)
        }
        #expect(returned == pages(F.rdAux, count))
        #expect(f.call(.opContinue, handle) == SMCReturn(0))
        #expect(f.h.states(F.rd, F.rd + 2 * g).allSatisfy { $0 == .delegated })
        #expect(f.h.states(F.rdAux, F.rdAux + count * g).allSatisfy { $0 == .delegated })
        #expect(f.h.undelegate(F.rdAux, F.rdAux + count * g) == SMCReturn(0, F.rdAux + count * g))
        #expect(f.h.rmm.referenceCountViolations().isEmpty)
    }

    @Test("REALM_DESTROY's failure conditions answer before any operation starts: a live realm keeps its pages")
    func destroyRefusedKeepsPages() {
        let f = RealmFixture()
        #expect(f.createRealm() == SMCReturn(0))
        #expect(f.status(f.call(.realmDestroy, F.rd)) == .errorRealm)  // not ZOMBIE
        #expect(f.call(.realmTerminate, F.rd) == SMCReturn(0))
        f.createTables()
        #expect(f.status(f.call(.realmDestroy, F.rd)) == .errorRealm)  // live starting table
        #expect(f.h.rmm.pendingOperations().isEmpty)
        #expect(f.h.state(F.rd) == .rd)
        #expect(f.h.states(F.rdAux, F.rdAux + count * g).allSatisfy { $0 == .rdAux })
    }

    @Test("the undelegation of an RD_AUX page answers its failure and changes nothing")
    func auxNotUndelegable() {
        let f = RealmFixture()
        #expect(f.createRealm() == SMCReturn(0))
        let answer = f.h.undelegate(F.rdAux, F.rdAux + g)
        #expect(f.status(answer) == .errorInput, "\(answer)")
        #expect(f.h.state(F.rdAux) == .rdAux)
    }

    @Test("auxiliary ownership holds at every step of a realm's life, and a stray RD_AUX granule breaks it")
    func ownership() {
        let f = RealmFixture()
        let handle = start(f)
        offer(f, [F.rdAux])
        #expect(f.call(.opMemDonate, handle, F.list, 1).x1 == 1)
        #expect(f.h.rmm.auxiliaryOwnershipViolations().isEmpty)
        offer(f, [F.rdAux + g])
        #expect(f.call(.opMemDonate, handle, F.list, 1).x1 == 1)
        #expect(f.call(.opContinue, handle) == SMCReturn(0))
        #expect(f.createREC() == SMCReturn(0))
        #expect(f.h.rmm.auxiliaryOwnershipViolations().isEmpty)
        #expect(f.destroyREC() == SMCReturn(0))
        #expect(f.call(.realmTerminate, F.rd) == SMCReturn(0))
        let destroy = f.call(.realmDestroy, F.rd)
        #expect(f.call(.opMemReclaim, destroy.x1, F.list, 1).x1 == 1)
        #expect(f.h.rmm.auxiliaryOwnershipViolations().isEmpty)
        #expect(f.call(.opMemReclaim, destroy.x1, F.list, 1).x1 == 1)
        #expect(f.call(.opContinue, destroy.x1) == SMCReturn(0))
        #expect(f.h.rmm.auxiliaryOwnershipViolations().isEmpty)
        f.h.force(F.rdAux, GranuleWord(state: .rdAux))
        #expect(f.h.rmm.auxiliaryOwnershipViolations() == [PhysicalAddress(F.rdAux)])
    }

    @Test("the starting table donated as an auxiliary granule: OP_CONTINUE rolls back and ends RMI_ERROR_INPUT (alias)")
    func tableDonatedAsAuxiliary() {
        let f = RealmFixture()
        let handle = start(f)
        offer(f, [F.rtt, F.rdAux])
        #expect(f.call(.opMemDonate, handle, F.list, 2).x1 == 2)
        #expect(f.h.state(F.rtt) == .rdAux)
        #expect(result(f.call(.opContinue, handle)).memoryRequest == .reclaim)
        #expect(f.call(.opMemReclaim, handle, F.list, 512).x1 == 2)
        #expect(f.status(f.call(.opContinue, handle)) == .errorInput)
        #expect(f.h.states(F.rd, F.rd + 2 * g).allSatisfy { $0 == .delegated })
        #expect(f.h.state(F.rdAux) == .delegated)
        #expect(f.h.rmm.auxiliaryOwnershipViolations().isEmpty)
    }

    @Test(
        "every operation context waiting for the host: REALM_CREATE and REALM_DESTROY answer RMI_BLOCKED, nothing changed"
    )
    func noFreeContext() throws {
        let f = RealmFixture()
        #expect(f.createRealm() == SMCReturn(0))
        #expect(f.call(.realmTerminate, F.rd) == SMCReturn(0))
        for _ in f.h.rmm.operations.contexts { _ = try f.h.rmm.operations.reserve().seal() }
        #expect(f.status(f.call(.realmDestroy, F.rd)) == .blocked)
        #expect(f.h.state(F.rd) == .rd && f.h.state(F.rtt) == .rtt)
        #expect(f.h.states(F.rdAux, F.rdAux + count * g).allSatisfy { $0 == .rdAux })
        let rd2 = F.rtt2
        let params2 = F.params + 0x4000
        f.ns(params2 + RealmParams.s2sz, 39)
        f.ns(params2 + RealmParams.numBPs, 1)
        f.ns(params2 + RealmParams.numWPs, 1)
        f.ns(params2 + RealmParams.rttBase, F.rtt3)
        f.ns(params2 + RealmParams.rttLevelStart, 1)
        f.ns(params2 + RealmParams.rttNumStart, 1)
        #expect(f.status(f.call(.realmCreate, rd2, params2)) == .blocked)
        #expect(f.h.state(rd2) == .delegated && f.h.state(F.rtt3) == .delegated)
    }
}
