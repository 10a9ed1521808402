public import CCAArch

/// Why a command-line address, size or region could not be read.
public enum PlatformValueParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Nothing to parse.
    case empty
    /// A character that is not a digit of the number's base (hexadecimal after `0x`, otherwise decimal).
    case invalidDigit(text: String)
    /// A suffix that is not a known size unit.
    case unknownUnit(text: String, unit: String)
    /// The value does not fit in 64 bits.
    case overflow(text: String)
    /// A region that is not written `BASE:SIZE`.
    case malformedRegion(text: String)
    /// A region whose `BASE + SIZE` passes 2^64.
    case regionOverflow(text: String)

    public var description: String {
        switch self {
        case .empty:
            "empty value: expected a number such as 0x8000_0000, 2147483648 or 2GiB"
        case .invalidDigit(let text):
            "'\(text)' is not a number: expected hexadecimal with 0x, or decimal, with optional _ separators"
        case .unknownUnit(let text, let unit):
            "'\(text)' has unknown unit '\(unit)': expected K, KiB, M, MiB, G, GiB, T, TiB, P or PiB"
        case .overflow(let text):
            "'\(text)' does not fit in 64 bits"
        case .malformedRegion(let text):
            "'\(text)' is not a region: expected BASE:SIZE such as 0x8000_0000:2GiB"
        case .regionOverflow(let text):
            "region '\(text)' ends beyond the 64-bit address space"
        }
    }
}

/// The parsers the command line uses for addresses, sizes and regions. Pure functions.
///
/// A number is hexadecimal after `0x` (or `0X`) and decimal otherwise; `_` may separate digits anywhere after
/// the first. A size unit may follow a number directly: `K`/`KiB` (2^10), `M`/`MiB` (2^20), `G`/`GiB` (2^30),
/// `T`/`TiB` (2^40), `P`/`PiB` (2^50), letters case-insensitive. Every unit is binary: `2G` is 2 GiB, never
/// 2 * 10^9, and the decimal spellings `KB`, `MB` and so on are rejected rather than guessed at. Anything that
/// does not fit in 64 bits is an error, never a wrapped value.
public enum PlatformValueParser {
    /// Reads an address or a size: `0x8000_0000`, `0x80000000`, `2147483648`, `2GiB`, `4K`, `0x2M`.
    public static func parseValue(_ text: some StringProtocol) throws(PlatformValueParseError) -> UInt64 {
        let whole = String(text)
        guard !whole.isEmpty else { throw .empty }
        var digits = Substring(whole)
        var radix: UInt64 = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        }
        // The number runs up to the first character that is neither a digit of the radix nor `_`.
        let numberEnd =
            digits.firstIndex { character in
                character != "_" && character.hexDigitValue.map { UInt64($0) < radix } != true
            } ?? digits.endIndex
        let number = digits[..<numberEnd]
        let unit = digits[numberEnd...]
        guard let first = number.first, first != "_" else { throw .invalidDigit(text: whole) }

        var value: UInt64 = 0
        for character in number where character != "_" {
            // The digit was checked against the radix when the number's end was found.
            let digit = UInt64(character.hexDigitValue!)
            let (shifted, overflowMultiply) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(digit)
            guard !overflowMultiply, !overflowAdd else { throw .overflow(text: whole) }
            value = sum
        }
        guard !unit.isEmpty else { return value }
        guard let shift = unitShift(unit) else {
            // A letter that is a decimal-invalid hex digit right after a decimal number (`12ab`) is a bad digit.
            if radix == 10, unit.first?.isLetter == false || unit.allSatisfy(\.isHexDigit) {
                throw .invalidDigit(text: whole)
            }
            throw .unknownUnit(text: whole, unit: String(unit))
        }
        guard value == 0 || value.leadingZeroBitCount >= shift else { throw .overflow(text: whole) }
        return value << UInt64(shift)
    }

    /// Reads an address.
    public static func parseAddress(_ text: some StringProtocol) throws(PlatformValueParseError) -> PhysicalAddress {
        PhysicalAddress(try parseValue(text))
    }

    /// Reads a region written `BASE:SIZE` (`0x8000_0000:2GiB`); `BASE + SIZE` must not pass 2^64.
    public static func parseRegion(
        _ text: some StringProtocol
    ) throws(PlatformValueParseError) -> (base: PhysicalAddress, size: UInt64) {
        let whole = String(text)
        let parts = whole.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw .malformedRegion(text: whole) }
        let base = try parseValue(parts[0])
        let size = try parseValue(parts[1])
        guard !base.addingReportingOverflow(size).overflow else { throw .regionOverflow(text: whole) }
        return (PhysicalAddress(base), size)
    }

    /// Reads the `--dram BASE:SIZE` options, in order, into conventional DRAM regions named DRAM0, DRAM1, ...
    ///
    /// Layout problems (overlap, alignment, size) are left to `PlatformConfiguration.validate()`, which names the
    /// regions these names give.
    public static func parseMemoryRegions(
        _ texts: [String], category: TrackingCategory = .conventional
    ) throws(PlatformValueParseError) -> [MemoryRegion] {
        var regions: [MemoryRegion] = []
        for (index, text) in texts.enumerated() {
            let region = try parseRegion(text)
            regions.append(MemoryRegion(name: "DRAM\(index)", base: region.base, size: region.size, category: category))
        }
        return regions
    }

    /// Reads the `--mmio BASE:SIZE` options, in order, into device regions named MMIO0, MMIO1, ...
    public static func parseMMIORegions(_ texts: [String]) throws(PlatformValueParseError) -> [MemoryRegion] {
        var regions: [MemoryRegion] = []
        for (index, text) in texts.enumerated() {
            let region = try parseRegion(text)
            regions.append(MemoryRegion(name: "MMIO\(index)", base: region.base, size: region.size, category: .none))
        }
        return regions
    }

    /// The shift of a size unit, or `nil` for an unknown one.
    static func unitShift(_ unit: Substring) -> Int? {
        switch unit.lowercased() {
        case "k", "kib": 10
        case "m", "mib": 20
        case "g", "gib": 30
        case "t", "tib": 40
        case "p", "pib": 50
        default: nil
        }
    }
}
