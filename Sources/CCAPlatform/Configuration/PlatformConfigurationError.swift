public import CCAArch

/// Why a platform description cannot be modelled.
public enum PlatformConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The physical address size is not one GPCCR_EL3.PPS can encode (32, 36, 40, 42, 44, 48, 52).
    case unsupportedPhysicalAddressBits(Int)
    /// L0GPTSZ is not one the model supports (30, 34, 36, 39).
    case unsupportedL0GPTSize(Int)
    /// One L0 GPT entry would cover more than the whole protected physical address space.
    case l0GPTSizeExceedsPhysicalAddressSize(l0GPTSizeBits: Int, physicalAddressBits: Int)
    /// The platform has no DRAM region.
    case noDRAM
    /// The CPU count is outside 1...64.
    case cpuCountOutOfRange(Int)
    /// A region of size zero.
    case zeroSizeRegion(name: String)
    /// A region whose base or size is not a multiple of the granule size.
    case misalignedRegion(name: String, base: PhysicalAddress, size: UInt64, granuleSize: GranuleSize)
    /// A region that reaches beyond the physical address size (or past 2^64).
    case regionBeyondPhysicalAddressSize(name: String, base: PhysicalAddress, size: UInt64, physicalAddressBits: Int)
    /// Two regions share at least one byte.
    case overlappingRegions(first: String, second: String)
    /// Two regions carry the same name.
    case duplicateRegionName(String)
    /// The range work budget is zero: no range SMC could make progress.
    case zeroRangeWorkBudget
    /// An EL3 limit of zero granules per GPI change (EL3 must move at least one).
    case zeroEL3MaxGranules
    /// A memory bank with category NONE, or an MMIO region with a memory category.
    case regionCategory(name: String, category: TrackingCategory)
    /// A number of operation contexts per CPU outside 1...64.
    case operationContextsOutOfRange(Int)
    /// Memory banks of different categories in one tracking region of `size` bytes.
    case mixedTrackingRegion(first: String, second: String, size: UInt64)
    /// A tracking region size RmiRmmConfig cannot encode for the granule size.
    case unsupportedTrackingRegionSize(UInt64, granuleSize: GranuleSize)

    public var description: String {
        switch self {
        case .unsupportedPhysicalAddressBits(let bits):
            "unsupported physical address size \(bits) bits (supported: 32, 36, 40, 42, 44, 48, 52)"
        case .unsupportedL0GPTSize(let bits):
            "unsupported L0GPTSZ \(bits) bits (supported: 30, 34, 36, 39)"
        case .l0GPTSizeExceedsPhysicalAddressSize(let l0, let pa):
            "L0GPTSZ of \(l0) bits exceeds the physical address size of \(pa) bits"
        case .noDRAM:
            "the platform has no DRAM region"
        case .cpuCountOutOfRange(let count):
            "CPU count \(count) is outside 1...64"
        case .zeroSizeRegion(let name):
            "region \(name) has size zero"
        case .misalignedRegion(let name, let base, let size, let granule):
            "region \(name) [base \(hex(base.rawValue)), size \(hex(size))] is not aligned to the "
                + "\(granule.bytes >> 10) KiB granule"
        case .regionBeyondPhysicalAddressSize(let name, let base, let size, let bits):
            "region \(name) [base \(hex(base.rawValue)), size \(hex(size))] reaches beyond the \(bits)-bit "
                + "physical address space"
        case .overlappingRegions(let first, let second):
            "regions \(first) and \(second) overlap"
        case .duplicateRegionName(let name):
            "more than one region is named \(name)"
        case .zeroRangeWorkBudget:
            "the range work budget must be at least one granule"
        case .zeroEL3MaxGranules:
            "the EL3 limit (--el3-max-granules) must be at least one granule per call"
        case .regionCategory(let name, let category) where category == .none:
            "region \(name) is a memory bank with category NONE: memory is CONVENTIONAL, DEV_COH or DEV_NCOH"
        case .regionCategory(let name, let category):
            "region \(name) is an MMIO region with category \(category.name): MMIO holds no memory (NONE)"
        case .operationContextsOutOfRange(let count):
            "\(count) operation contexts per CPU is outside 1...64"
        case .mixedTrackingRegion(let first, let second, let size):
            "banks \(first) and \(second) hold different categories of memory but share a \(size >> 20) MiB "
                + "tracking region, which has one category"
        case .unsupportedTrackingRegionSize(let size, let granule):
            "unsupported tracking region size \(hex(size)) for \(granule.bytes >> 10) KiB granules (supported: "
                + (0...1).compactMap { RMMConfiguration.trackingRegionSize(encoding: $0, granuleSize: granule) }
                .map(hex).joined(separator: ", ") + ")"
        }
    }
}

/// `0x` and lowercase hexadecimal, the way every diagnostic of the platform prints an address.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
