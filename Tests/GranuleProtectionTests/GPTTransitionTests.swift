import CCAArch
import GranuleProtection
import Testing

@Suite("GPI transitions, shattering and fusing")
struct GPTTransitionTests {
    @Test("delegating one granule shatters only down to its 2 MB block and leaves the rest contiguous")
    func shatterOneGranule() throws {
        let gpt = try makeStandardGPT()
        let result = gpt.delegate(PhysicalAddress(0x1000), count: 1)
        #expect(result.processed == 1 && result.stop == .completed)
        #expect(gpt.gpi(at: PhysicalAddress(0x1000)) == .realm)
        #expect(gpt.gpi(at: PhysicalAddress(0x0000)) == .nonSecure)
        #expect(gpt.gpi(at: PhysicalAddress(0x2000)) == .nonSecure)
        var word = GPTL1Granules(repeating: .nonSecure)
        word[1] = .realm
        #expect(gpt.l1Descriptor(at: PhysicalAddress(0)) == .granules(word))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(0x1_0000)) == .granules(GPTL1Granules(repeating: .nonSecure)))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(2 * MiB)) == .contiguous(.nonSecure, size: .size2MB))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(32 * MiB)) == .contiguous(.nonSecure, size: .size32MB))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(512 * MiB)) == .contiguous(.nonSecure, size: .size512MB))
        #expect(gpt.verifyContiguity())
    }

    @Test("undelegating the granule fuses its 2 MB block at once, and back to 512 MB on compaction")
    func fuseBack() throws {
        let gpt = try makeStandardGPT()
        _ = gpt.delegate(PhysicalAddress(0x1000), count: 1)
        let result = gpt.undelegate(PhysicalAddress(0x1000), count: 1)
        #expect(result.processed == 1 && result.stop == .completed)
        for pa in [UInt64(0), 0x1000, 2 * MiB] {
            #expect(gpt.l1Descriptor(at: PhysicalAddress(pa)) == .contiguous(.nonSecure, size: .size2MB))
        }
        #expect(gpt.l1Descriptor(at: PhysicalAddress(40 * MiB)) == .contiguous(.nonSecure, size: .size32MB))
        #expect(gpt.verifyContiguity())
        let compaction = gpt.compact()
        // The first 32 MB block (512 words), then the whole 512 MB block (8,192 words).
        #expect(compaction.l1DescriptorWrites == 512 + 8192)
        for pa in [UInt64(0), 0x1000, 2 * MiB, 40 * MiB, 511 * MiB] {
            #expect(gpt.l1Descriptor(at: PhysicalAddress(pa)) == .contiguous(.nonSecure, size: .size512MB))
        }
        #expect(gpt.compact().l1DescriptorWrites == 0)
        #expect(gpt.verifyContiguity())
    }

    @Test(
        "an aligned run is written as the largest contiguous descriptor it covers",
        arguments: GPTContiguousSize.allCases)
    func alignedRunFuses(size: GPTContiguousSize) throws {
        let bytes = size.bytes
        let gpt = try makeStandardGPT()
        let base = PhysicalAddress(GiB)
        let result = gpt.delegate(base, count: bytes >> 12)
        #expect(result.stop == .completed)
        #expect(gpt.l1Descriptor(at: base) == .contiguous(.realm, size: size))
        #expect(gpt.l1Descriptor(at: base + (bytes - 4096)) == .contiguous(.realm, size: size))
        #expect(gpt.gpi(at: base + bytes) == .nonSecure)
        #expect(gpt.verifyContiguity())
    }

    @Test("fusing stops at the configured largest block, and can be switched off")
    func fuseLimit() throws {
        let limited = try makeStandardGPT(options: GPTOptions(largestContiguousBlock: .size2MB))
        #expect(limited.l1Descriptor(at: PhysicalAddress(0)) == .contiguous(.nonSecure, size: .size2MB))
        _ = limited.delegate(PhysicalAddress(0), count: GiB >> 12)
        #expect(limited.l1Descriptor(at: PhysicalAddress(100 * MiB)) == .contiguous(.realm, size: .size2MB))
        let off = try makeStandardGPT(options: GPTOptions(largestContiguousBlock: nil))
        _ = off.delegate(PhysicalAddress(0), count: 1024)
        #expect(off.l1Descriptor(at: PhysicalAddress(0)) == .granules(GPTL1Granules(repeating: .realm)))
        #expect(off.l1Descriptor(at: PhysicalAddress(8 * MiB)) == .granules(GPTL1Granules(repeating: .nonSecure)))
        #expect(off.verifyContiguity() && limited.verifyContiguity())
    }

    @Test("a run stops at the first granule that is not NS and reports how many changed before it")
    func wrongSourceStops() throws {
        let gpt = try makeStandardGPT()
        _ = gpt.delegate(PhysicalAddress(0x5000), count: 1)
        let result = gpt.delegate(PhysicalAddress(0x1000), count: 10)
        #expect(result.processed == 4)
        #expect(result.stop == .wrongSourceGPI(at: PhysicalAddress(0x5000), found: .realm))
        #expect(gpt.gpi(at: PhysicalAddress(0x6000)) == .nonSecure)
        let back = gpt.undelegate(PhysicalAddress(0), count: 3)
        #expect(back.processed == 0 && back.stop == .wrongSourceGPI(at: PhysicalAddress(0), found: .nonSecure))
    }

    @Test("a run that reaches a Block region stops there with no L1 table")
    func noL1Table() throws {
        let gpt = try makeStandardGPT()
        let result = gpt.delegate(PhysicalAddress(2 * GiB - 8 * 4096), count: 16)
        #expect(result.processed == 8)
        #expect(result.stop == .noL1Table(at: PhysicalAddress(2 * GiB)))
    }

    @Test("misaligned bases, zero counts and runs past PPS change nothing")
    func refusedRuns() throws {
        let gpt = try makeStandardGPT()
        #expect(gpt.delegate(PhysicalAddress(0x1001), count: 1).stop == .misaligned(PhysicalAddress(0x1001)))
        #expect(gpt.delegate(PhysicalAddress(0x1000), count: 0).stop == .invalidCount)
        let past = gpt.delegate(PhysicalAddress(64 * GiB - 4096), count: 2)
        #expect(past.processed == 0 && past.stop == .beyondPPS(at: PhysicalAddress(64 * GiB)))
        #expect(gpt.delegate(PhysicalAddress(0), count: UInt64.max).stop == .beyondPPS(at: PhysicalAddress(64 * GiB)))
        #expect(gpt.gpi(at: PhysicalAddress(0x1000)) == .nonSecure)
    }

    @Test("a run across 512 MB lock blocks and L0 regions changes every granule")
    func acrossBlocks() throws {
        let gpt = try makeStandardGPT()
        let base = PhysicalAddress(GiB - 3 * MiB + 0x3000)
        let count = (700 * MiB) >> 12
        let result = gpt.delegate(base, count: count)
        #expect(result.processed == count && result.stop == .completed)
        #expect(gpt.gpi(at: PhysicalAddress(base.rawValue - 4096)) == .nonSecure)
        #expect(gpt.gpi(at: base) == .realm)
        #expect(gpt.gpi(at: PhysicalAddress(base.rawValue + (count << 12) - 4096)) == .realm)
        #expect(gpt.gpi(at: PhysicalAddress(base.rawValue + (count << 12))) == .nonSecure)
        #expect(gpt.verifyContiguity())
    }

    @Test("16 KB and 64 KB granules shatter and fuse the same way", arguments: [GranuleSize.size16KB, .size64KB])
    func otherGranuleSizes(size: GranuleSize) throws {
        let gpt = try GranuleProtectionTable(
            gpccr: GPCCR(pps: .bits32, pgs: size, l0gptsz: .size1GB),
            regions: [
                .granular(
                    try GranuleRange(base: PhysicalAddress(0), size: GiB, granuleSize: size), initialGPI: .nonSecure)
            ],
            l1Base: PhysicalAddress(0x1000))
        let pa = PhysicalAddress(3 * size.bytes)
        #expect(gpt.delegate(pa, count: 1).stop == .completed)
        #expect(gpt.gpi(at: pa) == .realm)
        #expect(gpt.gpi(at: PhysicalAddress(2 * size.bytes)) == .nonSecure)
        #expect(gpt.l1Descriptor(at: PhysicalAddress(64 * MiB)) == .contiguous(.nonSecure, size: .size32MB))
        #expect(gpt.verifyContiguity())
        #expect(gpt.undelegate(pa, count: 1).stop == .completed)
        #expect(gpt.l1Descriptor(at: pa) == .contiguous(.nonSecure, size: .size2MB))
        _ = gpt.compact()
        #expect(gpt.l1Descriptor(at: pa) == .contiguous(.nonSecure, size: .size512MB))
    }
}
