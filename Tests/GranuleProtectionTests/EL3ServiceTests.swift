import CCAArch
import Testing

@testable import GranuleProtection

/// The three callers that are not the Realm world.
let nonRealmCallers: [SecurityState] = [.secure, .nonSecure, .root]

/// PAs the GTSI calls must refuse with -2: misaligned, beyond PPS, in an NS Block, in a no-access Block.
let badGTSIAddresses: [UInt64] = [0x4010, 64 << 30, 2 << 30, 10 << 30]

/// (base, count, attributes) GPI_SET must refuse with INVALID_PARAMETERS: misaligned base, zero count, run past
/// PPS, Block region, Secure and no-access targets, attribute bits above the GPI.
let invalidGPISetArguments: [(UInt64, UInt64, UInt64)] = [
    (0x4010, 1, 0b1011), (0x4000, 0, 0b1011), ((64 << 30) - 4096, 2, 0b1011), (2 << 30, 1, 0b1011),
    (0x4000, 1, 0b1000), (0x4000, 1, 0b0000), (0x4000, 1, 0x1_0000_000B),
]

@Suite("The EL3 service the RMM calls")
struct EL3ServiceTests {
    func service() throws -> EL3Service { EL3Service(gpt: try makeStandardGPT()) }

    func smc(
        _ el3: EL3Service, _ id: EL3FunctionID, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0
    )
        -> EL3Response
    {
        el3.call(SMCArguments(id.rawValue, x1, x2, x3), from: .realm)
    }

    @Test("RMM_GTSI_DELEGATE then RMM_GTSI_UNDELEGATE of an NS granule return 0 and move its GPI")
    func gtsiSuccess() throws {
        let el3 = try service()
        let delegated = smc(el3, .gtsiDelegate, 0x4000)
        #expect(delegated.registers == SMCReturn(0))
        // The granule's TLBI, and one for the boot-time 512 MB block its delegation shatters.
        #expect(delegated.maintenance.tlbiByPA == 1 + 1)
        #expect(el3.gpt.gpi(at: PhysicalAddress(0x4000)) == .realm)
        #expect(smc(el3, .gtsiUndelegate, 0x4000).registers == SMCReturn(0))
        #expect(el3.gpt.gpi(at: PhysicalAddress(0x4000)) == .nonSecure)
    }

    @Test(
        "GTSI calls answer -2 for a misaligned PA, a PA beyond PPS and a region without L1 table",
        arguments: badGTSIAddresses)
    func gtsiBadAddress(pa: UInt64) throws {
        let el3 = try service()
        #expect(smc(el3, .gtsiDelegate, pa).registers.x0 == GTSIStatus.badAddress.x0)
        #expect(smc(el3, .gtsiUndelegate, pa).registers.x0 == GTSIStatus.badAddress.x0)
    }

    @Test("GTSI calls answer -3 when the granule is not in the source PAS")
    func gtsiBadPAS() throws {
        let el3 = try service()
        #expect(smc(el3, .gtsiUndelegate, 0x4000).registers.x0 == GTSIStatus.badPAS.x0)
        #expect(smc(el3, .gtsiDelegate, 0x4000).registers.x0 == 0)
        #expect(smc(el3, .gtsiDelegate, 0x4000).registers.x0 == GTSIStatus.badPAS.x0)
        let typed = el3.gtsiDelegate(PhysicalAddress(0x4000), from: .realm)
        #expect(typed.status == .badPAS)
        #expect(typed.transition?.stop == .wrongSourceGPI(at: PhysicalAddress(0x4000), found: .realm))
    }

    @Test(
        "a caller that is not the Realm world gets -1 from every call and changes nothing", arguments: nonRealmCallers)
    func nonRealmCaller(caller: SecurityState) throws {
        let el3 = try service()
        for id in EL3FunctionID.allCases {
            let answer = el3.call(SMCArguments(id.rawValue, 0x4000, 1, UInt64(GPI.realm.rawValue)), from: caller)
            #expect(answer.registers.x0 == UInt64(bitPattern: -1))
            #expect(answer.maintenance == .none)
        }
        #expect(el3.gpt.gpi(at: PhysicalAddress(0x4000)) == .nonSecure)
        #expect(el3.gtsiDelegate(PhysicalAddress(0x4000), from: caller).status == .unknown)
        #expect(
            el3.gpiSet(base: PhysicalAddress(0x4000), count: 1, target: .realm, from: caller).status == .notSupported)
    }

    @Test("FIRME_GM_GPI_SET of a whole run answers SUCCESS with every granule processed")
    func gpiSetSuccess() throws {
        let el3 = try service()
        let answer = smc(el3, .gpiSet, 0x20_0000, 1024, UInt64(GPI.realm.rawValue))
        #expect(answer.registers.x0 == FIRMEStatus.success.x0)
        #expect(answer.registers.x1 == 1024)
        // Two 2 MB blocks, and the shatter of the 512 MB block the run cuts.
        #expect(answer.maintenance.tlbiByPA == 2 + 1)
        #expect(el3.gpt.gpi(at: PhysicalAddress(0x20_0000 + 1023 * 4096)) == .realm)
        let back = smc(el3, .gpiSet, 0x20_0000, 1024, UInt64(GPI.nonSecure.rawValue))
        #expect(back.registers == SMCReturn(0, 1024))
    }

    @Test("FIRME_GM_GPI_SET answers DENIED with the count changed before a granule in the wrong PAS")
    func gpiSetDenied() throws {
        let el3 = try service()
        _ = smc(el3, .gtsiDelegate, 0x8000)
        let partial = smc(el3, .gpiSet, 0x4000, 8, UInt64(GPI.realm.rawValue))
        #expect(partial.registers == SMCReturn(FIRMEStatus.denied.x0, 4))
        let none = smc(el3, .gpiSet, 0x8000, 8, UInt64(GPI.realm.rawValue))
        #expect(none.registers == SMCReturn(FIRMEStatus.denied.x0, 0))
    }

    @Test(
        "FIRME_GM_GPI_SET answers INVALID_PARAMETERS for a bad base, count, range, region or target",
        arguments: invalidGPISetArguments)
    func gpiSetInvalid(base: UInt64, count: UInt64, attributes: UInt64) throws {
        let el3 = try service()
        let answer = smc(el3, .gpiSet, base, count, attributes)
        #expect(answer.registers == SMCReturn(FIRMEStatus.invalidParameters.x0, 0))
        #expect(el3.gpt.gpi(at: PhysicalAddress(0x4000)) == .nonSecure)
    }

    @Test("FIRME_GM_GPI_SET answers BUSY when the first block is locked, and partial SUCCESS when a later one is")
    func gpiSetBusy() throws {
        let el3 = try service()
        el3.gpt.memory.lock(1)
        let busy = smc(el3, .gpiSet, 512 << 20, 4, UInt64(GPI.realm.rawValue))
        #expect(busy.registers == SMCReturn(FIRMEStatus.busy.x0, 0))
        let partial = smc(el3, .gpiSet, (512 << 20) - 3 * 4096, 8, UInt64(GPI.realm.rawValue))
        #expect(partial.registers == SMCReturn(FIRMEStatus.success.x0, 3))
        el3.gpt.memory.unlock(1)
        #expect(smc(el3, .gpiSet, 512 << 20, 4, UInt64(GPI.realm.rawValue)).registers == SMCReturn(0, 4))
    }

    @Test("with maxGranulesPerCall, FIRME_GM_GPI_SET moves at most that many granules and answers SUCCESS with them")
    func gpiSetLimited() throws {
        let el3 = EL3Service(gpt: try makeStandardGPT(), maxGranulesPerCall: 3)
        let first = smc(el3, .gpiSet, 0x20_0000, 8, UInt64(GPI.realm.rawValue))
        #expect(first.registers == SMCReturn(FIRMEStatus.success.x0, 3))
        #expect(el3.gpt.gpi(at: PhysicalAddress(0x20_0000 + 2 * 4096)) == .realm)
        #expect(el3.gpt.gpi(at: PhysicalAddress(0x20_0000 + 3 * 4096)) == .nonSecure)
        // A request within the limit moves whole; a zero count is still refused.
        #expect(smc(el3, .gpiSet, 0x20_0000 + 3 * 4096, 2, UInt64(GPI.realm.rawValue)).registers == SMCReturn(0, 2))
        #expect(
            smc(el3, .gpiSet, 0x20_0000, 0, UInt64(GPI.realm.rawValue)).registers
                == SMCReturn(FIRMEStatus.invalidParameters.x0, 0))
        #expect(smc(el3, .gpiSet, 0x20_0000, 5, UInt64(GPI.nonSecure.rawValue)).registers == SMCReturn(0, 3))
    }

    @Test("a run that reaches a Block region after progress answers SUCCESS with the prefix")
    func gpiSetStopsAtBlock() throws {
        let el3 = try service()
        let answer = smc(el3, .gpiSet, (2 << 30) - 2 * 4096, 4, UInt64(GPI.realm.rawValue))
        #expect(answer.registers == SMCReturn(FIRMEStatus.success.x0, 2))
    }

    @Test("FIRME_SERVICE_VERSION answers 1.0 for the base and granule-management services only")
    func version() throws {
        let el3 = try service()
        #expect(smc(el3, .serviceVersion, 0).registers == SMCReturn(0x1_0000))
        #expect(smc(el3, .serviceVersion, 1).registers == SMCReturn(0x1_0000))
        #expect(smc(el3, .serviceVersion, 2).registers.x0 == FIRMEStatus.notSupported.x0)
    }

    @Test(
        "FIRME_SERVICE_FEATURES advertises GPI_SET, L1_GPT_CREATE and L1_GPT_DESTROY in granule-management register 0")
    func features() throws {
        let el3 = try service()
        #expect(smc(el3, .serviceFeatures, 1, 0).registers == SMCReturn(0, 0b1101))
        #expect(smc(el3, .serviceFeatures, 1, 1).registers.x0 == FIRMEStatus.notSupported.x0)
        #expect(smc(el3, .serviceFeatures, 0, 0).registers.x0 == FIRMEStatus.notSupported.x0)
    }

    @Test(
        "functions this EL3 does not implement answer NOT_SUPPORTED",
        arguments: [EL3FunctionID.gpiOpContinue, EL3FunctionID(rawValue: 0xC400_0150)])
    func unsupported(id: EL3FunctionID) throws {
        let el3 = try service()
        #expect(smc(el3, id, 0x4000, 1).registers == SMCReturn.notSupported)
    }
}
