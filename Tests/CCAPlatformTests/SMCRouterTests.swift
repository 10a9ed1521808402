import CCAArch
import CCAPlatform
import Testing

@Suite("SMCRouter")
struct SMCRouterTests {
    let rmi = RecordingService(answer: 0x52)
    let el3 = RecordingService(answer: 0xE3)
    let counters = ArchitecturalCounters()
    let tracer = Tracer(capacity: 16, enabled: true)
    let router: SMCRouter<RecordingService, RecordingService>

    init() {
        router = SMCRouter(rmi: rmi, el3: el3, cpuCount: 4, counters: counters, tracer: tracer)
    }

    @Test(
        "host SMCs with RMI function IDs reach the RMI service",
        arguments: [0xC400_0150, 0xC400_01AF, 0xC400_01D0, 0xC400_01F1, 0xC400_03FF] as [UInt64])
    func rmiRouting(functionID: UInt64) {
        let result = router.hostSMC(SMCArguments(functionID, 0x1234), cpu: 3)
        #expect(result == SMCReturn(0x52, 0x1234))
        #expect(rmi.received == [.init(arguments: SMCArguments(functionID, 0x1234), cpu: 3, caller: .nonSecure)])
        #expect(el3.received.isEmpty)
    }

    @Test(
        "EL3 function IDs reach EL3 from the Realm world and are refused to the host",
        arguments: [0xC400_01B0, 0xC400_01B1, 0xC400_01CF, 0xC400_0400, 0xC400_0402, 0xC400_04FF] as [UInt64])
    func el3Routing(functionID: UInt64) {
        #expect(router.hostSMC(SMCArguments(functionID, 9), cpu: 0) == .notSupported)
        #expect(el3.received.isEmpty)
        #expect(router.el3Call(SMCArguments(functionID, 9), cpu: 1) == SMCReturn(0xE3, 9))
        #expect(el3.received == [.init(arguments: SMCArguments(functionID, 9), cpu: 1, caller: .realm)])
        #expect(router.route(SMCArguments(functionID), cpu: 0, caller: .secure) == .notSupported)
        #expect(router.route(SMCArguments(functionID), cpu: 0, caller: .root) == .notSupported)
        #expect(rmi.received.isEmpty)
    }

    @Test(
        "function IDs nothing implements answer NOT_SUPPORTED",
        arguments: [
            0, 0xC400_0000, 0xC400_014F, 0xC400_0500, 0xC400_FFFF, 0x8400_0150, 0xC500_0150, 0x4400_0150,
            0xC402_0150, 0xFFFF_FFFF,
        ] as [UInt64])
    func unknownRouting(functionID: UInt64) {
        #expect(router.hostSMC(SMCArguments(functionID), cpu: 0) == .notSupported)
        #expect(router.el3Call(SMCArguments(functionID), cpu: 0) == .notSupported)
        #expect(rmi.received.isEmpty && el3.received.isEmpty)
    }

    @Test("RMI calls from a world other than Non-secure answer NOT_SUPPORTED")
    func rmiFromRealm() {
        #expect(router.route(SMCArguments(0xC400_0150), cpu: 0, caller: .realm) == .notSupported)
        #expect(rmi.received.isEmpty)
    }

    @Test("the SVE hint bit is masked before routing and the service sees the plain function ID")
    func sveHint() {
        #expect(router.hostSMC(SMCArguments(0xC401_01F1, 5), cpu: 0) == SMCReturn(0x52, 5))
        #expect(rmi.received.map(\.arguments.x0) == [0xC400_01F1])
        #expect(router.el3Call(SMCArguments(0xC401_0402), cpu: 0) == SMCReturn(0xE3))
        #expect(el3.received.map(\.arguments.x0) == [0xC400_0402])
    }

    @Test("only W0 names the function: bits 63:32 of X0 are ignored")
    func upperBitsIgnored() {
        #expect(router.hostSMC(SMCArguments(0xFFFF_FFFF_C400_0150), cpu: 0) == SMCReturn(0x52))
    }

    @Test("a route without a service answers NOT_SUPPORTED")
    func missingService() {
        let empty = SMCRouter(rmi: UnimplementedService(), el3: UnimplementedService(), cpuCount: 1)
        #expect(empty.hostSMC(SMCArguments(0xC400_0150), cpu: 0) == .notSupported)
        #expect(empty.el3Call(SMCArguments(0xC400_0402), cpu: 0) == .notSupported)
    }

    @Test("host SMCs and EL3 calls are counted and traced with their registers")
    func countingAndTracing() {
        _ = router.hostSMC(SMCArguments(0xC400_01F1, 0x8000_0000, 0x8000_2000), cpu: 2)
        _ = router.hostSMC(SMCArguments(0x1), cpu: 0)
        _ = router.el3Call(SMCArguments(0xC400_0402, 0x8000_0000, 2, 0xB), cpu: 2)
        let snapshot = counters.snapshot()
        #expect(snapshot.smc == 2)
        #expect(snapshot.smcCount(functionID: 0xC400_01F1) == 1)
        #expect(snapshot.otherSMC == 1)
        #expect(snapshot.el3Calls == 1)
        let events = tracer.snapshot().events
        #expect(events.map(\.kind) == [.hostSMC, .hostSMC, .el3Call])
        #expect(events[0].cpu == 2)
        #expect(events[0].arguments == SMCArguments(0xC400_01F1, 0x8000_0000, 0x8000_2000))
        #expect(events[0].result == SMCReturn(0x52, 0x8000_0000))
        #expect(events[1].result == .notSupported)
        #expect(events[2].result == SMCReturn(0xE3, 0x8000_0000))
    }

    @Test("function IDs are classified into the RMI, EL3 and unknown ranges")
    func classification() {
        #expect(SMCDestination(FunctionID(0xC400_01AF)) == .rmi)
        #expect(SMCDestination(FunctionID(0xC400_01B0)) == .el3)
        #expect(SMCDestination(FunctionID(0xC400_01CF)) == .el3)
        #expect(SMCDestination(FunctionID(0xC400_01D0)) == .rmi)
        #expect(SMCDestination(FunctionID(0xC400_03FF)) == .rmi)
        #expect(SMCDestination(FunctionID(0xC400_0400)) == .el3)
        #expect(SMCDestination(FunctionID(0xC400_0500)) == .unknown)
        #expect(FunctionID(0xC401_0150).hasSVEHint)
        #expect(FunctionID(dispatching: 0xFFFF_FFFF_C401_0150) == FunctionID(0xC400_0150))
    }

    @Test("CPUs on real threads route SMCs concurrently and every one is counted")
    func concurrentRouting() throws {
        let router = self.router
        let results = try ProcessingElements(count: 4).map { cpu in
            (0..<250).allSatisfy { index in
                router.hostSMC(SMCArguments(0xC400_0150, UInt64(index)), cpu: cpu) == SMCReturn(0x52, UInt64(index))
            }
        }
        #expect(results == [true, true, true, true])
        #expect(counters.snapshot().smc == 1000)
        #expect(Set(rmi.received.map(\.cpu)) == [0, 1, 2, 3])
    }
}
