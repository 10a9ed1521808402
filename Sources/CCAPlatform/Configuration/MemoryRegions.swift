public import CCAArch

/// What a DRAM region holds, as the RMM's layout view reports it (granule-delegation.md section 3, the tracking
/// region category).
@frozen
public enum MemoryCategory: Hashable, Sendable {
    /// Ordinary DRAM: the spec's CONVENTIONAL (0).
    case conventional
    /// Coherent device memory (CMEM): the spec's DEV_COH (2).
    case deviceCoherent

    /// The RMI tracking category encoding (2 bits).
    public var rmiEncoding: UInt64 {
        switch self {
        case .conventional: 0
        case .deviceCoherent: 2
        }
    }
}

/// A bank of memory the platform populates: `[base, base + size)`, named for diagnostics (`DRAM0`).
public struct DRAMRegion: Hashable, Sendable {
    /// The name used in diagnostics and dumps.
    public var name: String
    /// The first byte of the region.
    public var base: PhysicalAddress
    /// The size in bytes.
    public var size: UInt64
    public var category: MemoryCategory

    public init(name: String, base: PhysicalAddress, size: UInt64, category: MemoryCategory = .conventional) {
        self.name = name
        self.base = base
        self.size = size
        self.category = category
    }

    /// One past the last byte, or `nil` where `base + size` passes 2^64 (which validation rejects).
    public var top: PhysicalAddress? { base.adding(size) }

    /// Whether `pa` lies in the region.
    public func contains(_ pa: PhysicalAddress) -> Bool {
        pa >= base && pa.rawValue - base.rawValue < size
    }
}

/// A device (MMIO) region: part of the physical address space that is not memory and can never be delegated.
public struct DeviceRegion: Hashable, Sendable {
    /// The name used in diagnostics and dumps.
    public var name: String
    /// The first byte of the region.
    public var base: PhysicalAddress
    /// The size in bytes.
    public var size: UInt64

    public init(name: String, base: PhysicalAddress, size: UInt64) {
        self.name = name
        self.base = base
        self.size = size
    }

    /// One past the last byte, or `nil` where `base + size` passes 2^64 (which validation rejects).
    public var top: PhysicalAddress? { base.adding(size) }

    /// Whether `pa` lies in the region.
    public func contains(_ pa: PhysicalAddress) -> Bool {
        pa >= base && pa.rawValue - base.rawValue < size
    }
}

/// The largest block the GPT fuses granules into with contiguous descriptors (gpt.md section 2; TF-A's limit,
/// 512 MB by default).
@frozen
public enum ContiguousBlockSize: UInt64, CaseIterable, Hashable, Sendable {
    /// 2 MB blocks only.
    case size2MB = 0x20_0000
    /// Up to 32 MB blocks.
    case size32MB = 0x200_0000
    /// Up to 512 MB blocks (TF-A's default).
    case size512MB = 0x2000_0000

    /// The block size in bytes.
    public var bytes: UInt64 { rawValue }
}
