import CCAArch

@testable import RMM

/// Addresses for building one realm on the test machine: s2sz 39, starting level 1 with one table, so RTTs
/// are created at level 2 (ipa aligned to 1 GB) and level 3 (aligned to 2 MB).
struct RealmFixture {
    static let params: UInt64 = 0x8020_0000  // Non-secure pages for parameters and lists
    static let recParams: UInt64 = 0x8020_1000
    static let list: UInt64 = 0x8020_2000
    static let source: UInt64 = 0x8020_3000
    static let rd: UInt64 = 0x8000_0000
    static let rtt: UInt64 = 0x8000_1000
    static let rtt2: UInt64 = 0x8000_2000
    static let rtt3: UInt64 = 0x8000_3000
    static let data: UInt64 = 0x8000_4000
    static let rec: UInt64 = 0x8000_5000
    static let aux: UInt64 = 0x8001_0000  // 16 granules
    static let rdAux: UInt64 = 0x8006_0000  // the RD's auxiliary granules
    static let rdAuxCount = RealmManagementMonitor.rdAuxCount
    static let ipa: UInt64 = 0x4000_0000

    let h: Harness

    init(_ h: Harness = Harness()) {
        self.h = h
        writeRealmParams()
        h.delegateAll(Self.rd, Self.rd + 0x6000)
        h.delegateAll(Self.aux, Self.aux + 16 * Harness.g)
        h.delegateAll(Self.rdAux, Self.rdAux + UInt64(Self.rdAuxCount) * Harness.g)
    }

    func ns(_ pa: UInt64, _ value: UInt64) {
        precondition(h.port.write64(value, at: PhysicalAddress(pa), space: .nonSecure))
    }

    func writeRealmParams(s2sz: UInt64 = 39, level: Int64 = 1, numStart: UInt64 = 1, rttBase: UInt64 = rtt) {
        ns(Self.params + RealmParams.s2sz, s2sz)
        ns(Self.params + RealmParams.numBPs, 1)
        ns(Self.params + RealmParams.numWPs, 1)
        ns(Self.params + RealmParams.rttBase, rttBase)
        ns(Self.params + RealmParams.rttLevelStart, UInt64(bitPattern: level))
        ns(Self.params + RealmParams.rttNumStart, numStart)
    }

    func status(_ answer: SMCReturn) -> RMIStatus { h.status(answer) }

    /// REALM_CREATE, donating the RD's auxiliary granules in one list, then OP_CONTINUE: the final answer, or the
    /// first call's when it did not start an operation.
    @discardableResult
    func createRealm(rd: UInt64 = rd, params: UInt64 = params, aux: UInt64 = rdAux) -> SMCReturn {
        let start = call(.realmCreate, rd, params)
        guard RMIResult(rawValue: start.x0).status == .incomplete else { return start }
        let descriptor = AddressRangeDescriptor(
            base: PhysicalAddress(aux), blockSize: .level3, count: UInt64(Self.rdAuxCount), state: .delegated)
        ns(Self.list, descriptor.encoding(granule: .size4KB)!)
        let donated = call(.opMemDonate, start.x1, Self.list, 1)
        precondition(donated.x1 == UInt64(Self.rdAuxCount))
        return call(.opContinue, start.x1)
    }

    /// REALM_DESTROY, reclaiming the RD's auxiliary granules into the list, then OP_CONTINUE: the final answer, or
    /// the first call's when it did not start an operation.
    func destroyRealm(rd: UInt64 = rd) -> SMCReturn {
        let start = call(.realmDestroy, rd)
        guard RMIResult(rawValue: start.x0).status == .incomplete else { return start }
        let reclaimed = call(.opMemReclaim, start.x1, Self.list, 512)
        precondition(reclaimed.x1 == UInt64(Self.rdAuxCount))
        return call(.opContinue, start.x1)
    }

    func call(_ fid: FunctionID, _ x: UInt64...) -> SMCReturn {
        var arguments = SMCArguments(fid.rawValue)
        for (i, value) in x.enumerated() { arguments[i + 1] = value }
        return h.rmm.handle(arguments, cpu: 0)
    }

    /// RTTs down to level 3 for `ipa`.
    func createTables() {
        precondition(call(.rttCreate, Self.rd, Self.rtt2, Self.ipa, 2).x0 == 0)
        precondition(call(.rttCreate, Self.rd, Self.rtt3, Self.ipa, 3).x0 == 0)
    }

    /// REC_CREATE, donating the 16 auxiliary granules in one list, then OP_CONTINUE.
    func createREC() -> SMCReturn {
        let start = call(.recCreate, Self.rd, Self.rec, Self.recParams)
        guard RMIResult(rawValue: start.x0).status == .incomplete else { return start }
        let handle = start.x1
        let descriptor = AddressRangeDescriptor(
            base: PhysicalAddress(Self.aux), blockSize: .level3, count: 16, state: .delegated)
        ns(Self.list, descriptor.encoding(granule: .size4KB)!)
        let donated = call(.opMemDonate, handle, Self.list, 1)
        precondition(donated.x1 == 16)
        return call(.opContinue, handle)
    }

    /// REC_DESTROY, reclaiming into the list, then OP_CONTINUE.
    func destroyREC() -> SMCReturn {
        let start = call(.recDestroy, Self.rec)
        guard RMIResult(rawValue: start.x0).status == .incomplete else { return start }
        let reclaimed = call(.opMemReclaim, start.x1, Self.list, 512)
        precondition(reclaimed.x1 == 16)
        return call(.opContinue, start.x1)
    }
}
