import CCAArch
import Testing

@testable import RMM

private typealias F = RealmFixture
private let g = Harness.g

@Suite("Realm objects: the lifecycle in the order KVM uses")
struct RealmLifecycleTests {
    @Test("delegate, create, map, unmap, destroy, undelegate: every granule ends UNDELEGATED and wiped")
    func fullLifecycle() {
        let f = RealmFixture()
        let h = f.h
        for i in 0..<UInt64(512) { f.ns(F.source + i * 8, 0xC0DE_0000_0000 + i) }
        #expect(f.createRealm() == SMCReturn(0))
        #expect(h.state(F.rd) == .rd && h.state(F.rtt) == .rtt)
        f.createTables()
        #expect(h.state(F.rtt3) == .rtt)
        #expect(f.call(.rttDataMapInit, F.rd, F.data, F.ipa, F.source, 0) == SMCReturn(0))
        #expect(h.state(F.data) == .data)
        #expect(h.port.read64(PhysicalAddress(F.data + 8), space: .realm) == 0xC0DE_0000_0001)
        #expect(h.port.read64(PhysicalAddress(F.data), space: .nonSecure) == nil)
        #expect(f.createREC() == SMCReturn(0))
        #expect(h.state(F.rec) == .rec && h.state(F.aux) == .recAux)
        #expect(h.rmm.inspectGranule(at: PhysicalAddress(F.rd))?.refcount == 1)
        #expect(f.call(.realmActivate, F.rd) == SMCReturn(0))
        #expect(h.invariantViolations(F.rd, F.aux + 16 * g).isEmpty)

        // Teardown: terminate, unmap, destroy REC and RTTs bottom-up, destroy the realm, undelegate.
        #expect(f.call(.realmTerminate, F.rd) == SMCReturn(0))
        let unmap = f.call(.rttDataUnmap, F.rd, F.ipa, F.ipa + g, 1, 0)
        #expect(unmap.x0 == 0 && unmap.x1 == F.ipa + g)
        let range = try? AddressRangeDescriptor(encoding: unmap.x2, granule: .size4KB)
        #expect(range?.base == PhysicalAddress(F.data) && range?.count == 1)
        #expect(f.destroyREC() == SMCReturn(0))
        #expect(f.call(.rttDestroy, F.rd, F.ipa, 3) == SMCReturn(0, F.rtt3, F.ipa + 0x20_0000))
        #expect(f.call(.rttDestroy, F.rd, F.ipa, 2) == SMCReturn(0, F.rtt2, F.ipa + 0x4000_0000))
        #expect(f.destroyRealm() == SMCReturn(0))
        #expect(h.states(F.rd, F.rd + 0x6000).allSatisfy { $0 == .delegated })
        #expect(h.states(F.aux, F.aux + 16 * g).allSatisfy { $0 == .delegated })
        h.port.state.withLock { $0.zeroed = [] }
        #expect(h.undelegate(F.rd, F.rd + 0x6000) == SMCReturn(0, F.rd + 0x6000))
        #expect(h.undelegate(F.aux, F.aux + 16 * g) == SMCReturn(0, F.aux + 16 * g))
        #expect(h.states(F.rd, F.rd + 0x6000).allSatisfy { $0 == .undelegated })
        // The wipe check: the source pattern copied into DATA must not come back to the host.
        #expect(
            (0..<UInt64(512)).allSatisfy { h.port.read64(PhysicalAddress(F.data + $0 * 8), space: .nonSecure) == 0 })
        #expect(h.invariantViolations(F.rd, F.aux + 16 * g).isEmpty)
    }

    @Test("RANGE_UNDELEGATE of any granule in use answers RMI_ERROR_INPUT and changes nothing")
    func undelegateInUse() {
        let f = RealmFixture()
        let h = f.h
        f.createRealm()
        f.createTables()
        #expect(f.call(.rttDataMapInit, F.rd, F.data, F.ipa, F.source, 0).x0 == 0)
        #expect(f.createREC().x0 == 0)
        for pa in [F.rd, F.rtt, F.rtt2, F.rtt3, F.data, F.rec, F.aux] {
            let before = h.state(pa)
            #expect(h.status(h.undelegate(pa, pa + g)) == .errorInput)
            #expect(h.state(pa) == before)
            #expect(h.port.gpi(pa) == .realm)
        }
    }

    @Test("the host faults on an object granule before and after its use; after undelegation it reads zeros")
    func hostCannotRead() {
        let f = RealmFixture()
        let h = f.h
        #expect(h.port.read64(PhysicalAddress(F.rd), space: .nonSecure) == nil)
        f.createRealm()
        #expect(h.port.read64(PhysicalAddress(F.rd + RDField.ipaWidth), space: .nonSecure) == nil)
        #expect(h.port.read64(PhysicalAddress(F.rd + RDField.ipaWidth), space: .realm) == 39)
    }

    // MARK: Wrong orders

    @Test("REALM_DESTROY before TERMINATE answers RMI_ERROR_REALM (realm_state) and changes nothing")
    func destroyBeforeTerminate() {
        let f = RealmFixture()
        f.createRealm()
        #expect(f.status(f.call(.realmDestroy, F.rd)) == .errorRealm)
        #expect(f.h.state(F.rd) == .rd)
    }

    @Test("REALM_DESTROY with a REC left answers RMI_ERROR_REALM (realm_live)")
    func destroyWithREC() {
        let f = RealmFixture()
        f.createRealm()
        #expect(f.createREC().x0 == 0)
        #expect(f.call(.realmTerminate, F.rd).x0 == 0)
        #expect(f.status(f.call(.realmDestroy, F.rd)) == .errorRealm)
        #expect(f.h.state(F.rd) == .rd && f.h.state(F.rtt) == .rtt)
    }

    @Test("REALM_DESTROY with a non-root RTT left answers RMI_ERROR_REALM (realm_live)")
    func destroyWithRTT() {
        let f = RealmFixture()
        f.createRealm()
        f.createTables()
        #expect(f.call(.realmTerminate, F.rd).x0 == 0)
        #expect(f.status(f.call(.realmDestroy, F.rd)) == .errorRealm)
    }

    @Test("RTT_DESTROY of a live table answers RMI_ERROR_RTT at its level (rtt_live), X2 = ipa")
    func rttDestroyLive() {
        let f = RealmFixture()
        f.createRealm()
        f.createTables()
        #expect(f.call(.rttDataMapInit, F.rd, F.data, F.ipa, F.source, 0).x0 == 0)
        let answer = f.call(.rttDestroy, F.rd, F.ipa, 3)
        #expect(RMIResult(rawValue: answer.x0) == .level(.errorRTT, 3))
        #expect(answer.x2 == F.ipa)
        #expect(f.call(.rttDestroy, F.rd, F.ipa, 2).x0 != 0)
    }

    @Test("DATA_MAP_INIT into an ACTIVE realm answers RMI_ERROR_REALM (realm_state)")
    func mapAfterActivate() {
        let f = RealmFixture()
        f.createRealm()
        f.createTables()
        #expect(f.call(.realmActivate, F.rd).x0 == 0)
        #expect(f.status(f.call(.rttDataMapInit, F.rd, F.data, F.ipa, F.source, 0)) == .errorRealm)
        #expect(f.h.state(F.data) == .delegated)
    }

    @Test("DATA_MAP_INIT without a level-3 table answers RMI_ERROR_RTT at the walk's level (rtt_walk)")
    func mapWithoutTable() {
        let f = RealmFixture()
        f.createRealm()
        let answer = f.call(.rttDataMapInit, F.rd, F.data, F.ipa, F.source, 0)
        #expect(RMIResult(rawValue: answer.x0) == .level(.errorRTT, 1))
        #expect(f.h.state(F.data) == .delegated)
    }

    @Test("DATA_MAP_INIT onto a mapped entry answers RMI_ERROR_RTT (rtte_state)")
    func mapTwice() {
        let f = RealmFixture()
        f.createRealm()
        f.createTables()
        #expect(f.call(.rttDataMapInit, F.rd, F.data, F.ipa, F.source, 0).x0 == 0)
        #expect(
            RMIResult(rawValue: f.call(.rttDataMapInit, F.rd, F.rec, F.ipa, F.source, 0).x0) == .level(.errorRTT, 3))
        #expect(f.h.state(F.rec) == .delegated)
    }

    @Test("RTT_CREATE onto an existing table answers RMI_ERROR_RTT (rtte_state); below a missing one (rtt_walk)")
    func rttCreateWrongOrder() {
        let f = RealmFixture()
        f.createRealm()
        #expect(RMIResult(rawValue: f.call(.rttCreate, F.rd, F.rtt3, F.ipa, 3).x0) == .level(.errorRTT, 1))
        #expect(f.call(.rttCreate, F.rd, F.rtt2, F.ipa, 2).x0 == 0)
        #expect(RMIResult(rawValue: f.call(.rttCreate, F.rd, F.rtt3, F.ipa, 2).x0) == .level(.errorRTT, 1))
        #expect(f.h.state(F.rtt3) == .delegated)
    }
}
