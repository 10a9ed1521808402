import CCAArch

/// `srmm_status_name`: the RMI status in bits 7:0 of an SMC's X0, or SMCCC_NOT_SUPPORTED for all ones.
@_cdecl("srmm_status_name")
public func srmm_status_name(_ x0: UInt64) -> UnsafePointer<CChar> {
    let names = unsafe CStrings.statuses
    if x0 == SMCReturn.notSupported.x0 { return unsafe names[names.count - 1] }
    let status = RMIStatus(rawValue: UInt8(truncatingIfNeeded: x0))
    return unsafe status.isDefined ? names[Int(status.rawValue)] : names[names.count - 2]
}

/// `srmm_error_string`: what a return code of the C interface means.
@_cdecl("srmm_error_string")
public func srmm_error_string(_ code: Int32) -> UnsafePointer<CChar> {
    unsafe CStrings.returnCodes[code] ?? CStrings.unknownCode
}
