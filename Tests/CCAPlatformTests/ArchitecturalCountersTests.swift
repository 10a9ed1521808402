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
        let counters = ArchitecturalCounters(cpuCount: 2)
        counters.recordHostSMC(functionID: 0xC400_01F1, cpu: 0)
        counters.recordHostSMC(functionID: 0xC401_01F1, cpu: 1)  // the SVE hint names the same function
        counters.recordHostSMC(functionID: 0xC400_0150, cpu: 1)
        counters.recordHostSMC(functionID: 0x8400_0000, cpu: 1)  // SMC32: no counter of its own
        counters.recordEL3Call(cpu: 1)
        counters.recordMaintenance(tlbi: 3, dsb: 1, cleanedCacheLines: 0, cpu: 0)
        counters.recordMaintenance(tlbi: 0, dsb: 2, cleanedCacheLines: 64, l1DescriptorWrites: 33, cpu: 1)
        counters.recordScrubbedBytes(4096)
        counters.recordGPCFault()
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
        #expect(counters.perCPU(0) == (1, 0) && counters.perCPU(1) == (3, 1) && counters.perCPU(2) == (0, 0))
    }

    @Test("counts from many threads add up exactly")
    func concurrentCounting() throws {
        let counters = ArchitecturalCounters(cpuCount: 4)
        try ProcessingElements(count: 4).run { cpu in
            for _ in 0..<10_000 {
                counters.recordHostSMC(functionID: 0xC400_0150, cpu: cpu)
                counters.recordMaintenance(tlbi: 0, dsb: 1, cleanedCacheLines: 0, cpu: cpu)
                counters.recordScrubbedBytes(1)  // the shared row: contended, still exact
            }
        }
        let snapshot = counters.snapshot()
        #expect(snapshot.smc == 40_000)
        #expect(snapshot.smcByFunctionNumber[0x150] == 40_000)
        #expect(snapshot.dsb == 40_000)
        #expect(snapshot.scrubbedBytes == 40_000)
        #expect((0..<4).allSatisfy { counters.perCPU($0) == (10_000, 0) })
    }
}
