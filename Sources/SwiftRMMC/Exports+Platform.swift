import CCAArch
import CCAPlatform
import MachineHost
import RMIHost
import RMM

/// `srmm_options_init`: sets every field of `*options` to its default (all zero and NULL).
@_cdecl("srmm_options_init")
public func srmm_options_init(_ options: UnsafeMutableRawPointer?) -> Int32 {
    guard let options = unsafe options else { return ReturnCode.nullPointer.rawValue }
    unsafe options.storeBytes(of: _COptions.defaults, as: _COptions.self)
    return ReturnCode.ok.rawValue
}

/// `srmm_platform_create`: builds a machine from the options (NULL for the default platform).
///
/// On failure `*platform` is NULL. With `activate` 1 the host library's bring-up runs on CPU 0 first.
@_cdecl("srmm_platform_create")
public func srmm_platform_create(
    _ options: UnsafeRawPointer?, _ platform: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guard let platform = unsafe platform else { return ReturnCode.nullPointer.rawValue }
    unsafe platform.pointee = nil
    CreationErrors.record(nil)
    let values: _COptions
    if let options = unsafe options {
        guard let loaded = unsafe _COptions.load(from: options) else {
            let size = unsafe options.load(as: UInt64.self)
            CreationErrors.record(
                "srmm_options.struct_size is \(size), which no version of srmm_options had: call srmm_options_init")
            return ReturnCode.invalidArgument.rawValue
        }
        unsafe values = loaded
    } else {
        unsafe values = .defaults
    }
    let configuration: PlatformConfiguration
    switch unsafe platformConfiguration(values) {
    case .success(let built): configuration = built
    case .failure(let code):
        // Validation leaves its own sentence; other refusals are told by their code.
        if CreationErrors.texts.withLock({ $0[CreationErrors.thread] }) == nil {
            CreationErrors.record("\(code.message)")
        }
        return code.rawValue
    }
    let machine: Machine
    do {
        machine = try Machine(configuration: configuration)
    } catch {
        CreationErrors.record(error.description)
        switch error {
        case .configuration: return ReturnCode.invalidConfiguration.rawValue
        case .memory, .gpt, .noRoomForL1Tables: return ReturnCode.platform.rawValue
        }
    }
    if unsafe values.activate == 1 {
        do {
            try machine.host().initialize()
        } catch {
            CreationErrors.record("host bring-up failed: \(error.description)")
            return ReturnCode.activation.rawValue
        }
    }
    unsafe platform.pointee = PlatformHandle(machine: machine).retainedHandle()
    return ReturnCode.ok.rawValue
}

/// `srmm_platform_destroy`: releases a platform; NULL is ignored.
@_cdecl("srmm_platform_destroy")
public func srmm_platform_destroy(_ platform: OpaquePointer?) {
    guard let platform = unsafe platform else { return }
    unsafe PlatformHandle.release(platform)
}

/// The configuration `srmm_options` describe, validated, or the return code that says why not.
///
/// Mirrors the CLI (`PlatformOptions.configuration()` of the rmm command): regions replace the default lists
/// and are named DRAM0..., MMIO0...; zero fields keep the default platform's values.
func platformConfiguration(_ options: _COptions) -> Result<PlatformConfiguration, ReturnCode> {
    guard unsafe options.strictRangeState <= 1, unsafe options.activate <= 1, unsafe options.hostL1Tables <= 1,
        let trackingMetadata = unsafe TrackingMetadataSource(rawValue: UInt8(clamping: options.trackingMetadata)),
        unsafe options.trackingMetadata <= 1,
        let lockContention = unsafe LockContention(rawValue: UInt8(clamping: options.lockContention)),
        unsafe options.lockContention <= 1
    else {
        return .failure(.invalidArgument)
    }
    var configuration = PlatformConfiguration.default
    switch unsafe regions(options.dram, count: options.dramCount) {
    case .failure(let code): return .failure(code)
    case .success(let dram?):
        configuration.dramRegions = dram.enumerated().map { index, region in
            MemoryRegion(name: "DRAM\(index)", base: PhysicalAddress(region.base), size: region.size)
        }
    case .success(nil): break
    }
    switch unsafe regions(options.mmio, count: options.mmioCount) {
    case .failure(let code): return .failure(code)
    case .success(let mmio?):
        configuration.mmioRegions = mmio.enumerated().map { index, region in
            MemoryRegion(name: "MMIO\(index)", base: PhysicalAddress(region.base), size: region.size, category: .none)
        }
    case .success(nil): break
    }
    for unsafe(array, count, category, prefix) in unsafe [
        (options.devNCoh, options.devNCohCount, TrackingCategory.deviceNonCoherent, "DEV_NCOH"),
        (options.devCoh, options.devCohCount, .deviceCoherent, "DEV_COH"),
    ] {
        switch unsafe regions(array, count: count) {
        case .failure(let code): return .failure(code)
        case .success(let banks?):
            configuration.dramRegions += banks.enumerated().map { index, region in
                MemoryRegion(
                    name: "\(prefix)\(index)", base: PhysicalAddress(region.base), size: region.size, category: category
                )
            }
        case .success(nil): break
        }
    }
    // Clamping keeps absurd values absurd (and rejected by validation) rather than wrapping them into range.
    if unsafe options.paBits != 0 { configuration.physicalAddressBits = unsafe Int(clamping: options.paBits) }
    if unsafe options.l0gptsz != 0 { configuration.l0GPTSizeBits = unsafe Int(clamping: options.l0gptsz) }
    if unsafe options.cpus != 0 { configuration.cpuCount = unsafe Int(clamping: options.cpus) }
    if unsafe options.budget != 0 { configuration.rangeWorkBudget = unsafe options.budget }
    configuration.seed = unsafe options.seed
    configuration.strictRangeState = unsafe options.strictRangeState == 1
    configuration.hostCreatedL1Tables = unsafe options.hostL1Tables == 1
    configuration.trackingMetadata = trackingMetadata
    configuration.lockContention = lockContention
    if unsafe options.trackingRegionSize != 0 { configuration.trackingRegionSize = unsafe options.trackingRegionSize }
    if unsafe options.el3MaxGranules != 0 { configuration.el3MaxGranulesPerCall = unsafe options.el3MaxGranules }
    if unsafe options.sroContexts != 0 {
        configuration.operationContextsPerCPU = unsafe Int(clamping: options.sroContexts)
    }
    do {
        try configuration.validate()
    } catch {
        CreationErrors.record("\(error)")
        return .failure(.invalidConfiguration)
    }
    return .success(configuration)
}

/// The regions of an `srmm_region` array: `nil` for a NULL array (keep the default list).
private func regions(_ array: UnsafeRawPointer?, count: UInt64) -> Result<[_CRegion]?, ReturnCode> {
    guard let array = unsafe array else { return count == 0 ? .success(nil) : .failure(.nullPointer) }
    guard count <= Limits.maximumRegions else { return .failure(.invalidLength) }
    let stride = MemoryLayout<_CRegion>.stride
    return .success((0..<Int(count)).map { unsafe array.load(fromByteOffset: $0 * stride, as: _CRegion.self) })
}
