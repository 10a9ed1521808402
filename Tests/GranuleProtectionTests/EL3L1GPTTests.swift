import CCAArch
import Testing

@testable import GranuleProtection

/// FIRME_GM_L1_GPT_CREATE and _DESTROY on the standard layout: [0, 2 GiB) granule-protected NS, [2, 3 GiB) an NS
/// Block, the rest of the 64 GiB no-access Blocks; L1 tables of 128 KiB.
@Suite("EL3: L1 GPT create and destroy")
struct EL3L1GPTTests {
    let blockRegion = PhysicalAddress(2 << 30)
    /// 128 KiB of granule-protected NS memory in region 0.
    let outsideTable = PhysicalAddress(0x40_0000)
    let tableBytes: UInt64 = 128 << 10

    func service() throws -> EL3Service { EL3Service(gpt: try makeStandardGPT()) }

    func create(_ el3: EL3Service, _ region: PhysicalAddress, _ table: PhysicalAddress) -> SMCReturn {
        el3.call(SMCArguments(EL3FunctionID.l1GPTCreate.rawValue, region.rawValue, table.rawValue), from: .realm)
            .registers
    }

    func destroy(_ el3: EL3Service, _ region: PhysicalAddress) -> SMCReturn {
        el3.call(SMCArguments(EL3FunctionID.l1GPTDestroy.rawValue, region.rawValue), from: .realm).registers
    }

    func gpis(_ el3: EL3Service, _ base: PhysicalAddress, bytes: UInt64) -> Set<GPI?> {
        Set(stride(from: UInt64(0), to: bytes, by: 4096).map { el3.gpt.gpi(at: base + $0) })
    }

    @Test("create with table memory elsewhere: the region becomes a Table with the Block's GPI, the table Root")
    func createElsewhere() throws {
        let el3 = try service()
        #expect(create(el3, blockRegion, outsideTable) == SMCReturn(FIRMEStatus.success.x0, 0))
        #expect(el3.gpt.l1Descriptor(at: blockRegion) != nil)
        #expect(gpis(el3, blockRegion, bytes: 1 << 30) == [.nonSecure])
        #expect(gpis(el3, outsideTable, bytes: tableBytes) == [.root])
        #expect(el3.gpt.check(outsideTable, accessedBy: .nonSecure) != nil)
        #expect(el3.gpt.check(outsideTable, accessedBy: .realm) != nil)
        // The new table takes granule transitions at once.
        #expect(el3.gpiSet(base: blockRegion, count: 2, target: .realm, from: .realm).status == .success)
    }

    @Test("create of a self-describing table: the table's own granules become Root, the rest keep the Block's GPI")
    func createSelfDescribing() throws {
        let el3 = try service()
        let table = blockRegion + 0x20_0000
        #expect(create(el3, blockRegion, table).x0 == FIRMEStatus.success.x0)
        #expect(gpis(el3, table, bytes: tableBytes) == [.root])
        #expect(el3.gpt.gpi(at: PhysicalAddress(table.rawValue - 4096)) == .nonSecure)
        #expect(el3.gpt.gpi(at: table + tableBytes) == .nonSecure)
    }

    @Test("create on a region that already has a table answers EXISTS and changes nothing")
    func createExists() throws {
        let el3 = try service()
        #expect(create(el3, PhysicalAddress(0), outsideTable).x0 == FIRMEStatus.exists.x0)
        #expect(gpis(el3, outsideTable, bytes: tableBytes) == [.nonSecure])
    }

    @Test(
        "create with a misaligned region, a region beyond PPS or a misaligned table answers INVALID_PARAMETERS",
        arguments: [(UInt64(2 << 30) + 4096, UInt64(0x40_0000)), (64 << 30, 0x40_0000), (2 << 30, 0x40_1000)])
    func createInvalid(region: UInt64, table: UInt64) throws {
        let el3 = try service()
        let answer = create(el3, PhysicalAddress(region), PhysicalAddress(table))
        #expect(answer.x0 == FIRMEStatus.invalidParameters.x0)
        #expect(el3.gpt.l1TableCount == 2)
    }

    @Test("create with table memory that is not granule-protected Non-secure answers DENIED and changes nothing")
    func createDenied() throws {
        let el3 = try service()
        // In a no-access Block region.
        #expect(create(el3, blockRegion, PhysicalAddress(10 << 30)).x0 == FIRMEStatus.denied.x0)
        // In the NS Block region, but for another region's table: not granule-protected.
        #expect(create(el3, PhysicalAddress(10 << 30), blockRegion).x0 == FIRMEStatus.denied.x0)
        // Granule-protected, but one granule is Realm.
        #expect(el3.gpiSet(base: outsideTable + 0x1_0000, count: 1, target: .realm, from: .realm).status == .success)
        #expect(create(el3, blockRegion, outsideTable).x0 == FIRMEStatus.denied.x0)
        // Self-describing inside a Block that is not Non-secure.
        #expect(create(el3, PhysicalAddress(10 << 30), PhysicalAddress(10 << 30)).x0 == FIRMEStatus.denied.x0)
        #expect(el3.gpt.l1TableCount == 2)
        #expect(el3.gpt.gpi(at: outsideTable) == .nonSecure)
    }

    @Test("create and destroy answer NOT_SUPPORTED to every caller but the Realm world", arguments: nonRealmCallers)
    func nonRealmCaller(caller: SecurityState) throws {
        let el3 = try service()
        let createCall = SMCArguments(EL3FunctionID.l1GPTCreate.rawValue, blockRegion.rawValue, outsideTable.rawValue)
        #expect(el3.call(createCall, from: caller).registers.x0 == FIRMEStatus.notSupported.x0)
        let destroyCall = SMCArguments(EL3FunctionID.l1GPTDestroy.rawValue, 0)
        #expect(el3.call(destroyCall, from: caller).registers.x0 == FIRMEStatus.notSupported.x0)
        #expect(el3.gpt.l1TableCount == 2)
    }

    @Test("destroy folds a homogeneous table and gives its memory back Non-secure, X1 the table")
    func destroyElsewhere() throws {
        let el3 = try service()
        #expect(create(el3, blockRegion, outsideTable).x0 == FIRMEStatus.success.x0)
        #expect(destroy(el3, blockRegion) == SMCReturn(FIRMEStatus.success.x0, outsideTable.rawValue))
        #expect(el3.gpt.l1Descriptor(at: blockRegion) == nil)
        #expect(el3.gpt.gpi(at: blockRegion) == .nonSecure)
        #expect(gpis(el3, outsideTable, bytes: tableBytes) == [.nonSecure])
    }

    @Test("destroy of a self-describing table ignores the table's own granules")
    func destroySelfDescribing() throws {
        let el3 = try service()
        let table = blockRegion + 0x20_0000
        #expect(create(el3, blockRegion, table).x0 == FIRMEStatus.success.x0)
        #expect(destroy(el3, blockRegion) == SMCReturn(FIRMEStatus.success.x0, table.rawValue))
        #expect(gpis(el3, blockRegion, bytes: 1 << 30) == [.nonSecure])
    }

    @Test("destroy of a table that is not homogeneous answers DENIED with the first granule that differs")
    func destroyNotHomogeneous() throws {
        let el3 = try service()
        #expect(create(el3, blockRegion, outsideTable).x0 == FIRMEStatus.success.x0)
        let realm = blockRegion + 0x5000
        #expect(el3.gpiSet(base: realm, count: 1, target: .realm, from: .realm).status == .success)
        #expect(destroy(el3, blockRegion) == SMCReturn(FIRMEStatus.denied.x0, realm.rawValue))
        #expect(el3.gpt.l1Descriptor(at: blockRegion) != nil)
        #expect(gpis(el3, outsideTable, bytes: tableBytes) == [.root])
    }

    @Test("a self-describing table folds only into a Non-secure Block, so its memory comes back Non-secure")
    func destroySelfDescribingRealm() throws {
        let el3 = try service()
        #expect(create(el3, blockRegion, blockRegion).x0 == FIRMEStatus.success.x0)
        let rest = blockRegion + tableBytes
        #expect(el3.gpt.delegate(rest, count: ((1 << 30) - tableBytes) >> 12).stop == .completed)
        #expect(destroy(el3, blockRegion).x0 == FIRMEStatus.denied.x0)
        #expect(el3.gpt.l1Descriptor(at: blockRegion) != nil)
    }

    @Test("destroy of a Block answers NO_ENTRY; a misaligned region INVALID_PARAMETERS")
    func destroyRefused() throws {
        let el3 = try service()
        #expect(destroy(el3, blockRegion).x0 == FIRMEStatus.noEntry.x0)
        #expect(destroy(el3, PhysicalAddress(4096)).x0 == FIRMEStatus.invalidParameters.x0)
        #expect(destroy(el3, PhysicalAddress(64 << 30)).x0 == FIRMEStatus.invalidParameters.x0)
    }
}
