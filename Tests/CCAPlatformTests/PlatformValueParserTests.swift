import CCAArch
import CCAPlatform
import Testing

@Suite("PlatformValueParser")
struct PlatformValueParserTests {
    static let valid: [(String, UInt64)] = [
        ("0x8000_0000", 0x8000_0000),
        ("0x80000000", 0x8000_0000),
        ("0X80000000", 0x8000_0000),
        ("0xffffffffffffffff", .max),
        ("2147483648", 0x8000_0000),
        ("1_000", 1000),
        ("0", 0),
        ("2GiB", 2 << 30),
        ("4KiB", 4 << 10),
        ("1TiB", 1 << 40),
        ("512MiB", 512 << 20),
        ("1PiB", 1 << 50),
        ("2G", 2 << 30),
        ("4K", 4 << 10),
        ("4k", 4 << 10),
        ("3m", 3 << 20),
        ("1t", 1 << 40),
        ("2gib", 2 << 30),
        ("0x2M", 2 << 20),
        ("16383PiB", 16383 << 50),
    ]

    @Test("addresses and sizes parse in hex, decimal and binary units", arguments: valid)
    func validValue(text: String, expected: UInt64) throws {
        #expect(try PlatformValueParser.parseValue(text) == expected)
    }

    static let invalid: [(String, PlatformValueParseError)] = [
        ("", .empty),
        ("0x", .invalidDigit(text: "0x")),
        ("_1", .invalidDigit(text: "_1")),
        ("0x_1", .invalidDigit(text: "0x_1")),
        ("12ab", .invalidDigit(text: "12ab")),
        ("1.5G", .invalidDigit(text: "1.5G")),
        ("-1", .invalidDigit(text: "-1")),
        (" 1", .invalidDigit(text: " 1")),
        ("2GB", .unknownUnit(text: "2GB", unit: "GB")),
        ("2KB", .unknownUnit(text: "2KB", unit: "KB")),
        ("0x10zz", .unknownUnit(text: "0x10zz", unit: "zz")),
        ("4Kib ", .unknownUnit(text: "4Kib ", unit: "Kib ")),
        ("0x1_0000_0000_0000_0000", .overflow(text: "0x1_0000_0000_0000_0000")),
        ("18446744073709551616", .overflow(text: "18446744073709551616")),
        ("16384PiB", .overflow(text: "16384PiB")),
        ("0x8000000000000000K", .overflow(text: "0x8000000000000000K")),
    ]

    @Test("malformed, unknown-unit and overflowing values are typed errors", arguments: invalid)
    func invalidValue(text: String, expected: PlatformValueParseError) {
        #expect(throws: expected) { try PlatformValueParser.parseValue(text) }
    }

    @Test("a BASE:SIZE region parses into its base and size")
    func validRegion() throws {
        let region = try PlatformValueParser.parseRegion("0x8000_0000:2GiB")
        #expect(region.base == PhysicalAddress(0x8000_0000))
        #expect(region.size == 0x8000_0000)
        let decimal = try PlatformValueParser.parseRegion("4096:4096")
        #expect(decimal.base == PhysicalAddress(4096) && decimal.size == 4096)
    }

    static let invalidRegions: [(String, PlatformValueParseError)] = [
        ("0x8000_0000", .malformedRegion(text: "0x8000_0000")),
        (":2GiB", .malformedRegion(text: ":2GiB")),
        ("0x1000:", .malformedRegion(text: "0x1000:")),
        ("1:2:3", .malformedRegion(text: "1:2:3")),
        ("0xffffffffffff0000:1MiB", .regionOverflow(text: "0xffffffffffff0000:1MiB")),
        ("0x1000:2GB", .unknownUnit(text: "2GB", unit: "GB")),
        ("zz:1", .invalidDigit(text: "zz")),
    ]

    @Test("a region that is not BASE:SIZE, or wraps, is a typed error", arguments: invalidRegions)
    func invalidRegion(text: String, expected: PlatformValueParseError) {
        #expect(throws: expected) { try PlatformValueParser.parseRegion(text) }
    }

    @Test("--dram and --mmio lists become regions named in order, and rebuild the default platform")
    func regionLists() throws {
        let dram = try PlatformValueParser.parseMemoryRegions(["0x8000_0000:2GiB", "0x8_8000_0000:0x8000_0000"])
        let mmio = try PlatformValueParser.parseMMIORegions(["0:2G"])
        #expect(dram == PlatformConfiguration.default.dramRegions)
        #expect(mmio == PlatformConfiguration.default.mmioRegions)
        let coherent = try PlatformValueParser.parseMemoryRegions(["0x1_0000_0000:1G"], category: .deviceCoherent)
        #expect(
            coherent == [
                MemoryRegion(name: "DRAM0", base: PhysicalAddress(1 << 32), size: 1 << 30, category: .deviceCoherent)
            ])
        #expect(throws: PlatformValueParseError.malformedRegion(text: "1G")) {
            try PlatformValueParser.parseMemoryRegions(["0:1G", "1G"])
        }
    }

    @Test("parse errors describe themselves on one line quoting the input")
    func errorDescriptions() {
        for (text, error) in Self.invalid where !text.isEmpty {
            #expect(error.description.contains(text))
            #expect(!error.description.contains("\n"))
        }
    }
}
