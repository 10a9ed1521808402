import CCAArch
import Testing

/// Every GPI a descriptor may carry.
let descriptorGPIs: [GPI] = [.noAccess, .secure, .nonSecure, .root, .realm, .nonSecureOnly, .any]
/// Encodings a descriptor must not carry (reserved in base RME, or GPC2-only).
let reservedGPIEncodings: [UInt8] = [0b0001, 0b0010, 0b0011, 0b0100, 0b0101, 0b0110, 0b0111, 0b1100, 0b1110]

/// L0 descriptors that must not decode: other types, RES0 bits set, reserved GPIs in a Block.
let rejectedL0Descriptors: [UInt64] = {
    let fixed: [UInt64] = [
        0, 0b0010, 0b0111, 0b1111, 0b0001 | 1 << 8, 0b0001 | 1 << 63, 0b0011 | 1 << 4, 0b0011 | 1 << 52,
        0b0011 | 1 << 63,
    ]
    let blocks: [UInt64] = reservedGPIEncodings.map { UInt64($0) << 4 | 0b0001 }
    return fixed + blocks
}()

/// Contiguous L1 descriptors that must not decode: size 00, RES0 bits set, reserved GPIs.
let rejectedContiguousDescriptors: [UInt64] = {
    let fixed: [UInt64] = [0b1001_0001, 0b01_1001_0001 | 1 << 10, 0b01_1001_0001 | 1 << 63]
    let gpis: [UInt64] = reservedGPIEncodings.map { 0b01 << 8 | UInt64($0) << 4 | 0b0001 }
    return fixed + gpis
}()

@Suite("GPT L0 and L1 descriptors")
struct GPTDescriptorTests {
    @Test("an L0 Block descriptor is 0b0001 with the GPI in bits 7:4 and decodes back", arguments: descriptorGPIs)
    func l0Block(gpi: GPI) {
        let descriptor = GPTL0Descriptor.block(gpi)
        #expect(descriptor.rawValue == UInt64(gpi.rawValue) << 4 | 0b0001)
        #expect(GPTL0Descriptor(rawValue: descriptor.rawValue) == descriptor)
    }

    @Test(
        "an L0 Table descriptor is 0b0011 with the L1 address in bits 51:12 and decodes back",
        arguments: [UInt64(0x1000), 0x8000_0000, 0x000F_FFFF_FFFF_F000])
    func l0Table(address: UInt64) {
        let descriptor = GPTL0Descriptor.table(l1Address: PhysicalAddress(address))
        #expect(descriptor.rawValue == address | 0b0011)
        #expect(GPTL0Descriptor(rawValue: descriptor.rawValue) == descriptor)
    }

    @Test(
        "L0 descriptors with another type, a reserved GPI or a set RES0 bit are rejected",
        arguments: rejectedL0Descriptors)
    func l0Rejected(raw: UInt64) {
        #expect(GPTL0Descriptor(rawValue: raw) == nil)
    }

    @Test(
        "an L1 Contiguous descriptor has 0b0001, the GPI in 7:4 and the size in 9:8, and decodes back",
        arguments: descriptorGPIs, GPTContiguousSize.allCases)
    func l1Contiguous(gpi: GPI, size: GPTContiguousSize) {
        let descriptor = GPTL1Descriptor.contiguous(gpi, size: size)
        #expect(descriptor.rawValue == size.rawValue << 8 | UInt64(gpi.rawValue) << 4 | 0b0001)
        #expect(GPTL1Descriptor(rawValue: descriptor.rawValue) == descriptor)
        #expect(descriptor.gpi(ofGranule: 15) == gpi)
    }

    @Test("contiguous sizes 01, 10, 11 are 2 MB, 32 MB and 512 MB")
    func contiguousSizes() {
        #expect(GPTContiguousSize.size2MB.bytes == 2 << 20)
        #expect(GPTContiguousSize.size32MB.bytes == 32 << 20)
        #expect(GPTContiguousSize.size512MB.bytes == 512 << 20)
        #expect(GPTContiguousSize(rawValue: 0) == nil)
    }

    @Test(
        "L1 Contiguous descriptors with size 00, a reserved GPI or a set RES0 bit are rejected",
        arguments: rejectedContiguousDescriptors)
    func l1ContiguousRejected(raw: UInt64) {
        #expect(GPTL1Descriptor(rawValue: raw) == nil)
    }

    @Test("an L1 Granules word holds granule i's GPI in bits 4i+3:4i and decodes back", arguments: descriptorGPIs)
    func l1Granules(gpi: GPI) throws {
        var granules = GPTL1Granules(repeating: .nonSecure)
        granules[5] = gpi
        granules[0] = .realm
        #expect(granules.rawValue[bits: 20..<24] == UInt64(gpi.rawValue))
        #expect(granules.rawValue[bits: 0..<4] == 0b1011)
        let decoded = try #require(GPTL1Descriptor(rawValue: granules.rawValue))
        #expect(decoded == .granules(granules))
        #expect(decoded.gpi(ofGranule: 5) == gpi)
        #expect(decoded.gpi(ofGranule: 6) == .nonSecure)
    }

    @Test("a Granules word with a reserved GPI in any nibble is rejected", arguments: reservedGPIEncodings)
    func l1GranulesRejected(encoding: UInt8) {
        for nibble in 1..<16 {
            var raw = GPTL1Granules(repeating: .realm).rawValue
            raw[bits: 4 * nibble..<4 * nibble + 4] = UInt64(encoding)
            #expect(GPTL1Descriptor(rawValue: raw) == nil)
            #expect(GPTL1Granules(rawValue: raw) == nil)
        }
    }
}
