import CCAArch
public import GranuleProtection

/// Why a machine could not be built, as a sentence a user can act on.
public enum MachineError: Error, CustomStringConvertible, Sendable {
    case configuration(PlatformConfigurationError)
    case memory(PhysicalMemoryError)
    case gpt(GPTConfigurationError)
    /// No gap below 2^52 (the reach of an L0 Table descriptor) is large enough for the platform's L1 tables.
    case noRoomForL1Tables(bytes: UInt64)

    public var description: String {
        switch self {
        case .configuration(let error): "invalid platform: \(error)"
        case .memory(let error): "cannot reserve physical memory: \(error)"
        case .gpt(let error): "cannot build the GPT: \(error.sentence)"
        case .noRoomForL1Tables(let bytes):
            "cannot build the GPT: the platform's L1 tables need \(hex(bytes)) bytes below 2^52 that no DRAM or "
                + "device region uses, and there is no such gap"
        }
    }
}

extension GPTConfigurationError {
    /// The failure in words: what EL3 found wrong with the boot layout.
    var sentence: String {
        switch self {
        case .reservedGPCCREncoding(let gpccr):
            "GPCCR_EL3 \(hex(gpccr.rawValue)) holds a reserved PPS, PGS or L0GPTSZ encoding"
        case .ppsSmallerThanL0Region:
            "the protected physical address space is smaller than one L0 GPT region"
        case .invalidLockBlockShift(let shift):
            "a GPT lock block of 2^\(shift) bytes is not between the largest contiguous block and one L0 region"
        case .regionNotL0Aligned(let range):
            "the boot region \(Self.describe(range)) does not start and end on L0 region boundaries"
        case .regionOutOfRange(let range):
            "the boot region \(Self.describe(range)) is empty or reaches beyond the protected physical address space"
        case .regionsOverlap(let range):
            "the boot region \(Self.describe(range)) overlaps another"
        case .reservedGPI(let gpi):
            "the GPI \(gpi.name) cannot be written in a GPT descriptor"
        case .l1BaseMisaligned(let address):
            "the L1 tables' address \(hex(address.rawValue)) is not 4 KiB aligned below 2^52, where an L0 Table "
                + "descriptor can point"
        case .granuleSizeMismatch(let range):
            "the boot region \(Self.describe(range)) uses \(range.granuleSize.bytes >> 10) KiB granules, not "
                + "GPCCR_EL3.PGS"
        }
    }

    private static func describe(_ range: GranuleRange) -> String {
        "[\(hex(range.base.rawValue)), \(hex(range.top.rawValue)))"
    }
}
