import CCAArch
import CCAPlatform
import Testing

@Suite("PlatformConfiguration")
struct PlatformConfigurationTests {
    @Test("the default platform is the one serve-protocol.md describes, and it validates")
    func defaultPlatform() throws {
        let configuration = PlatformConfiguration.default
        #expect(configuration.physicalAddressBits == 40)
        #expect(configuration.granuleSize == .size4KB)
        #expect(configuration.l0GPTSizeBits == 30)
        #expect(configuration.cpuCount == 4)
        #expect(configuration.dramRegions.map(\.name) == ["DRAM0", "DRAM1"])
        #expect(configuration.dramRegions[0].base == PhysicalAddress(0x8000_0000))
        #expect(configuration.dramRegions[0].top == PhysicalAddress(0x1_0000_0000))
        #expect(configuration.dramRegions[1].base == PhysicalAddress(0x8_8000_0000))
        #expect(configuration.dramRegions[1].top == PhysicalAddress(0x9_0000_0000))
        #expect(configuration.dramRegions.allSatisfy { $0.category == .conventional })
        #expect(configuration.mmioRegions.count == 1)
        #expect(configuration.mmioRegions[0].base == PhysicalAddress(0))
        #expect(configuration.mmioRegions[0].size == 0x8000_0000)
        #expect(configuration.strictRangeState == false)
        #expect(configuration.rangeWorkBudget == 262_144)
        #expect(configuration.largestContiguousBlock == .size512MB)
        #expect(configuration.hostCreatedL1Tables == false)
        #expect(configuration.physicalAddressSpaceSize == 1 << 40)
        #expect(configuration.l0RegionSize == 1 << 30)
        try configuration.validate()
    }

    @Test("the default platform's DRAM lies in four 1 GiB L0 regions")
    func defaultL0Regions() {
        #expect(
            PlatformConfiguration.default.l0RegionsContainingDRAM()
                == [0x8000_0000, 0xC000_0000, 0x8_8000_0000, 0x8_C000_0000].map(PhysicalAddress.init(rawValue:)))
    }

    @Test("a small region straddling an L0 boundary needs both L0 regions, a region inside one needs one")
    func l0RegionsOfSmallRegions() {
        let straddling = platform([MemoryRegion(name: "D", base: PhysicalAddress(0x3FFF_F000), size: 0x2000)])
        #expect(straddling.l0RegionsContainingDRAM() == [PhysicalAddress(0), PhysicalAddress(0x4000_0000)])
        let inside = platform([MemoryRegion(name: "D", base: PhysicalAddress(0x4000_1000), size: 0x1000)])
        #expect(inside.l0RegionsContainingDRAM() == [PhysicalAddress(0x4000_0000)])
    }

    @Test("the DRAM region containing an address is found, holes and MMIO have none")
    func dramLookup() {
        let configuration = PlatformConfiguration.default
        #expect(configuration.dramRegion(containing: PhysicalAddress(0x8000_0000))?.name == "DRAM0")
        #expect(configuration.dramRegion(containing: PhysicalAddress(0xFFFF_FFFF))?.name == "DRAM0")
        #expect(configuration.dramRegion(containing: PhysicalAddress(0x1_0000_0000)) == nil)
        #expect(configuration.dramRegion(containing: PhysicalAddress(0x8_8000_0000))?.name == "DRAM1")
        #expect(configuration.dramRegion(containing: PhysicalAddress(0x1000)) == nil)
        #expect(configuration.mmioRegion(containing: PhysicalAddress(0x1000))?.name == "MMIO0")
    }

    @Test(
        "every supported PA size and L0GPTSZ pair with L0GPTSZ within the PA size validates",
        arguments: [32, 36, 40, 42, 44, 48, 52])
    func supportedGeometry(bits: Int) throws {
        for l0 in PlatformConfiguration.supportedL0GPTSizeBits where l0 <= bits {
            var configuration = platform([MemoryRegion(name: "D", base: PhysicalAddress(0x8000_0000), size: 0x1000)])
            configuration.physicalAddressBits = bits
            configuration.l0GPTSizeBits = l0
            try configuration.validate()
        }
    }

    static let base = platform([MemoryRegion(name: "DRAM0", base: PhysicalAddress(0x8000_0000), size: 0x8000_0000)])

    static func with(_ change: (inout PlatformConfiguration) -> Void) -> PlatformConfiguration {
        var configuration = base
        change(&configuration)
        return configuration
    }

    static let invalidLayouts: [(PlatformConfiguration, PlatformConfigurationError)] = [
        (with { $0.physicalAddressBits = 39 }, .unsupportedPhysicalAddressBits(39)),
        (with { $0.physicalAddressBits = 64 }, .unsupportedPhysicalAddressBits(64)),
        (with { $0.l0GPTSizeBits = 31 }, .unsupportedL0GPTSize(31)),
        (
            with {
                $0.physicalAddressBits = 36
                $0.l0GPTSizeBits = 39
            }, .l0GPTSizeExceedsPhysicalAddressSize(l0GPTSizeBits: 39, physicalAddressBits: 36)
        ),
        (with { $0.dramRegions = [] }, .noDRAM),
        (with { $0.cpuCount = 0 }, .cpuCountOutOfRange(0)),
        (with { $0.cpuCount = 65 }, .cpuCountOutOfRange(65)),
        (with { $0.rangeWorkBudget = 0 }, .zeroRangeWorkBudget),
        (with { $0.el3MaxGranulesPerCall = 0 }, .zeroEL3MaxGranules),
        (with { $0.dramRegions[0].size = 0 }, .zeroSizeRegion(name: "DRAM0")),
        (
            with { $0.dramRegions[0].base = PhysicalAddress(0x8000_0800) },
            .misalignedRegion(
                name: "DRAM0", base: PhysicalAddress(0x8000_0800), size: 0x8000_0000, granuleSize: .size4KB)
        ),
        (
            with { $0.dramRegions[0].size = 0x1800 },
            .misalignedRegion(name: "DRAM0", base: PhysicalAddress(0x8000_0000), size: 0x1800, granuleSize: .size4KB)
        ),
        (
            with {
                $0.granuleSize = .size64KB
                $0.dramRegions[0].size = 0x1000
            },
            .misalignedRegion(name: "DRAM0", base: PhysicalAddress(0x8000_0000), size: 0x1000, granuleSize: .size64KB)
        ),
        (
            with {
                $0.physicalAddressBits = 32
                $0.dramRegions[0].size = 0x8000_1000
            },
            .regionBeyondPhysicalAddressSize(
                name: "DRAM0", base: PhysicalAddress(0x8000_0000), size: 0x8000_1000, physicalAddressBits: 32)
        ),
        (
            with {
                $0.mmioRegions = [
                    MemoryRegion(
                        name: "MMIO9", base: PhysicalAddress(0xFFFF_FFFF_FFFF_F000), size: 0x2000, category: .none)
                ]
            },
            .regionBeyondPhysicalAddressSize(
                name: "MMIO9", base: PhysicalAddress(0xFFFF_FFFF_FFFF_F000), size: 0x2000, physicalAddressBits: 48)
        ),
        (
            with {
                $0.dramRegions.append(MemoryRegion(name: "DRAM1", base: PhysicalAddress(0xFFFF_F000), size: 0x2000))
            },
            .overlappingRegions(first: "DRAM0", second: "DRAM1")
        ),
        (
            with {
                $0.mmioRegions = [
                    MemoryRegion(name: "UART", base: PhysicalAddress(0x7FFF_F000), size: 0x2000, category: .none)
                ]
            },
            .overlappingRegions(first: "UART", second: "DRAM0")
        ),
        (
            with {
                $0.mmioRegions = [MemoryRegion(name: "DRAM0", base: PhysicalAddress(0), size: 0x1000, category: .none)]
            },
            .duplicateRegionName("DRAM0")
        ),
        (with { $0.dramRegions[0].category = .none }, .regionCategory(name: "DRAM0", category: .none)),
        (
            with {
                $0.mmioRegions = [
                    MemoryRegion(name: "MMIO0", base: PhysicalAddress(0), size: 1 << 20, category: .deviceCoherent)
                ]
            },
            .regionCategory(name: "MMIO0", category: .deviceCoherent)
        ),
    ]

    @Test("an invalid layout is rejected with the error that names what is wrong", arguments: invalidLayouts)
    func invalidLayout(configuration: PlatformConfiguration, expected: PlatformConfigurationError) {
        #expect(throws: expected) { try configuration.validate() }
    }

    @Test("a region ending exactly at the top of the physical address space is valid")
    func regionEndingAtTop() throws {
        try Self.with { $0.physicalAddressBits = 32 }.validate()
    }

    @Test("regions that touch without overlapping are valid")
    func adjacentRegions() throws {
        let configuration = Self.with {
            $0.dramRegions.append(MemoryRegion(name: "DRAM1", base: PhysicalAddress(0x1_0000_0000), size: 0x1000))
            $0.mmioRegions = [MemoryRegion(name: "MMIO0", base: PhysicalAddress(0), size: 0x8000_0000, category: .none)]
        }
        try configuration.validate()
    }

    @Test("each configuration error has a one-line description naming its region")
    func errorDescriptions() {
        for (_, error) in Self.invalidLayouts {
            #expect(!error.description.isEmpty)
            #expect(!error.description.contains("\n"))
        }
        #expect(
            PlatformConfigurationError.overlappingRegions(first: "DRAM0", second: "DRAM1").description
                == "regions DRAM0 and DRAM1 overlap")
        #expect(
            PlatformConfigurationError.misalignedRegion(
                name: "DRAM7", base: PhysicalAddress(0x800), size: 0x1000, granuleSize: .size4KB
            ).description == "region DRAM7 [base 0x800, size 0x1000] is not aligned to the 4 KiB granule")
        #expect(PlatformConfigurationError.zeroSizeRegion(name: "DRAM3").description.contains("DRAM3"))
    }
}
