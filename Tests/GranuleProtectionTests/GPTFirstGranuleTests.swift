import CCAArch
import GranuleProtection
import Testing

/// `firstGranule(from:to:whoseGPIIsNot:)` is the invariant checkers' fast form of a loop of `gpi(at:)`: it must stop
/// exactly where that loop would, on every kind of descriptor, malformed ones and addresses beyond PPS included.
@Suite("GranuleProtectionTable.firstGranule: where a loop of gpi(at:) stops")
struct GPTFirstGranuleTests {
    /// The loop the method replaces.
    func loop(_ gpt: GranuleProtectionTable, _ base: UInt64, _ top: UInt64, _ expected: GPI) -> PhysicalAddress? {
        var pa = base
        while pa < top {
            if gpt.gpi(at: PhysicalAddress(pa)) != expected { return PhysicalAddress(pa) }
            pa += 4 * KiB
        }
        return nil
    }

    /// The standard GPT with mixed, fused, shattered, malformed and reserved descriptors around the edges the
    /// ranges below cross: an L1 table's words, an L0 Block, an L0 region with a broken descriptor.
    func mixedGPT() throws -> GranuleProtectionTable {
        let gpt = try makeStandardGPT()
        _ = gpt.delegate(PhysicalAddress(0x1000), count: 3)
        _ = gpt.delegate(PhysicalAddress(0x20_0000), count: 512)  // a whole 2 MB block: fused Realm
        _ = gpt.delegate(PhysicalAddress(2 * GiB - 0x2000), count: 1)  // the last word of the L1 tables
        gpt.overwriteL1Descriptor(at: PhysicalAddress(0x40_0000), bits: invalidL1Descriptors[0])  // reserved nibble
        gpt.overwriteL1Descriptor(at: PhysicalAddress(0x41_0000), bits: invalidL1Descriptors[1])  // contiguous size 00
        gpt.overwriteL0Descriptor(at: 5, bits: invalidL0Descriptors[1])
        return gpt
    }

    @Test(
        "it stops where the loop stops, for every range around each kind of descriptor and each expected GPI",
        arguments: [GPI.nonSecure, .realm, .noAccess, .any])
    func agreesWithTheLoop(expected: GPI) throws {
        let gpt = try mixedGPT()
        let edges: [UInt64] = [
            0, 0x20_0000, 0x40_0000, 0x41_0000, 2 * GiB - 0x4000, 2 * GiB, 3 * GiB, 5 * GiB, 6 * GiB,
            64 * GiB - 0x4000,
        ]
        var random = SplitMix64(seed: UInt64(expected.rawValue))
        for edge in edges {
            for _ in 0..<24 {
                let below = random.next() % 64 * 0x1000
                let base = edge >= below ? edge - below : 0
                let top = base + (1 + random.next() % 96) * 0x1000
                #expect(
                    gpt.firstGranule(from: PhysicalAddress(base), to: PhysicalAddress(top), whoseGPIIsNot: expected)
                        == loop(gpt, base, top, expected),
                    "range [0x\(String(base, radix: 16)), 0x\(String(top, radix: 16)))")
            }
        }
    }

    @Test("a range over whole L0 regions (an L1 table, a Block, the default Block) is checked a region at a time")
    func wholeRegions() throws {
        let gpt = try makeStandardGPT()
        #expect(
            gpt.firstGranule(from: PhysicalAddress(0), to: PhysicalAddress(3 * GiB), whoseGPIIsNot: .nonSecure) == nil)
        #expect(
            gpt.firstGranule(from: PhysicalAddress(GiB), to: PhysicalAddress(4 * GiB), whoseGPIIsNot: .nonSecure)
                == PhysicalAddress(3 * GiB))
        _ = gpt.delegate(PhysicalAddress(GiB + 0x5000), count: 1)
        #expect(
            gpt.firstGranule(from: PhysicalAddress(0), to: PhysicalAddress(3 * GiB), whoseGPIIsNot: .nonSecure)
                == PhysicalAddress(GiB + 0x5000))
    }

    @Test("an empty range, or one past PPS, answers as the loop does")
    func emptyAndBeyondPPS() throws {
        let gpt = try makeStandardGPT()
        #expect(
            gpt.firstGranule(from: PhysicalAddress(0x5000), to: PhysicalAddress(0x5000), whoseGPIIsNot: .realm) == nil)
        #expect(
            gpt.firstGranule(from: PhysicalAddress(64 * GiB), to: PhysicalAddress(65 * GiB), whoseGPIIsNot: .noAccess)
                == PhysicalAddress(64 * GiB))
    }
}
