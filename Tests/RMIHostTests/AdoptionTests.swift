import CCAArch
import RMIHost
import Testing

/// Bring-up on an RMM someone else brought up: RMI_RMM_CONFIG_SET answers ERROR_GLOBAL, and the host finds out
/// why with RMI_RMM_STATE_GET and RMI_RMM_CONFIG_GET.
@Suite("Host bring-up: adopting an RMM that is already active")
struct AdoptionTests {
    let bank = try! GranuleRange(base: PhysicalAddress(0x8000_0000), size: 0x20_0000)
    let page: UInt64 = 0x8000_0000
    let prologue = [
        call(.version, 0x20000), call(.features, 0), call(.features, 1), call(.rmmConfigSet, 0x8000_0000),
        call(.rmmStateGet),
    ]

    func host(_ conduit: ScriptedConduit, memory: MemoryDouble) -> HostRMI {
        HostRMI(
            conduit: conduit, memory: memory,
            configuration: HostConfiguration(dramRegions: [bank], retryPolicy: testPolicy()))
    }

    /// VERSION, FEATURES 0 and 1, CONFIG_SET refused with ERROR_GLOBAL, then STATE_GET answering `state`.
    func refusedConfiguration(state: UInt64) -> [ScriptStep] {
        [
            .answer(rmi(.success, 0x20000, 0x20000)), .answer(rmi(.success, features0Value)),
            .answer(rmi(.success, features1Value)), .answer(rmi(.errorGlobal)), .answer(rmi(.success, state)),
        ]
    }

    /// CONFIG_GET writing `granule` and `tracking` into the page the host passed, as the RMM does.
    func configGet(_ memory: MemoryDouble, granule: UInt64, tracking: UInt64) -> ScriptStep {
        .act { arguments in
            try? memory.writeWords([tracking, granule], at: PhysicalAddress(arguments.x1))
            return rmi(.success)
        }
    }

    @Test("an ACTIVE RMM with this host's configuration is adopted: no RMI_RMM_ACTIVATE, tracking and L1 checked")
    func adoptsMatchingRMM() throws {
        let memory = MemoryDouble()
        let conduit = ScriptedConduit(
            refusedConfiguration(state: 1) + [
                configGet(memory, granule: 0, tracking: 0), .answer(rmi(.success, 0, 2, bank.top.rawValue)),
                .answer(rmi(.errorGlobal)),
            ])
        let host = host(conduit, memory: memory)
        try host.initialize()
        #expect(host.isAvailable)
        #expect(
            conduit.trace
                == prologue + [
                    call(.rmmConfigGet, page), call(.granuleTrackingGet, bank.base.rawValue, bank.top.rawValue),
                    call(.gptL1Create, 0x8000_0000),
                ])
    }

    @Test("an ACTIVE RMM configured otherwise is refused, and the message says what RMI_RMM_CONFIG_GET showed")
    func refusesOtherConfiguration() throws {
        let memory = MemoryDouble()
        let conduit = ScriptedConduit(
            refusedConfiguration(state: 1) + [configGet(memory, granule: 2, tracking: 0)])
        let host = host(conduit, memory: memory)
        let wanted = RMMConfiguration(granuleSize: .size4KB, trackingRegionSizeEncoding: 0)
        #expect(
            throws: HostInitError.activeWithOtherConfiguration(
                wanted: wanted, granuleSizeEncoding: 2, trackingRegionSizeEncoding: 0)
        ) { try host.initialize() }
        #expect(!host.isAvailable)
        #expect(conduit.trace == prologue + [call(.rmmConfigGet, page)])
        let error = HostInitError.activeWithOtherConfiguration(
            wanted: wanted, granuleSizeEncoding: 2, trackingRegionSizeEncoding: 0)
        #expect(error.kind == "already_active")
        #expect(error.description.contains("already ACTIVE") && error.description.contains("64 KB"))
    }

    @Test("CONFIG_SET refused while the RMM reports INIT says so instead of a bare RMI_ERROR_GLOBAL")
    func refusedWhileNotActive() throws {
        let conduit = ScriptedConduit(refusedConfiguration(state: 0))
        let host = host(conduit, memory: MemoryDouble())
        #expect(throws: HostInitError.configurationRefused(state: 0)) { try host.initialize() }
        #expect(conduit.trace == prologue)
        #expect(HostInitError.configurationRefused(state: 0).description.contains("RMM_STATE_INIT"))
    }

    @Test("an RMM without RMI_RMM_STATE_GET leaves the refusal as it was")
    func noStateGet() throws {
        let conduit = ScriptedConduit(
            Array(refusedConfiguration(state: 0).dropLast()) + [.answer(rmi(.errorNotSupported))])
        let host = host(conduit, memory: MemoryDouble())
        #expect(throws: HostInitError.rmmError(command: .rmmConfigSet, status: .errorGlobal)) {
            try host.initialize()
        }
    }
}
