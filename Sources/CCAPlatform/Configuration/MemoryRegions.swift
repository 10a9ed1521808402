public import CCAArch

/// A part of the physical address space the platform describes: `[base, base + size)`, named for diagnostics
/// (`DRAM0`, `MMIO0`), with the tracking category of what it holds: CONVENTIONAL for DRAM, DEV_COH or DEV_NCOH for
/// device memory the platform populates, NONE for an MMIO hole that holds no memory and can never be delegated.
public struct MemoryRegion: Hashable, Sendable {
    /// The name used in diagnostics and dumps.
    public var name: String
    /// The first byte of the region.
    public var base: PhysicalAddress
    /// The size in bytes.
    public var size: UInt64
    /// What the region holds (DEN0137 A2.3.4's tracking categories).
    public var category: TrackingCategory

    public init(name: String, base: PhysicalAddress, size: UInt64, category: TrackingCategory = .conventional) {
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
