/// `srmm_region`: `[base, base + size)`. 16 bytes.
struct _CRegion {
    var base: UInt64
    var size: UInt64
}

/// `srmm_options`: the CLI's platform options; zero and NULL mean defaults. 176 bytes.
@unsafe
struct _COptions {
    /// The caller's `sizeof(srmm_options)`: how many bytes of the struct the library may read.
    var structSize: UInt64
    var dram: UnsafeRawPointer?
    var dramCount: UInt64
    var mmio: UnsafeRawPointer?
    var mmioCount: UInt64
    var paBits: UInt64
    var l0gptsz: UInt64
    var cpus: UInt64
    var seed: UInt64
    var strictRangeState: UInt64
    var budget: UInt64
    var activate: UInt64
    var hostL1Tables: UInt64
    var trackingRegionSize: UInt64 = 0
    var devNCoh: UnsafeRawPointer? = nil
    var devNCohCount: UInt64 = 0
    var devCoh: UnsafeRawPointer? = nil
    var devCohCount: UInt64 = 0
    var el3MaxGranules: UInt64 = 0
    var trackingMetadata: UInt64 = 0
    var sroContexts: UInt64 = 0
    var lockContention: UInt64 = 0

    /// All zero and NULL: the default platform.
    static var defaults: _COptions {
        unsafe _COptions(
            structSize: UInt64(MemoryLayout<_COptions>.size), dram: nil, dramCount: 0, mmio: nil, mmioCount: 0,
            paBits: 0, l0gptsz: 0, cpus: 0, seed: 0,
            strictRangeState: 0, budget: 0, activate: 0, hostL1Tables: 0, trackingRegionSize: 0)
    }

    /// The `struct_size` of every version of the struct: the first (up to `host_l1_tables`), the second (with
    /// `tracking_region_size`), the third (with the device memory banks), the fourth (with `el3_max_granules`,
    /// `tracking_metadata`, `sro_contexts` and `lock_contention`).
    static let versionSizes: [UInt64] = [104, 112, 144, 176]

    /// The options at `pointer`, reading only the `struct_size` bytes the caller's header had (the rest stays at
    /// its default); `nil` for a size no version had.
    static func load(from pointer: UnsafeRawPointer) -> _COptions? {
        let size = unsafe pointer.load(as: UInt64.self)
        guard unsafe versionSizes.contains(size), unsafe size <= UInt64(MemoryLayout<_COptions>.size) else {
            return nil
        }
        var values = unsafe defaults
        unsafe withUnsafeMutableBytes(of: &values) {
            unsafe $0.baseAddress!.copyMemory(from: pointer, byteCount: Int(size))
        }
        return unsafe values
    }
}

/// `srmm_fault`: where and why a memory access faulted. 24 bytes.
struct _CFault {
    var pa: UInt64
    var kind: UInt32
    var level: UInt32
    var gpcsc: UInt32
    var world: UInt32

    /// `srmm_fault_kind` values.
    static let kindNone: UInt32 = 0
    static let kindAddressSize: UInt32 = 1
    static let kindWalk: UInt32 = 2
    static let kindGPF: UInt32 = 3
    static let kindExternalAbort: UInt32 = 4
    static let kindNotMemory: UInt32 = 5
}

/// `srmm_granule_info`: a granule's state, GPI and reference count. 32 bytes.
@unsafe
struct _CGranuleInfo {
    var state: Int32
    var gpi: Int32
    var refcount: UInt32
    var reserved: UInt32
    var stateName: UnsafePointer<CChar>
    var gpiName: UnsafePointer<CChar>

    /// SRMM_GRANULE_NONE and SRMM_GPI_NONE.
    static let none: Int32 = -1
}

/// `srmm_stats`: the platform's counters. 64 bytes.
struct _CStats {
    var smc: UInt64
    var el3Calls: UInt64
    var tlbi: UInt64
    var dsb: UInt64
    var cipapaLines: UInt64
    var scrubbedBytes: UInt64
    var gpf: UInt64
    var otherSMC: UInt64
}
