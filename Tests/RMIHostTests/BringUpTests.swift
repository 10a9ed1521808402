import CCAArch
import RMIHost
import Synchronization
import Testing

@Suite("Host bring-up")
struct BringUpTests {
    /// Two DRAM banks in two L0 GPT regions (1 GiB each with L0GPTSZ 0).
    let bank0 = try! GranuleRange(base: PhysicalAddress(0x8000_0000), size: 0x20_0000)
    let bank1 = try! GranuleRange(base: PhysicalAddress(0x8_8000_0000), size: 0x10_0000)

    func host(
        _ conduit: ScriptedConduit, memory: MemoryDouble = MemoryDouble(), regions: [GranuleRange]? = nil
    )
        -> HostRMI
    {
        HostRMI(
            conduit: conduit, memory: memory,
            configuration: HostConfiguration(dramRegions: regions ?? [bank0, bank1], retryPolicy: testPolicy()))
    }

    let deactivate = call(.rmmDeactivate)
    let prologue = [
        call(.version, 0x20000), call(.features, 0), call(.features, 1), call(.rmmConfigSet, 0x8000_0000),
    ]

    @Test("bring-up negotiates 2.0, configures from a zeroed page, activates, checks tracking and L1 tables")
    func successPath() throws {
        let memory = MemoryDouble(fill: 0xAA)
        let middle = bank0.base + 0x10_0000
        let conduit = ScriptedConduit(answers: [
            rmi(.success, 0x20000, 0x20001),
            rmi(.success, features0Value),
            rmi(.success, features1Value),
            rmi(.success),
            incomplete(x1: 3),
            rmi(.success),
            rmi(.success, 0, 2, middle.rawValue),
            rmi(.success, 0, 2, bank0.top.rawValue),
            rmi(.success, 0, 2, bank1.top.rawValue),
            rmi(.errorGPT),
            rmi(.success),
        ])
        let host = host(conduit, memory: memory)
        #expect(!host.isAvailable)
        try host.initialize()
        #expect(
            conduit.trace
                == prologue + [
                    call(.rmmActivate), call(.opContinue, 3, 0),
                    call(.granuleTrackingGet, bank0.base.rawValue, bank0.top.rawValue),
                    call(.granuleTrackingGet, middle.rawValue, bank0.top.rawValue),
                    call(.granuleTrackingGet, bank1.base.rawValue, bank1.top.rawValue),
                    call(.gptL1Create, 0x8000_0000), call(.gptL1Create, 0x8_8000_0000),
                ])
        #expect(memory.words(512, at: PhysicalAddress(0x8000_0000)) == Array(repeating: 0, count: 512))
        #expect(host.isAvailable)
        #expect(host.version == .v2_0)
        #expect(host.info?.highestVersion == RMIInterfaceVersion(major: 2, minor: 1))
        #expect(host.featureRegister0?.rawValue == features0Value)
        #expect(host.featureRegister1?.rawValue == features1Value)
        #expect(host.info?.l0RegionSize == 1 << 30)
        #expect(host.info?.createdL1Tables == [PhysicalAddress(0x8_8000_0000)])
        #expect(host.allocator.isFree(PhysicalAddress(0x8000_0000)))
        #expect(conduit.overruns == 0)
    }

    @Test("the configuration page carries the granule size encoding at offset 8")
    func configurationPageContents() throws {
        let memory = MemoryDouble(fill: 0xAA)
        let region = try GranuleRange(base: PhysicalAddress(0x8000_0000), size: 0x10_0000, granuleSize: .size16KB)
        let conduit = ScriptedConduit(answers: [
            rmi(.success, 0x20000, 0x20000), rmi(.success, features0Value), rmi(.success, 0b010), rmi(.success),
            rmi(.success), rmi(.success, 0, 2, region.top.rawValue), rmi(.errorGlobal),
        ])
        let host = HostRMI(
            conduit: conduit, memory: memory,
            configuration: HostConfiguration(granuleSize: .size16KB, dramRegions: [region], retryPolicy: testPolicy()))
        try host.initialize()
        var expected = [UInt64](repeating: 0, count: 512)
        expected[1] = GranuleSize.size16KB.rmiEncoding
        #expect(memory.words(512, at: PhysicalAddress(0x8000_0000)) == expected)
        #expect(host.isAvailable)
    }

    @Test("an L1 GPT table the RMM asks memory for is created with donated Non-secure pages")
    func gptL1CreatedWithDonation() throws {
        let memory = MemoryDouble()
        let request = OpMemDonateRequest(blockSize: .level3, count: 2, contiguous: true, state: .undelegated)
        let conduit = ScriptedConduit(answers: [
            rmi(.success, 0x20000, 0x20000), rmi(.success, features0Value), rmi(.success, features1Value),
            rmi(.success), rmi(.success), rmi(.success, 0, 2, bank0.top.rawValue),
            incomplete(.donate, x1: 11, x2: request.encoding), rmi(.success, 2),
        ])
        let host = host(conduit, memory: memory, regions: [bank0])
        try host.initialize()
        #expect(
            conduit.trace.suffix(2) == [
                call(.gptL1Create, 0x8000_0000), call(.opMemDonate, 11, 0x8000_0000, 1),
            ])
        let table = AddressRangeDescriptor(
            base: PhysicalAddress(0x8000_2000), blockSize: .level3, count: 2, state: .undelegated)
        #expect(memory.words(1, at: PhysicalAddress(0x8000_0000)) == [table.encoding(granule: .size4KB)!])
        #expect(host.info?.createdL1Tables == [PhysicalAddress(0x8000_0000)])
        #expect(!host.allocator.isFree(PhysicalAddress(0x8000_2000)))
    }

    @Test("an SMCCC NOT_SUPPORTED answer to RMI_VERSION means no RMM")
    func noRMM() {
        let conduit = ScriptedConduit(answers: [.notSupported])
        let host = host(conduit)
        #expect(throws: HostInitError.noRMM) { try host.initialize() }
        #expect(conduit.trace == [call(.version, 0x20000)])
        #expect(!host.isAvailable)
    }

    @Test(
        "a version the host cannot speak is incompatible",
        arguments: [
            rmi(.errorInput, 0x30000, 0x30000), rmi(.success, 0x30000, 0x30000), rmi(.success, 1 << 40, 0x20000),
        ])
    func incompatibleVersion(answer: SMCReturn) {
        let conduit = ScriptedConduit(answers: [answer])
        let host = host(conduit)
        #expect(
            throws: HostInitError.incompatibleVersion(
                status: RMIResult(rawValue: answer.x0).status, lower: answer.x1, higher: answer.x2)
        ) { try host.initialize() }
        #expect(conduit.trace.count == 1)
        #expect(host.delegate(base: bank0.base, size: page).failure == .notInitialized)
    }

    @Test("a granule size the RMM does not advertise stops bring-up before RMM_CONFIG_SET")
    func granuleSizeUnsupported() {
        let conduit = ScriptedConduit(answers: [
            rmi(.success, 0x20000, 0x20000), rmi(.success, features0Value), rmi(.success, 0b110),
        ])
        let host = host(conduit)
        #expect(throws: HostInitError.granuleSizeUnsupported(.size4KB, FeatureRegister1(rawValue: 0b110))) {
            try host.initialize()
        }
        #expect(conduit.trace.count == 3)
    }

    @Test(
        "a DRAM region not tracked FINE and CONVENTIONAL stops bring-up, names what was found, and deactivates",
        arguments: [(0, 3), (1, 2), (0, 1)] as [(UInt64, UInt64)])
    func regionNotFine(category: UInt64, state: UInt64) {
        let middle = bank0.base + 0x10_0000
        let conduit = ScriptedConduit(answers: [
            rmi(.success, 0x20000, 0x20000), rmi(.success, features0Value), rmi(.success, features1Value),
            rmi(.success), rmi(.success), rmi(.success, 0, 2, middle.rawValue),
            rmi(.success, category, state, bank0.top.rawValue), rmi(.success),
        ])
        let host = host(conduit)
        let expected = HostInitError.regionNotFineConventional(
            region: bank0, base: middle, top: bank0.top, category: category, state: state)
        #expect(throws: expected) { try host.initialize() }
        #expect(expected.trackingCategory == TrackingCategory(rawValue: UInt8(category)))
        #expect(expected.trackingState == TrackingState(rawValue: UInt8(state)))
        #expect(conduit.trace.last == deactivate)
        #expect(!host.isAvailable)
    }

    @Test("a TRACKING_GET answer that does not advance X3 stops bring-up instead of looping")
    func trackingNoProgress() {
        let conduit = ScriptedConduit(answers: [
            rmi(.success, 0x20000, 0x20000), rmi(.success, features0Value), rmi(.success, features1Value),
            rmi(.success), rmi(.success), rmi(.success, 0, 2, bank0.base.rawValue), rmi(.success),
        ])
        let host = host(conduit, regions: [bank0])
        #expect(
            throws: HostInitError.trackingNoProgress(
                region: bank0,
                answer: BadProgressAnswer(
                    command: .granuleTrackingGet, base: bank0.base, top: bank0.top, outTop: bank0.base,
                    defect: .noAdvance))
        ) { try host.initialize() }
        #expect(conduit.trace.count == 7)
    }

    @Test("an activation error stops bring-up with the command and status")
    func activationError() {
        let conduit = ScriptedConduit(answers: [
            rmi(.success, 0x20000, 0x20000), rmi(.success, features0Value), rmi(.success, features1Value),
            rmi(.success), rmi(.errorGlobal),
        ])
        let host = host(conduit)
        #expect(throws: HostInitError.rmmError(command: .rmmActivate, status: .errorGlobal)) {
            try host.initialize()
        }
    }

    @Test("an unexpected GPT_L1_CREATE error stops bring-up and deactivates")
    func gptL1CreateFails() {
        let conduit = ScriptedConduit(answers: [
            rmi(.success, 0x20000, 0x20000), rmi(.success, features0Value), rmi(.success, features1Value),
            rmi(.success), rmi(.success), rmi(.success, 0, 2, bank0.top.rawValue), rmi(.errorInput), rmi(.success),
        ])
        let host = host(conduit, regions: [bank0])
        #expect(throws: HostInitError.gptL1CreateFailed(l0Base: PhysicalAddress(0x8000_0000), status: .errorInput)) {
            try host.initialize()
        }
        #expect(conduit.trace.last == deactivate)
    }

    @Test("bring-up after success issues no SMC")
    func secondInitializeIsFree() throws {
        let (host, conduit) = try activeHost()
        try host.initialize()
        #expect(conduit.trace.isEmpty)
    }

    @Test("a sibling on another conduit shares the bring-up and the records")
    func siblingSharesState() throws {
        let (host, _) = try activeHost()
        let other = ScriptedConduit(answers: [rmi(.success, (dramBase + page).rawValue)])
        let sibling = host.using(other)
        #expect(sibling.isAvailable)
        #expect(sibling.delegatePage(dramBase).succeeded)
        #expect(host.isRecordedAsDelegated(dramBase))
        #expect(other.trace.count == 1)
    }
}

@Suite("Bring-up concurrency and reporting")
struct BringUpReportingTests {
    @Test("a second bring-up while one is running is refused as already in progress")
    func reentrantBringUpRefused() throws {
        let conduit = ScriptedConduit()
        let host = HostRMI(
            conduit: conduit, memory: MemoryDouble(),
            configuration: HostConfiguration(dramRegions: [dram], retryPolicy: testPolicy()))
        let seen = ErrorBox()
        conduit.enqueue(
            [
                .act { _ in
                    do throws(HostInitError) {
                        try host.initialize()
                    } catch {
                        seen.set(error)
                    }
                    return rmi(.success, 0x20000, 0x20000)
                }
            ] + bringUpScript().dropFirst())
        try host.initialize()
        #expect(seen.value == .alreadyInProgress)
        #expect(host.isAvailable)
    }

    @Test(
        "bring-up errors map onto serve protocol kinds and carry the RMM's status",
        arguments: [
            (HostInitError.noRMM, "no_rmm", nil),
            (
                .incompatibleVersion(status: .errorInput, lower: 0x30000, higher: 0x30000), "incompatible_version",
                .errorInput
            ),
            (.rmmError(command: .rmmConfigSet, status: .errorGlobal), "rmm_error", .errorGlobal),
            (.stalled(command: .rmmActivate, status: .busy), "stalled", .busy),
            (.statefulOperation(command: .rmmActivate, .continuationLimit(handle: 1)), "stalled", .incomplete),
            (
                .regionNotFineConventional(region: dram, base: dramBase, top: dram.top, category: 0, state: 3),
                "tracking", .success
            ),
        ] as [(HostInitError, String, RMIStatus?)])
    func errorKinds(error: HostInitError, kind: String, status: RMIStatus?) {
        #expect(error.kind == kind)
        #expect(error.status == status)
        #expect(!error.description.isEmpty)
    }

    @Test("a region error names the region, the part found and its tracking in the spec's words")
    func regionErrorDescription() {
        let error = HostInitError.regionNotFineConventional(
            region: dram, base: dramBase, top: dramBase + 0x20_0000, category: 0, state: 3)
        #expect(
            error.description
                == "DRAM [0x80000000, 0x81000000) is CONVENTIONAL TRACKING_COARSE in [0x80000000, 0x80200000), "
                + "not CONVENTIONAL TRACKING_FINE")
    }
}

/// Holds an error thrown on the conduit's thread for the test to inspect.
final class ErrorBox: Sendable {
    private let stored = Mutex<HostInitError?>(nil)
    func set(_ error: HostInitError) { stored.withLock { $0 = error } }
    var value: HostInitError? { stored.withLock { $0 } }
}
