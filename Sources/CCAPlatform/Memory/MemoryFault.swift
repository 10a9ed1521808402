public import CCAArch

/// Why a memory access did not happen. A protocol outcome, returned as a value: a faulting access changes no byte.
public enum MemoryFault: Error, Hashable, Sendable, CustomStringConvertible {
    /// The granule protection check failed; the fault names the first failing address.
    case protection(GPCFault)
    /// The address is in no DRAM region (a hole or a device region): the model backs only DRAM with bytes, and a
    /// device access it does not model is refused rather than read as zero.
    case notMemory(PhysicalAddress)
    /// A negative byte count.
    case invalidLength(Int)

    public var description: String {
        switch self {
        case .protection(let fault):
            "granule protection fault (\(fault.kind.protocolName), level \(fault.level)) at \(hex(fault.pa.rawValue)) "
                + "for a \(fault.accessedBy.protocolName) access"
        case .notMemory(let pa):
            "no memory at \(hex(pa.rawValue))"
        case .invalidLength(let count):
            "invalid access length \(count)"
        }
    }
}

/// Why physical memory could not be set up.
public enum PhysicalMemoryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The configuration does not validate.
    case invalidConfiguration(PlatformConfigurationError)
    /// The host refused to reserve address space for a region (`mmap` failed with `errno`).
    case reservationFailed(region: String, size: UInt64, errno: Int32)

    public var description: String {
        switch self {
        case .invalidConfiguration(let error):
            "invalid platform configuration: \(error)"
        case .reservationFailed(let region, let size, let errno):
            "could not reserve \(hex(size)) bytes of address space for region \(region) (errno \(errno))"
        }
    }
}
