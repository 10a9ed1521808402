import CCAArch
import GranuleProtection
import Testing

@Suite("Host-created L1 tables")
struct GPTL1TableTests {
    @Test("creating an L1 table gives every granule the Block's GPI and publishes a Table descriptor")
    func create() throws {
        let gpt = try makeStandardGPT()
        let region = PhysicalAddress(2 * GiB)
        let table = PhysicalAddress(0x9_0000_0000)
        #expect(gpt.createL1Table(forRegionAt: region, l1Address: table) == .created(l1Address: table))
        #expect(gpt.l0Descriptor(at: 2) == .table(l1Address: table))
        #expect(gpt.l1TableCount == 3)
        #expect(gpt.gpi(at: PhysicalAddress(2 * GiB + 0x5000)) == .nonSecure)
        #expect(gpt.check(PhysicalAddress(2 * GiB + 0x5000), accessedBy: .realm)?.level == 1)
        #expect(gpt.delegate(PhysicalAddress(2 * GiB + 0x5000), count: 1).stop == .completed)
        #expect(gpt.createL1Table(forRegionAt: region, l1Address: table) == .alreadyTable)
    }

    @Test("destroying needs a homogeneous table and folds it back into a Block")
    func destroy() throws {
        let gpt = try makeStandardGPT()
        _ = gpt.delegate(PhysicalAddress(GiB + 0x7000), count: 1)
        #expect(
            gpt.destroyL1Table(forRegionAt: PhysicalAddress(GiB)) == .notHomogeneous(at: PhysicalAddress(GiB + 0x7000)))
        _ = gpt.undelegate(PhysicalAddress(GiB + 0x7000), count: 1)
        let outcome = gpt.destroyL1Table(forRegionAt: PhysicalAddress(GiB))
        #expect(outcome == .destroyed(l1Address: PhysicalAddress(0x8_0000_0000 + 128 * KiB), gpi: .nonSecure))
        #expect(gpt.l0Descriptor(at: 1) == .block(.nonSecure))
        #expect(gpt.l1TableCount == 1)
        #expect(gpt.check(PhysicalAddress(GiB + 0x7000), accessedBy: .realm)?.level == 0)
        #expect(gpt.delegate(PhysicalAddress(GiB), count: 1).stop == .noL1Table(at: PhysicalAddress(GiB)))
        #expect(gpt.destroyL1Table(forRegionAt: PhysicalAddress(GiB)) == .notTable)
    }

    @Test("a recreated table starts homogeneous again, whatever the parked memory held")
    func recreate() throws {
        let gpt = try makeStandardGPT()
        _ = gpt.delegate(PhysicalAddress(GiB), count: GiB >> 12)
        #expect(
            gpt.destroyL1Table(forRegionAt: PhysicalAddress(GiB))
                == .destroyed(
                    l1Address: PhysicalAddress(0x8_0000_0000 + 128 * KiB), gpi: .realm))
        gpt.overwriteL0Descriptor(at: 1, bits: GPTL0Descriptor.block(.nonSecure).rawValue)
        #expect(
            gpt.createL1Table(forRegionAt: PhysicalAddress(GiB), l1Address: PhysicalAddress(0x4000))
                == .created(
                    l1Address: PhysicalAddress(0x4000)))
        #expect(gpt.gpi(at: PhysicalAddress(GiB + 0x1000)) == .nonSecure)
        #expect(gpt.verifyContiguity())
    }

    @Test("misaligned regions, misaligned tables and regions beyond PPS are refused")
    func refused() throws {
        let gpt = try makeStandardGPT()
        #expect(
            gpt.createL1Table(forRegionAt: PhysicalAddress(2 * GiB + 4096), l1Address: PhysicalAddress(0))
                == .regionMisaligned)
        #expect(
            gpt.createL1Table(forRegionAt: PhysicalAddress(2 * GiB), l1Address: PhysicalAddress(0x10))
                == .backingMisaligned)
        #expect(gpt.createL1Table(forRegionAt: PhysicalAddress(64 * GiB), l1Address: PhysicalAddress(0)) == .beyondPPS)
        #expect(gpt.destroyL1Table(forRegionAt: PhysicalAddress(64 * GiB)) == .beyondPPS)
        gpt.overwriteL0Descriptor(at: 4, bits: 0)
        #expect(
            gpt.createL1Table(forRegionAt: PhysicalAddress(4 * GiB), l1Address: PhysicalAddress(0))
                == .malformedDescriptor)
    }
}
