import CCAArch
import Testing

@Suite("Stateful operation words")
struct SROValueTests {
    static let levelBytes: [(GranuleSize, [UInt64?])] = [
        (.size4KB, [1 << 12, 1 << 21, 1 << 30, 1 << 39]),
        (.size16KB, [1 << 14, 1 << 25, 1 << 36, 1 << 47]),
    ]

    @Test("block sizes follow the translation levels of each granule size", arguments: levelBytes)
    func blockSizes(granule: GranuleSize, bytes: [UInt64?]) {
        #expect(AddressBlockSize.allCases.map { $0.bytes(granule: granule) } == bytes)
    }

    @Test("64 KB granules have no L0 block")
    func noL0BlockFor64KB() {
        #expect(AddressBlockSize.level1.bytes(granule: .size64KB) == 1 << 42)
        #expect(AddressBlockSize.level0.bytes(granule: .size64KB) == nil)
    }

    @Test(
        "a donate request round-trips every field, including the field maxima",
        arguments: AddressBlockSize.allCases, [UInt16(0), 1, 16, OpMemDonateRequest.maxCount])
    func donateRequestRoundTrip(size: AddressBlockSize, count: UInt16) {
        for state in OpMemState.allCases {
            for contiguous in [false, true] {
                let request = OpMemDonateRequest(blockSize: size, count: count, contiguous: contiguous, state: state)
                #expect(OpMemDonateRequest(encoding: request.encoding) == request)
                #expect(request.encoding >> 19 == 0)
            }
        }
    }

    @Test("a donate request sits at the spec's bit positions")
    func donateRequestLayout() {
        let request = OpMemDonateRequest(blockSize: .level2, count: 16, contiguous: true, state: .undelegated)
        #expect(request.encoding == 1 | 16 << 2 | 1 << 16 | 1 << 17)
    }

    @Test(
        "a donate request with reserved bits or the reserved state is rejected",
        arguments: [UInt64(3) << 17, 1 << 19, 1 << 63])
    func donateRequestReserved(raw: UInt64) {
        #expect(OpMemDonateRequest(encoding: raw) == nil)
    }

    @Test(
        "an address range descriptor round-trips for every granule size",
        arguments: GranuleSize.allCases, OpMemState.allCases)
    func descriptorRoundTrip(granule: GranuleSize, state: OpMemState) throws {
        let maxCount = (UInt64(1) << AddressRangeDescriptor.countWidth(granule: granule)) - 1
        for count in [UInt64(0), 1, maxCount] {
            let desc = AddressRangeDescriptor(
                base: PhysicalAddress(0x8000_0000), blockSize: .level3, count: count, state: state)
            let raw = try #require(desc.encoding(granule: granule))
            #expect(try AddressRangeDescriptor(encoding: raw, granule: granule) == desc)
        }
    }

    @Test("a 4 KB descriptor has count in 11:2, address in 51:12 and state in 63:62")
    func descriptorLayout4KB() throws {
        let desc = AddressRangeDescriptor(
            base: PhysicalAddress(0x8_8000_0000), blockSize: .level2, count: 3, state: .undelegated)
        #expect(desc.encoding(granule: .size4KB) == 0x8_8000_0000 | 3 << 2 | 1 | 1 << 62)
        #expect(desc.byteCount(granule: .size4KB) == 3 << 21)
    }

    @Test("a count too wide for the granule's layout does not encode")
    func countTooWide() {
        let desc = AddressRangeDescriptor(
            base: PhysicalAddress(0), blockSize: .level3, count: 1 << 10, state: .delegated)
        #expect(desc.encoding(granule: .size4KB) == nil)
        #expect(desc.encoding(granule: .size16KB) != nil)
    }

    static let rejectedDescriptors: [(UInt64, AddressRangeDescriptorError)] = [
        (1 << 52 | 1 << 2, .reservedBitsSet),
        (3 << 62 | 1 << 2, .reservedState),
        (0x8000_1000 | 1 << 2 | 1, .misaligned),
        (0xF_FFFF_FFFF_F000 | 0x3FF << 2, .overflow),
    ]

    @Test("reserved and inconsistent descriptors are rejected", arguments: rejectedDescriptors)
    func rejected(raw: UInt64, error: AddressRangeDescriptorError) {
        #expect(throws: error) { try AddressRangeDescriptor(encoding: raw, granule: .size4KB) }
    }

    @Test("an L0 block descriptor is rejected for 64 KB granules")
    func l0BlockRejectedFor64KB() {
        #expect(throws: AddressRangeDescriptorError.unsupportedBlockSize) {
            try AddressRangeDescriptor(encoding: 3 | 1 << 2, granule: .size64KB)
        }
    }

    @Test("continue flags allow only bit 0")
    func continueFlags() {
        #expect(OpContinueFlags.keepGoing.isValid && OpContinueFlags.stop.isValid)
        #expect(!OpContinueFlags(rawValue: 2).isValid)
    }
}

@Suite("GPI and GPC faults")
struct GPIValueTests {
    @Test("the 10xx group permits exactly its own PAS", arguments: SecurityState.allCases)
    func onlyGroup(state: SecurityState) {
        for other in SecurityState.allCases {
            #expect(GPI.only(state).permits(other) == (other == state))
        }
        #expect(GPI.any.permits(state))
        #expect(!GPI.noAccess.permits(state))
    }

    @Test("GPI encodings above 4 bits do not exist")
    func gpiRange() {
        #expect(GPI(rawValue: 0x10) == nil)
        #expect(GPI(rawValue: 0xB) == .realm)
    }

    @Test("reserved encodings are not valid base encodings and permit nothing", arguments: [UInt8(1), 2, 3, 0xC, 0xE])
    func reservedGPI(raw: UInt8) throws {
        let gpi = try #require(GPI(rawValue: raw))
        #expect(!gpi.isValidBaseEncoding)
        #expect(SecurityState.allCases.allSatisfy { !gpi.permits($0) })
    }

    @Test(
        "GPCSC follows kind and level",
        arguments: [
            (GPCFaultKind.addressSize, UInt8(0), UInt8(0b000000)), (.walk, 0, 0b000100), (.walk, 1, 0b000101),
            (.gpf, 0, 0b001100), (.gpf, 1, 0b001101), (.externalAbort, 1, 0b010101),
        ])
    func gpcsc(kind: GPCFaultKind, level: UInt8, code: UInt8) {
        let fault = GPCFault(pa: PhysicalAddress(0), kind: kind, level: level, accessedBy: .nonSecure)
        #expect(fault.gpcsc == code)
    }
}
