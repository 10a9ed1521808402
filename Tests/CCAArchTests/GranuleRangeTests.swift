import CCAArch
import Testing

@Suite("GranuleRange")
struct GranuleRangeTests {
    @Test("a range from base and size spans exactly those granules")
    func rangeFromBaseAndSize() throws {
        let range = try GranuleRange(base: PhysicalAddress(0x8000_0000), size: 0x20_0000)
        #expect(range.top == PhysicalAddress(0x8020_0000))
        #expect(range.granuleCount == 512)
        #expect(range.contains(PhysicalAddress(0x801F_F000)))
        #expect(!range.contains(PhysicalAddress(0x8020_0000)))
    }

    @Test("a size of zero forms an empty range, not an error")
    func zeroSizeIsEmpty() throws {
        let range = try GranuleRange(base: PhysicalAddress(0x8000_0000), size: 0)
        #expect(range.isEmpty)
        #expect(range.granuleCount == 0)
    }

    @Test(
        "base plus size past 2^64 is an overflow error, never a silent empty range",
        arguments: [
            (UInt64(0xFFFF_FFFF_FFFF_F000), UInt64(0x2000)),
            (UInt64(0x8000_0000), UInt64(0xFFFF_FFFF_8000_0000)),
            (UInt64(0x1000), UInt64(0xFFFF_FFFF_FFFF_F000)),
        ])
    func wrapAroundIsRejected(base: UInt64, size: UInt64) {
        #expect(throws: GranuleRangeError.overflow(base: PhysicalAddress(base), size: size)) {
            try GranuleRange(base: PhysicalAddress(base), size: size)
        }
    }

    @Test("a range may end one granule below the top of the 64-bit address space")
    func lastGranuleBelowTopOfAddressSpace() throws {
        let range = try GranuleRange(base: PhysicalAddress(0xFFFF_FFFF_FFFF_E000), size: 0x1000)
        #expect(range.top == PhysicalAddress(0xFFFF_FFFF_FFFF_F000))
    }

    @Test("a misaligned base is rejected", arguments: [UInt64(1), 0x800, 0xFFF, 0x8000_0800])
    func misalignedBase(base: UInt64) {
        #expect(throws: GranuleRangeError.unalignedBase(PhysicalAddress(base))) {
            try GranuleRange(base: PhysicalAddress(base), size: 0x1000)
        }
    }

    @Test("a size that is not a multiple of the granule is rejected", arguments: [UInt64(1), 0x800, 0x1001])
    func misalignedSize(size: UInt64) {
        #expect(throws: GranuleRangeError.unalignedSize(size)) {
            try GranuleRange(base: PhysicalAddress(0x8000_0000), size: size)
        }
    }

    @Test("alignment follows the granule size", arguments: GranuleSize.allCases)
    func alignmentFollowsGranuleSize(granule: GranuleSize) throws {
        let range = try GranuleRange(base: PhysicalAddress(granule.bytes), size: granule.bytes, granuleSize: granule)
        #expect(range.granuleCount == 1)
        if granule != .size4KB {
            #expect(throws: GranuleRangeError.self) {
                try GranuleRange(base: PhysicalAddress(0x1000), size: granule.bytes, granuleSize: granule)
            }
        }
    }

    @Test("a top below base is rejected")
    func reversedRange() {
        #expect(throws: GranuleRangeError.empty) {
            try GranuleRange(base: PhysicalAddress(0x2000), top: PhysicalAddress(0x1000))
        }
    }

    @Test("a suffix starts at the given address and clamps to the range")
    func suffix() throws {
        let range = try GranuleRange(base: PhysicalAddress(0x1000), size: 0x4000)
        #expect(range.suffix(from: PhysicalAddress(0x3000)).granuleCount == 2)
        #expect(range.suffix(from: PhysicalAddress(0x9000)).isEmpty)
        #expect(range.suffix(from: PhysicalAddress(0)) == range)
    }
}

@Suite("GranuleSize")
struct GranuleSizeTests {
    @Test("RmiGranuleSize and GPCCR_EL3.PGS encodings round-trip", arguments: GranuleSize.allCases)
    func encodingsRoundTrip(size: GranuleSize) {
        #expect(GranuleSize(rmiEncoding: size.rmiEncoding) == size)
        #expect(GranuleSize(pgsEncoding: size.pgsEncoding) == size)
        #expect(GranuleSize(bytes: size.bytes) == size)
    }

    @Test("PGS uses the architecture's order: 0b00 4KB, 0b01 64KB, 0b10 16KB")
    func pgsOrder() {
        #expect(GranuleSize.size4KB.pgsEncoding == 0b00)
        #expect(GranuleSize.size64KB.pgsEncoding == 0b01)
        #expect(GranuleSize.size16KB.pgsEncoding == 0b10)
    }

    @Test("reserved encodings are rejected")
    func reservedEncodings() {
        #expect(GranuleSize(rmiEncoding: 3) == nil)
        #expect(GranuleSize(rmiEncoding: 0x100) == nil)
        #expect(GranuleSize(pgsEncoding: 0b11) == nil)
        #expect(GranuleSize(bytes: 0x2000) == nil)
    }
}

@Suite("BitField")
struct BitFieldTests {
    @Test("a field reads and writes only its bits")
    func fieldIsolation() {
        var word: UInt64 = ~0
        word[bits: 8..<16] = 0x5A
        #expect(word == 0xFFFF_FFFF_FFFF_5AFF)
        #expect(word[bits: 8..<16] == 0x5A)
        word[bit: 63] = false
        #expect(word >> 63 == 0)
    }

    @Test("a full-width field is the whole word")
    func fullWidth() {
        var word: UInt64 = 0
        word[bits: 0..<64] = 0xDEAD_BEEF_0123_4567
        #expect(word == 0xDEAD_BEEF_0123_4567)
        #expect(UInt64.mask(bits: 0..<64) == ~0)
    }
}
