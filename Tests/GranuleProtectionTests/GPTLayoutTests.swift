import CCAArch
import GranuleProtection
import Testing

/// (PGS, L0GPTSZ, bytes of one L1 table).
let l1TableSizes: [(GranuleSize, L0GPTSize, UInt64)] = [
    (.size4KB, .size1GB, 128 << 10), (.size16KB, .size1GB, 32 << 10), (.size64KB, .size1GB, 8 << 10),
    (.size4KB, .size16GB, 2 << 20),
]

@Suite("GPT layout at boot")
struct GPTLayoutTests {
    @Test("granule-protected regions get L1 tables and the rest stay Block descriptors")
    func bootLayout() throws {
        let gpt = try makeStandardGPT()
        #expect(gpt.l0EntryCount == 64)
        #expect(gpt.l0TableBytes == 512)
        #expect(gpt.l1TableBytes == 128 * KiB)
        #expect(gpt.l1TableCount == 2)
        #expect(gpt.l1MemoryBytes == 256 * KiB)
        #expect(gpt.l0Descriptor(at: 0) == .table(l1Address: PhysicalAddress(0x8_0000_0000)))
        #expect(gpt.l0Descriptor(at: 1) == .table(l1Address: PhysicalAddress(0x8_0000_0000 + 128 * KiB)))
        #expect(gpt.l0Descriptor(at: 2) == .block(.nonSecure))
        #expect(gpt.l0Descriptor(at: 63) == .block(.noAccess))
        #expect(gpt.l0DescriptorBits(at: 2) == 0b1001_0001)
        #expect(gpt.l1DescriptorBits(at: PhysicalAddress(2 * GiB)) == nil)
        #expect(gpt.l1Descriptor(at: PhysicalAddress(0x1234_5000)) == .contiguous(.nonSecure, size: .size512MB))
        #expect(gpt.verifyContiguity())
    }

    @Test("128 KiB of L1 per GiB of granule-protected memory and nothing for block-mapped memory")
    func l1MemoryPerGiB() throws {
        let gpt = try GranuleProtectionTable(
            gpccr: GPCCR(pps: .bits40, pgs: .size4KB, l0gptsz: .size1GB),
            regions: [.granular(try GranuleRange(base: PhysicalAddress(0), size: 64 * GiB), initialGPI: .nonSecure)],
            defaultGPI: .nonSecure, l1Base: PhysicalAddress(0x1000))
        #expect(gpt.l1TableCount == 64)
        #expect(gpt.l1MemoryBytes == 64 * 128 * KiB)
    }

    @Test(
        "the L1 table size follows PGS and L0GPTSZ: 2^(S-P) granules at 4 bits",
        arguments: l1TableSizes)
    func l1TableSize(pgs: GranuleSize, l0: L0GPTSize, bytes: UInt64) throws {
        let gpt = try GranuleProtectionTable(
            gpccr: GPCCR(pps: .bits40, pgs: pgs, l0gptsz: l0), regions: [], l1Base: PhysicalAddress(0))
        #expect(gpt.l1TableBytes == bytes)
        #expect(gpt.l1TableCount == 0)
    }

    @Test("a boot region that is not L0 aligned is a configuration error")
    func misalignedRegion() throws {
        let range = try GranuleRange(base: PhysicalAddress(0x20_0000), size: GiB)
        #expect(throws: GPTConfigurationError.regionNotL0Aligned(range)) {
            try GranuleProtectionTable(
                gpccr: GPCCR(pps: .bits36, pgs: .size4KB, l0gptsz: .size1GB),
                regions: [.granular(range, initialGPI: .nonSecure)], l1Base: PhysicalAddress(0))
        }
    }

    @Test("overlapping boot regions, regions beyond PPS and reserved GPIs are configuration errors")
    func badRegions() throws {
        let gpccr = GPCCR(pps: .bits32, pgs: .size4KB, l0gptsz: .size1GB)
        let first = try GranuleRange(base: PhysicalAddress(0), size: 2 * GiB)
        let second = try GranuleRange(base: PhysicalAddress(GiB), size: GiB)
        #expect(throws: GPTConfigurationError.regionsOverlap(second)) {
            try GranuleProtectionTable(
                gpccr: gpccr, regions: [.granular(first, initialGPI: .nonSecure), .block(second, gpi: .secure)],
                l1Base: PhysicalAddress(0))
        }
        let beyond = try GranuleRange(base: PhysicalAddress(4 * GiB), size: GiB)
        #expect(throws: GPTConfigurationError.regionOutOfRange(beyond)) {
            try GranuleProtectionTable(
                gpccr: gpccr, regions: [.block(beyond, gpi: .secure)], l1Base: PhysicalAddress(0))
        }
        let reserved = GPI(rawValue: 0b0010)!
        #expect(throws: GPTConfigurationError.reservedGPI(reserved)) {
            try GranuleProtectionTable(gpccr: gpccr, regions: [], defaultGPI: reserved, l1Base: PhysicalAddress(0))
        }
    }

    @Test("a GPCCR_EL3 with reserved fields or a PPS below one L0 region is refused")
    func badGPCCR() {
        let reserved = GPCCR(rawValue: 0b111)
        #expect(throws: GPTConfigurationError.reservedGPCCREncoding(reserved)) {
            try GranuleProtectionTable(gpccr: reserved, regions: [], l1Base: PhysicalAddress(0))
        }
        let small = GPCCR(pps: .bits32, pgs: .size4KB, l0gptsz: .size512GB)
        #expect(throws: GPTConfigurationError.ppsSmallerThanL0Region(small)) {
            try GranuleProtectionTable(gpccr: small, regions: [], l1Base: PhysicalAddress(0))
        }
    }

    @Test("a lock block smaller than the largest contiguous block or larger than an L0 region is refused")
    func badLockBlock() {
        let gpccr = GPCCR(pps: .bits36, pgs: .size4KB, l0gptsz: .size1GB)
        for shift in [25, 31] {
            #expect(throws: GPTConfigurationError.invalidLockBlockShift(shift)) {
                try GranuleProtectionTable(
                    gpccr: gpccr, regions: [], l1Base: PhysicalAddress(0), options: GPTOptions(lockBlockShift: shift))
            }
        }
    }
}
