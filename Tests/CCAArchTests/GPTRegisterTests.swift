import CCAArch
import Testing

@Suite("GPCCR_EL3 and its geometry fields")
struct GPTRegisterTests {
    @Test(
        "each PPS encoding names the protected address width of the spec's table",
        arguments: [(0b000, 32), (0b001, 36), (0b010, 40), (0b011, 42), (0b100, 44), (0b101, 48), (0b110, 52)])
    func ppsTable(encoding: UInt64, bits: Int) throws {
        let pps = try #require(ProtectedPhysicalAddressSize(rawValue: encoding))
        #expect(pps.bits == bits)
        #expect(pps.limit == 1 << UInt64(bits))
        #expect(ProtectedPhysicalAddressSize(bits: bits) == pps)
    }

    @Test("the reserved PPS encoding and unlisted widths are rejected", arguments: [UInt64(0b111), 8, 0xFF])
    func reservedPPS(encoding: UInt64) {
        #expect(ProtectedPhysicalAddressSize(rawValue: encoding) == nil)
    }

    @Test("widths the PPS table does not list have no encoding", arguments: [0, 31, 33, 39, 41, 50, 53, 64])
    func unlistedWidths(bits: Int) {
        #expect(ProtectedPhysicalAddressSize(bits: bits) == nil)
    }

    @Test(
        "L0GPTSZ v means one L0 entry covers 2^(30+v) bytes, for the four defined sizes",
        arguments: [(UInt64(0), 30), (4, 34), (6, 36), (9, 39)])
    func l0Sizes(encoding: UInt64, shift: Int) throws {
        let size = try #require(L0GPTSize(rawValue: encoding))
        #expect(size.shift == shift)
        #expect(size.bytes == 1 << UInt64(shift))
        #expect(L0GPTSize(shift: shift) == size)
    }

    @Test("reserved L0GPTSZ encodings are rejected", arguments: [UInt64(1), 2, 3, 5, 7, 8, 10, 15])
    func reservedL0Sizes(encoding: UInt64) {
        #expect(L0GPTSize(rawValue: encoding) == nil)
    }

    @Test(
        "every GPCCR_EL3 field reads back what was written, at its architectural bit position",
        arguments: ProtectedPhysicalAddressSize.allCases, GranuleSize.allCases)
    func gpccrRoundTrip(pps: ProtectedPhysicalAddressSize, pgs: GranuleSize) {
        for l0 in L0GPTSize.allCases {
            var register = GPCCR(pps: pps, pgs: pgs, l0gptsz: l0, gpc: true, nso: true)
            register.irgn = 0b01
            register.orgn = 0b10
            register.sh = 0b11
            #expect(register.pps == pps)
            #expect(register.pgs == pgs)
            #expect(register.l0gptsz == l0)
            #expect(register.gpc && register.nso && !register.gpcp)
            #expect(register.isValid)
            let expected =
                pps.rawValue | 0b01 << 8 | 0b10 << 10 | 0b11 << 12 | pgs.pgsEncoding << 14 | 1 << 16 | 1 << 19
                | l0.rawValue << 20
            #expect(register.rawValue == expected)
            #expect(GPCCR(rawValue: expected) == register)
        }
    }

    @Test("a GPCCR_EL3 with a reserved PPS, PGS or L0GPTSZ is not valid")
    func reservedGPCCRFields() {
        let good = GPCCR(pps: .bits40, pgs: .size4KB, l0gptsz: .size1GB)
        #expect(good.isValid)
        #expect(!GPCCR(rawValue: good.rawValue | 0b111).isValid)
        #expect(!GPCCR(rawValue: good.rawValue | 0b11 << 14).isValid)
        #expect(!GPCCR(rawValue: good.rawValue | 0b0011 << 20).isValid)
        #expect(GPCCR(rawValue: good.rawValue | 0b0011 << 20).l0gptsz == nil)
    }
}
