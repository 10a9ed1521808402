import CCAArch
import CCAPlatform

/// `srmm_granule`: the RMM state, GPI and reference count of the granule holding `pa`.
@_cdecl("srmm_granule")
public func srmm_granule(_ platform: OpaquePointer?, _ pa: UInt64, _ info: UnsafeMutableRawPointer?) -> Int32 {
    guard let handle = unsafe PlatformHandle.from(platform), let info = unsafe info else {
        return ReturnCode.nullPointer.rawValue
    }
    let inspection = handle.machine.inspect(PhysicalAddress(pa))
    let stateIndex = unsafe inspection.state.map { Int($0.rawValue) } ?? CStrings.granuleStates.count - 1
    let gpiIndex = unsafe inspection.gpi.map { Int($0.rawValue) } ?? CStrings.gpis.count - 1
    let report = unsafe _CGranuleInfo(
        state: inspection.state.map { Int32($0.rawValue) } ?? _CGranuleInfo.none,
        gpi: inspection.gpi.map { Int32($0.rawValue) } ?? _CGranuleInfo.none, refcount: inspection.refcount,
        reserved: 0, stateName: CStrings.granuleStates[stateIndex], gpiName: CStrings.gpis[gpiIndex])
    unsafe info.storeBytes(of: report, as: _CGranuleInfo.self)
    return ReturnCode.ok.rawValue
}

/// `srmm_inject_command`: the next `count` calls of the RMI command `fid` answer `status` without reaching the RMM.
@_cdecl("srmm_inject_command")
public func srmm_inject_command(
    _ platform: OpaquePointer?, _ fid: UInt64, _ status: UInt64, _ count: UInt64
)
    -> Int32
{
    guard let handle = unsafe PlatformHandle.from(platform) else { return ReturnCode.nullPointer.rawValue }
    guard status <= UInt64(UInt8.max), let count = Int(exactly: count) else {
        return ReturnCode.invalidArgument.rawValue
    }
    do {
        try handle.machine.faultInjector.injectCommand(
            functionID: FunctionID(fid), status: RMIStatus(rawValue: UInt8(status)), count: count)
    } catch {
        return ReturnCode.invalidArgument.rawValue
    }
    return ReturnCode.ok.rawValue
}

/// `srmm_cpu_stats`: the host SMCs CPU `cpu` issued and the EL3 calls the RMM made on it.
@_cdecl("srmm_cpu_stats")
public func srmm_cpu_stats(
    _ platform: OpaquePointer?, _ cpu: Int32, _ smc: UnsafeMutablePointer<UInt64>?,
    _ el3Calls: UnsafeMutablePointer<UInt64>?
) -> Int32 {
    guard let handle = unsafe PlatformHandle.from(platform), let smc = unsafe smc, let el3Calls = unsafe el3Calls
    else { return ReturnCode.nullPointer.rawValue }
    guard cpu >= 0, Int(cpu) < handle.machine.configuration.cpuCount else { return ReturnCode.invalidCPU.rawValue }
    let counts = handle.machine.counters.perCPU(Int(cpu))
    unsafe smc.pointee = counts.hostSMCs
    unsafe el3Calls.pointee = counts.el3Calls
    return ReturnCode.ok.rawValue
}

/// `srmm_pending_operation`: one stateful operation waiting for the host. 32 bytes.
struct _CPendingOperation {
    var handle: UInt64
    var command: UInt64
    var waitingFor: UInt64
    var canCancel: UInt32
    var reserved: UInt32
}

/// `srmm_pending_operations`: the operations waiting for the host; `*count` is their number.
@_cdecl("srmm_pending_operations")
public func srmm_pending_operations(
    _ platform: OpaquePointer?, _ operations: UnsafeMutableRawPointer?, _ capacity: UInt,
    _ count: UnsafeMutablePointer<UInt>?
) -> Int32 {
    guard let handle = unsafe PlatformHandle.from(platform), let count = unsafe count else {
        return ReturnCode.nullPointer.rawValue
    }
    guard unsafe operations != nil || capacity == 0 else { return ReturnCode.nullPointer.rawValue }
    let pending = handle.machine.rmm.pendingOperations()
    unsafe count.pointee = UInt(pending.count)
    let stride = MemoryLayout<_CPendingOperation>.stride
    for (index, operation) in pending.prefix(Int(capacity)).enumerated() {
        let entry = _CPendingOperation(
            handle: operation.handle, command: operation.command.rawValue, waitingFor: operation.waitingFor.rawValue,
            canCancel: operation.canCancel ? 1 : 0, reserved: 0)
        unsafe operations?.storeBytes(of: entry, toByteOffset: index * stride, as: _CPendingOperation.self)
    }
    return (UInt(pending.count) <= capacity ? ReturnCode.ok : .bufferTooSmall).rawValue
}

/// `srmm_stats`: the platform's counters.
@_cdecl("srmm_stats")
public func srmm_stats(_ platform: OpaquePointer?, _ stats: UnsafeMutableRawPointer?) -> Int32 {
    guard let handle = unsafe PlatformHandle.from(platform), let stats = unsafe stats else {
        return ReturnCode.nullPointer.rawValue
    }
    let snapshot = handle.machine.counters.snapshot()
    let report = _CStats(
        smc: snapshot.smc, el3Calls: snapshot.el3Calls, tlbi: snapshot.tlbi, dsb: snapshot.dsb,
        cipapaLines: snapshot.cipapaLines, scrubbedBytes: snapshot.scrubbedBytes, gpf: snapshot.gpcFaults,
        otherSMC: snapshot.otherSMC)
    unsafe stats.storeBytes(of: report, as: _CStats.self)
    return ReturnCode.ok.rawValue
}

/// `srmm_inject`: the next `count` matching events fail with the named fault; "clear" drops them all.
@_cdecl("srmm_inject")
public func srmm_inject(_ platform: OpaquePointer?, _ fault: UnsafePointer<CChar>?, _ count: UInt64) -> Int32 {
    guard let handle = unsafe PlatformHandle.from(platform), let fault = unsafe fault else {
        return ReturnCode.nullPointer.rawValue
    }
    let name = unsafe String(cString: fault)
    guard name != "clear" else {
        handle.machine.faultInjector.clear()
        return ReturnCode.ok.rawValue
    }
    guard InjectedFault(rawValue: name) != nil else { return ReturnCode.unknownFault.rawValue }
    guard let count = Int(exactly: count) else { return ReturnCode.invalidArgument.rawValue }
    do {
        try handle.machine.faultInjector.inject(named: name, count: count)
    } catch {
        switch error {
        case .unknownFault: return ReturnCode.unknownFault.rawValue
        case .negativeCount: return ReturnCode.invalidArgument.rawValue
        }
    }
    return ReturnCode.ok.rawValue
}

/// `srmm_check`: the invariant checker's violations, one per line, and their number.
@_cdecl("srmm_check")
public func srmm_check(
    _ platform: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ size: UInt,
    _ violations: UnsafeMutablePointer<UInt>?
) -> Int32 {
    guard let handle = unsafe PlatformHandle.from(platform) else { return ReturnCode.nullPointer.rawValue }
    guard unsafe buffer != nil || size == 0 else { return ReturnCode.nullPointer.rawValue }
    let found = handle.machine.checkInvariants(limit: Limits.maximumViolations)
    unsafe violations?.pointee = UInt(found.count)
    let text = Array(found.map { $0 + "\n" }.joined().utf8)
    guard let buffer = unsafe buffer, size > 0 else { return (text.isEmpty ? ReturnCode.ok : .bufferTooSmall).rawValue }
    let copied = min(text.count, Int(size - 1))
    for index in 0..<copied { unsafe buffer[index] = CChar(bitPattern: text[index]) }
    unsafe buffer[copied] = 0
    return (copied == text.count ? ReturnCode.ok : .bufferTooSmall).rawValue
}
