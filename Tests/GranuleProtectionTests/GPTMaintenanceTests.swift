import CCAArch
import GranuleProtection
import Testing

@Suite("Maintenance accounting of transitions")
struct GPTMaintenanceTests {
    @Test("delegating one 4 KB granule costs one TLBI, four DSBs and 64 lines in each of two PAS")
    func oneGranuleDelegate() throws {
        let gpt = try makeStandardGPT()
        let cost = gpt.delegate(PhysicalAddress(0x1000), count: 1).maintenance
        #expect(cost.tlbiByPA == 1)
        #expect(cost.dsb == 4)
        #expect(cost.cleanedCacheLines == 128)
        #expect(cost.l1DescriptorWrites > 0)
    }

    @Test("undelegating one granule writes the GPI twice: two TLBIs, six DSBs, 128 lines")
    func oneGranuleUndelegate() throws {
        let gpt = try makeStandardGPT()
        _ = gpt.delegate(PhysicalAddress(0x1000), count: 1)
        let cost = gpt.undelegate(PhysicalAddress(0x1000), count: 1).maintenance
        #expect(cost.tlbiByPA == 2)
        #expect(cost.dsb == 6)
        #expect(cost.cleanedCacheLines == 128)
    }

    @Test("a 1 GiB run costs at most 64 TLB invalidations, aligned or not")
    func oneGiBRun() throws {
        let gpt = try makeStandardGPT()
        let granules = GiB >> 12
        let aligned = gpt.delegate(PhysicalAddress(0), count: granules)
        #expect(aligned.stop == .completed)
        #expect(aligned.maintenance.tlbiByPA == 2)
        #expect(aligned.maintenance.cleanedCacheLines == 2 * granules * 64)
        let back = gpt.undelegate(PhysicalAddress(0), count: granules)
        #expect(back.maintenance.tlbiByPA == 4)
        let ragged = gpt.delegate(PhysicalAddress(0x3000), count: granules)
        #expect(ragged.stop == .completed)
        #expect(ragged.maintenance.tlbiByPA <= 64)
        // [0, 512 MB), [512 MB, 1 GB), [1 GB, 1 GB + 2 MB): the ragged ends widened to 2 MB.
        #expect(ragged.maintenance.tlbiByPA == 3)
    }

    @Test("a ragged run is invalidated as naturally aligned blocks of 2 MB and up, widened to 2 MB")
    func raggedDecomposition() throws {
        let gpt = try makeStandardGPT()
        // [0x1000, 0x20_1000) widens to [0, 4 MB): two 2 MB operations.
        #expect(gpt.delegate(PhysicalAddress(0x1000), count: 512).maintenance.tlbiByPA == 2)
        // [4 MB, 36 MB + 4 KB) widens to [4 MB, 38 MB): 14 x 2 MB up to 32 MB, then three more 2 MB.
        let cost = gpt.delegate(PhysicalAddress(4 * MiB), count: (32 * MiB >> 12) + 1).maintenance
        #expect(cost.tlbiByPA == 14 + 3)
    }

    @Test("the one-granule-at-a-time loop over 1 GiB costs 262,144 TLB invalidations")
    func oneGranuleLoop() throws {
        let gpt = try makeStandardGPT()
        var total = GPTMaintenance.none
        for granule in 0..<(GiB >> 12) {
            total += gpt.delegate(PhysicalAddress(granule << 12), count: 1).maintenance
        }
        #expect(total.tlbiByPA == 262_144)
        #expect(total.dsb == 4 * 262_144)
        #expect(gpt.l1Descriptor(at: PhysicalAddress(0)) == .contiguous(.realm, size: .size512MB))
        #expect(gpt.verifyContiguity())
    }
}
