import CCAArch
import GranuleProtection
import Testing

@Suite("Maintenance accounting of transitions")
struct GPTMaintenanceTests {
    @Test("delegating one 4 KB granule costs one TLBI, four DSBs and 64 lines in each of two PAS, plus the shatter")
    func oneGranuleDelegate() throws {
        let gpt = try makeStandardGPT()
        // The first call cuts the boot-time 512 MB block: one TLBI RPALOS of 512 MB and a DSB (TF-A shatter_block).
        let first = gpt.delegate(PhysicalAddress(0x1000), count: 1).maintenance
        #expect(first.tlbiByPA == 2)
        #expect(first.dsb == 5)
        #expect(first.cleanedCacheLines == 128)
        #expect(first.l1DescriptorWrites > 0)
        // A granule of the same, already shattered, 2 MB block: the granule's own TLBI and DSBs only.
        let cost = gpt.delegate(PhysicalAddress(0x2000), count: 1).maintenance
        #expect(cost.tlbiByPA == 1)
        #expect(cost.dsb == 4)
        #expect(cost.cleanedCacheLines == 128)
        #expect(cost.l1DescriptorWrites == 1)
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
        // [0, 512 MB), [512 MB, 1 GB), [1 GB, 1 GB + 2 MB): the ragged ends widened to 2 MB; and one shatter at
        // each end, of the 512 MB blocks [0, 512 MB) and [1 GB, 1.5 GB) the run cuts.
        #expect(ragged.maintenance.tlbiByPA == 3 + 2)
    }

    @Test("a ragged run is invalidated as naturally aligned blocks of 2 MB and up, widened to 2 MB")
    func raggedDecomposition() throws {
        let gpt = try makeStandardGPT()
        // [0x1000, 0x20_1000) widens to [0, 4 MB): two 2 MB operations, and the shatter of [0, 512 MB).
        #expect(gpt.delegate(PhysicalAddress(0x1000), count: 512).maintenance.tlbiByPA == 2 + 1)
        // [4 MB, 36 MB + 4 KB) widens to [4 MB, 38 MB): 14 x 2 MB up to 32 MB, then three more 2 MB; [4 MB, 6 MB)
        // and the blocks after it up to 32 MB are whole 2 MB descriptors the run covers, but the 32 MB block at
        // 32 MB is cut: one shatter.
        let cost = gpt.delegate(PhysicalAddress(4 * MiB), count: (32 * MiB >> 12) + 1).maintenance
        #expect(cost.tlbiByPA == 14 + 3 + 1)
    }

    @Test("the one-granule-at-a-time loop over 1 GiB costs 262,144 TLB invalidations and one shatter per 2 MB")
    func oneGranuleLoop() throws {
        let gpt = try makeStandardGPT()
        var total = GPTMaintenance.none
        for granule in 0..<(GiB >> 12) {
            total += gpt.delegate(PhysicalAddress(granule << 12), count: 1).maintenance
        }
        // Each 2 MB block is cut once, by the call for its first granule: 512 shatters in the GiB.
        #expect(total.tlbiByPA == 262_144 + 512)
        #expect(total.dsb == 4 * 262_144 + 512)
        // The first 512 MB block, left alone while the loop went on in the second, settled on the visits of the
        // second's transitions and is one descriptor again; in the second, the 32 MB blocks the loop left long ago
        // are fused, and the last one, changed last, waits (its 2 MB blocks were fused at once).
        #expect(gpt.l1Descriptor(at: PhysicalAddress(0)) == .contiguous(.realm, size: .size512MB))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(512 * MiB)) == .contiguous(.realm, size: .size32MB))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(GiB - 4096)) == .contiguous(.realm, size: .size2MB))
        #expect(gpt.compact().tlbiByPA == 0)
        #expect(gpt.l1Descriptor(at: PhysicalAddress(512 * MiB)) == .contiguous(.realm, size: .size512MB))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(GiB - 4096)) == .contiguous(.realm, size: .size512MB))
        #expect(gpt.verifyContiguity())
    }
}
