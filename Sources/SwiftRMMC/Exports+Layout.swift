import CCAArch
import CCAPlatform
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `srmm_platform_description`: the platform's layout and options, as `srmm_platform_info` reads them. 2,104 bytes.
@unsafe
struct _CPlatformInfo {
    var structSize: UInt64
    var cpus: UInt32
    var paBits: UInt32
    var l0gptsz: UInt32
    var dramCount: UInt32
    var mmioCount: UInt32
    var strictRangeState: UInt32
    var hostL1Tables: UInt32
    var hostView: UInt32
    var budget: UInt64
    var seed: UInt64
    var dram: (_CRegionTable)
    var mmio: (_CRegionTable)
}

/// 64 regions: the fixed array C declares as `srmm_region dram[SRMM_MAX_REGIONS]`.
typealias _CRegionTable = (
    _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion,
    _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion,
    _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion,
    _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion,
    _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion,
    _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion, _CRegion
)

/// `srmm_platform_info`: the machine's regions, CPUs, budget, PA size and flags.
@_cdecl("srmm_platform_info")
public func srmm_platform_info(_ platform: OpaquePointer?, _ info: UnsafeMutableRawPointer?) -> Int32 {
    guard let handle = unsafe PlatformHandle.from(platform), let info = unsafe info else {
        return ReturnCode.nullPointer.rawValue
    }
    let size = unsafe info.load(as: UInt64.self)
    guard unsafe size == UInt64(MemoryLayout<_CPlatformInfo>.size) else { return ReturnCode.invalidArgument.rawValue }
    let configuration = handle.machine.configuration
    let dram = configuration.dramRegions.sorted { $0.base < $1.base }.map { ($0.base.rawValue, $0.size) }
    let mmio = configuration.mmioRegions.sorted { $0.base < $1.base }.map { ($0.base.rawValue, $0.size) }
    let header = unsafe _CPlatformInfo(
        structSize: size, cpus: UInt32(configuration.cpuCount), paBits: UInt32(configuration.physicalAddressBits),
        l0gptsz: UInt32(configuration.l0GPTSizeBits), dramCount: UInt32(dram.count), mmioCount: UInt32(mmio.count),
        strictRangeState: configuration.strictRangeState ? 1 : 0,
        hostL1Tables: configuration.hostCreatedL1Tables ? 1 : 0, hostView: configuration.hostView ? 1 : 0,
        budget: configuration.rangeWorkBudget, seed: configuration.seed, dram: _CPlatformInfo.emptyTable,
        mmio: _CPlatformInfo.emptyTable)
    unsafe info.storeBytes(of: header, as: _CPlatformInfo.self)
    let table = MemoryLayout<_CRegion>.stride
    let dramOffset = unsafe MemoryLayout<_CPlatformInfo>.offset(of: \_CPlatformInfo.dram)!
    let mmioOffset = unsafe MemoryLayout<_CPlatformInfo>.offset(of: \_CPlatformInfo.mmio)!
    for (index, region) in dram.prefix(Int(Limits.maximumRegions)).enumerated() {
        unsafe (info + dramOffset + index * table).storeBytes(
            of: _CRegion(base: region.0, size: region.1), as: _CRegion.self)
    }
    for (index, region) in mmio.prefix(Int(Limits.maximumRegions)).enumerated() {
        unsafe (info + mmioOffset + index * table).storeBytes(
            of: _CRegion(base: region.0, size: region.1), as: _CRegion.self)
    }
    return ReturnCode.ok.rawValue
}

extension _CPlatformInfo {
    static var emptyTable: _CRegionTable {
        let zero = _CRegion(base: 0, size: 0)
        return (
            zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero,
            zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero,
            zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero,
            zero, zero, zero, zero, zero, zero, zero, zero, zero, zero
        )
    }
}

/// `srmm_granules`: the RMM states (and GPIs) of `count` consecutive granules from `base`.
@_cdecl("srmm_granules")
public func srmm_granules(
    _ platform: OpaquePointer?, _ base: UInt64, _ count: UInt, _ states: UnsafeMutablePointer<Int32>?,
    _ gpis: UnsafeMutablePointer<Int32>?
) -> Int32 {
    guard let handle = unsafe PlatformHandle.from(platform), let states = unsafe states else {
        return ReturnCode.nullPointer.rawValue
    }
    guard count > 0, count <= Limits.maximumGranulesPerCall else { return ReturnCode.invalidLength.rawValue }
    let granule = handle.machine.configuration.granuleSize.bytes
    guard base % granule == 0 else { return ReturnCode.invalidArgument.rawValue }
    let (last, overflow) = base.addingReportingOverflow(UInt64(count - 1) * granule)
    guard !overflow, last <= UInt64.max - (granule - 1) else { return ReturnCode.invalidArgument.rawValue }
    for index in 0..<Int(count) {
        let inspection = handle.machine.inspect(PhysicalAddress(base + UInt64(index) * granule))
        unsafe states[index] = inspection.state.map { Int32($0.rawValue) } ?? _CGranuleInfo.none
        unsafe gpis?[index] = inspection.gpi.map { Int32($0.rawValue) } ?? _CGranuleInfo.none
    }
    return ReturnCode.ok.rawValue
}

/// The text of the last failure of `srmm_platform_create` on each thread (by `pthread_self`).
enum CreationErrors {
    static let texts = Mutex<[UInt: String]>([:])

    static var thread: UInt { UInt(pthread_self()) }

    static func record(_ text: String?) {
        texts.withLock { $0[thread] = text }
    }
}

/// `srmm_platform_create_error`: why the calling thread's last `srmm_platform_create` failed ("" after a success).
@_cdecl("srmm_platform_create_error")
public func srmm_platform_create_error(_ buffer: UnsafeMutablePointer<CChar>?, _ size: UInt) -> Int32 {
    guard unsafe buffer != nil || size == 0 else { return ReturnCode.nullPointer.rawValue }
    let text = Array((CreationErrors.texts.withLock { $0[CreationErrors.thread] } ?? "").utf8)
    guard let buffer = unsafe buffer, size > 0 else { return (text.isEmpty ? ReturnCode.ok : .bufferTooSmall).rawValue }
    let copied = min(text.count, Int(size - 1))
    for index in 0..<copied { unsafe buffer[index] = CChar(bitPattern: text[index]) }
    unsafe buffer[copied] = 0
    return (copied == text.count ? ReturnCode.ok : .bufferTooSmall).rawValue
}
