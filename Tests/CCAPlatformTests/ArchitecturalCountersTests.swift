import CCAArch
import CCAPlatform
import Testing

@Suite("ArchitecturalCounters")
struct ArchitecturalCountersTests {
    @Test("every counter starts at zero")
    func initial() {
        #expect(ArchitecturalCounters().snapshot() == ArchitecturalCountersSnapshot())
    }

    @Test("each record method bumps its own counter")
    func recording() {
        let counters = ArchitecturalCounters()
        counters.recordHostSMC(functionID: 0xC400_01F1)
        counters.recordHostSMC(functionID: 0xC401_01F1)  // the SVE hint names the same function
        counters.recordHostSMC(functionID: 0xC400_0150)
        counters.recordHostSMC(functionID: 0x8400_0000)  // SMC32: no counter of its own
        counters.recordEL3Call()
        counters.recordTLBInvalidations(3)
        counters.recordDSB()
        counters.recordDSB(2)
        counters.recordCacheLinesCleaned(64)
        counters.recordScrubbedBytes(4096)
        counters.recordGPCFault()
        counters.recordL1DescriptorWrites(33)
        let snapshot = counters.snapshot()
        #expect(snapshot.smc == 4)
        #expect(snapshot.smcByFunctionNumber == [0x1F1: 2, 0x150: 1])
        #expect(snapshot.smcCount(functionID: 0xC400_01F1) == 2)
        #expect(snapshot.smcCount(functionID: 0xC400_01F2) == 0)
        #expect(snapshot.otherSMC == 1)
        #expect(snapshot.el3Calls == 1)
        #expect(snapshot.tlbi == 3)
        #expect(snapshot.dsb == 3)
        #expect(snapshot.cipapaLines == 64)
        #expect(snapshot.scrubbedBytes == 4096)
        #expect(snapshot.gpcFaults == 1)
        #expect(snapshot.l1DescriptorWrites == 33)
    }

    @Test("counts from many threads add up exactly")
    func concurrentCounting() throws {
        let counters = ArchitecturalCounters()
        try ProcessingElements(count: 4).run { _ in
            for _ in 0..<10_000 {
                counters.recordHostSMC(functionID: 0xC400_0150)
                counters.recordDSB()
            }
        }
        let snapshot = counters.snapshot()
        #expect(snapshot.smc == 40_000)
        #expect(snapshot.smcByFunctionNumber[0x150] == 40_000)
        #expect(snapshot.dsb == 40_000)
    }
}
