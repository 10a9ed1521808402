@testable import SwiftRMMC

/// A platform made through the C interface, destroyed when the test is done with it.
final class CPlatform {
    let handle: OpaquePointer

    /// The default platform, or the one `options` describe; `nil` when creation fails.
    init?(_ options: _COptions? = nil) {
        var handle: OpaquePointer?
        let code: Int32
        if var options {
            code = withUnsafeBytes(of: &options) { srmm_platform_create($0.baseAddress, &handle) }
        } else {
            code = srmm_platform_create(nil, &handle)
        }
        guard code == ReturnCode.ok.rawValue, let handle else { return nil }
        self.handle = handle
    }

    deinit { srmm_platform_destroy(handle) }

    /// An SMC from `cpu`: the return code and X0..X4.
    func smc(_ registers: [UInt64], cpu: Int32 = 0) -> (code: Int32, x: [UInt64]) {
        let input = registers + [UInt64](repeating: 0, count: 7 - registers.count)
        var output = [UInt64](repeating: 0xDEAD, count: 5)
        let code = srmm_smc(handle, cpu, input, &output)
        return (code, output)
    }

    /// RMI_VERSION 2.0 then RMI_RMM_ACTIVATE on CPU 0.
    func activate() -> Bool {
        smc([0xC400_0150, 0x20000]).x[0] == 0 && smc([0xC400_0202]).x[0] == 0
    }

    /// What srmm_granule says about `pa`.
    func granule(_ pa: UInt64) -> _CGranuleInfo? {
        var info = _CGranuleInfo(
            state: 99, gpi: 99, refcount: 99, reserved: 99, stateName: CStrings.unknownCode,
            gpiName: CStrings.unknownCode)
        let code = withUnsafeMutableBytes(of: &info) { srmm_granule(handle, pa, $0.baseAddress) }
        return code == ReturnCode.ok.rawValue ? info : nil
    }

    /// A read of `count` bytes at `pa` as `world`: the return code, the bytes and the fault report.
    func read(_ world: Int32, _ pa: UInt64, count: Int) -> (code: Int32, bytes: [UInt8], fault: _CFault) {
        var bytes = [UInt8](repeating: 0xEE, count: count)
        var fault = _CFault(pa: 99, kind: 99, level: 99, gpcsc: 99, world: 99)
        let code = bytes.withUnsafeMutableBytes { buffer in
            withUnsafeMutableBytes(of: &fault) {
                srmm_read(handle, world, pa, buffer.baseAddress, UInt(count), $0.baseAddress)
            }
        }
        return (code, bytes, fault)
    }

    /// A write of `bytes` at `pa` as `world`: the return code and the fault report.
    func write(_ world: Int32, _ pa: UInt64, _ bytes: [UInt8]) -> (code: Int32, fault: _CFault) {
        var fault = _CFault(pa: 99, kind: 99, level: 99, gpcsc: 99, world: 99)
        let code = bytes.withUnsafeBytes { buffer in
            withUnsafeMutableBytes(of: &fault) {
                srmm_write(handle, world, pa, buffer.baseAddress, UInt(bytes.count), $0.baseAddress)
            }
        }
        return (code, fault)
    }

    /// The counters.
    func stats() -> _CStats {
        var stats = _CStats(smc: 0, el3Calls: 0, tlbi: 0, dsb: 0, cipapaLines: 0, scrubbedBytes: 0, gpf: 0, otherSMC: 0)
        _ = withUnsafeMutableBytes(of: &stats) { srmm_stats(handle, $0.baseAddress) }
        return stats
    }

    /// The invariant checker: the return code, the text and the violation count, with a buffer of `size` bytes.
    func check(size: Int = 4096) -> (code: Int32, text: String, violations: UInt) {
        var buffer = [CChar](repeating: 0x7F, count: max(size, 1))
        var violations: UInt = 99
        let code = buffer.withUnsafeMutableBufferPointer {
            srmm_check(handle, size == 0 ? nil : $0.baseAddress, UInt(size), &violations)
        }
        let text = size == 0 ? "" : String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)
        return (code, text, violations)
    }
}

/// The C string `pointer` holds.
func string(_ pointer: UnsafePointer<CChar>) -> String { String(cString: pointer) }

/// Return codes by name, for readable expectations.
let ok = ReturnCode.ok.rawValue
let nullPointer = ReturnCode.nullPointer.rawValue
let invalidArgument = ReturnCode.invalidArgument.rawValue
let invalidCPU = ReturnCode.invalidCPU.rawValue
let invalidLength = ReturnCode.invalidLength.rawValue
let invalidConfiguration = ReturnCode.invalidConfiguration.rawValue

/// The serve protocol's worlds as the header numbers them.
let worldSecure: Int32 = 0
let worldNS: Int32 = 1
let worldRealm: Int32 = 3
/// The first byte of DRAM0 on the default platform.
let dram0: UInt64 = 0x8000_0000
