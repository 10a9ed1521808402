import CCAArch
import CCAPlatform

/// `srmm_read`: reads `length` bytes at `pa` as security state `world` into `buffer`.
@_cdecl("srmm_read")
public func srmm_read(
    _ platform: OpaquePointer?, _ world: Int32, _ pa: UInt64, _ buffer: UnsafeMutableRawPointer?, _ length: UInt,
    _ fault: UnsafeMutableRawPointer?
) -> Int32 {
    unsafe access(platform, world: world, length: length, buffer: buffer.map(UnsafeRawPointer.init), fault: fault) {
        machine, state in
        unsafe machine.memory.read(
            state, pa: PhysicalAddress(pa), into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length)))
    }
}

/// `srmm_write`: writes `length` bytes from `buffer` at `pa` as security state `world`; a fault changes no byte.
@_cdecl("srmm_write")
public func srmm_write(
    _ platform: OpaquePointer?, _ world: Int32, _ pa: UInt64, _ buffer: UnsafeRawPointer?, _ length: UInt,
    _ fault: UnsafeMutableRawPointer?
) -> Int32 {
    unsafe access(platform, world: world, length: length, buffer: buffer, fault: fault) { machine, state in
        unsafe machine.memory.write(
            state, pa: PhysicalAddress(pa), from: UnsafeRawBufferPointer(start: buffer, count: Int(length)))
    }
}

/// The checks both accesses share, the access itself, and the translation of its outcome.
private func access(
    _ platform: OpaquePointer?, world: Int32, length: UInt, buffer: UnsafeRawPointer?,
    fault: UnsafeMutableRawPointer?, _ body: (Machine, SecurityState) -> Result<Void, MemoryFault>
) -> Int32 {
    guard let handle = unsafe PlatformHandle.from(platform) else { return ReturnCode.nullPointer.rawValue }
    guard let state = UInt8(exactly: world).flatMap(SecurityState.init(rawValue:)) else {
        return ReturnCode.invalidArgument.rawValue
    }
    guard length > 0, length <= Limits.maximumAccessLength else { return ReturnCode.invalidLength.rawValue }
    guard unsafe buffer != nil else { return ReturnCode.nullPointer.rawValue }
    var report = _CFault(pa: 0, kind: _CFault.kindNone, level: 0, gpcsc: 0, world: UInt32(state.rawValue))
    let code: ReturnCode
    switch body(handle.machine, state) {
    case .success:
        code = .ok
    case .failure(.protection(let gpc)):
        report.pa = gpc.pa.rawValue
        report.kind = faultKind(gpc.kind)
        report.level = UInt32(gpc.level)
        report.gpcsc = UInt32(gpc.gpcsc)
        code = .faultGPC
    case .failure(.notMemory(let hole)):
        report.pa = hole.rawValue
        report.kind = _CFault.kindNotMemory
        code = .faultNotMemory
    case .failure(.invalidLength):
        // The length was checked above; a negative count cannot reach the memory.
        return ReturnCode.invalidLength.rawValue
    }
    unsafe fault?.storeBytes(of: report, as: _CFault.self)
    return code.rawValue
}

/// The header's `srmm_fault_kind` for a granule protection fault kind.
func faultKind(_ kind: GPCFaultKind) -> UInt32 {
    switch kind {
    case .addressSize: _CFault.kindAddressSize
    case .walk: _CFault.kindWalk
    case .gpf: _CFault.kindGPF
    case .externalAbort: _CFault.kindExternalAbort
    }
}
