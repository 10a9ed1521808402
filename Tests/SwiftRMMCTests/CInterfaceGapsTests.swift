import Testing

@testable import SwiftRMMC

@Suite("The C interface: layout read back, many granules at once, why creation failed")
struct CInterfaceGapsTests {
    /// A platform from `change`d options; the caller destroys it.
    static func platform(_ change: (inout _COptions) -> Void = { _ in }) -> OpaquePointer? {
        var options = unsafe _COptions.defaults
        unsafe change(&options)
        var platform: OpaquePointer?
        let code = unsafe withUnsafeBytes(of: &options) { unsafe srmm_platform_create($0.baseAddress, &platform) }
        #expect(code == ReturnCode.ok.rawValue)
        return unsafe platform
    }

    @Test("srmm_platform_info reads back the regions, CPUs, PA size, budget and flags the options asked for")
    func platformInfo() {
        #expect(MemoryLayout<_CPlatformInfo>.size == 2104)
        #expect(unsafe MemoryLayout<_CPlatformInfo>.offset(of: \_CPlatformInfo.dram) == 56)
        var dram = [_CRegion(base: 0x8000_0000, size: 0x4000_0000), _CRegion(base: 0x1_0000_0000, size: 0x10_0000)]
        let platform = unsafe dram.withUnsafeMutableBytes { regions in
            unsafe Self.platform {
                unsafe $0.dram = UnsafeRawPointer(regions.baseAddress)
                unsafe $0.dramCount = 2
                unsafe $0.cpus = 3
                unsafe $0.paBits = 44
                unsafe $0.budget = 512
            }
        }
        defer { unsafe srmm_platform_destroy(platform) }
        var info = unsafe _CPlatformInfo(
            structSize: 2104, cpus: 0, paBits: 0, l0gptsz: 0, dramCount: 0, mmioCount: 0, strictRangeState: 0,
            hostL1Tables: 0, hostView: 0, budget: 0, seed: 0, dram: _CPlatformInfo.emptyTable,
            mmio: _CPlatformInfo.emptyTable)
        let code = unsafe withUnsafeMutableBytes(of: &info) { unsafe srmm_platform_info(platform, $0.baseAddress) }
        #expect(code == ReturnCode.ok.rawValue)
        #expect(unsafe info.cpus == 3 && info.paBits == 44 && info.l0gptsz == 30 && info.budget == 512)
        #expect(unsafe info.dramCount == 2 && info.mmioCount == 1)
        #expect(unsafe info.dram.0.base == 0x8000_0000 && info.dram.0.size == 0x4000_0000)
        #expect(unsafe info.dram.1.base == 0x1_0000_0000 && info.dram.2.size == 0)
        unsafe info.structSize = 96
        let refused = unsafe withUnsafeMutableBytes(of: &info) { unsafe srmm_platform_info(platform, $0.baseAddress) }
        #expect(refused == ReturnCode.invalidArgument.rawValue)
        #expect(unsafe srmm_platform_info(nil, nil) == ReturnCode.nullPointer.rawValue)
    }

    @Test("srmm_granules gives the state and GPI of every granule of a range in one call")
    func manyGranules() {
        let platform = unsafe Self.platform { unsafe $0.activate = 1 }
        defer { unsafe srmm_platform_destroy(platform) }
        let base: UInt64 = 0x8800_0000
        var input: [UInt64] = [0xC400_01F1, base, base + 0x2000, 0, 0, 0, 0]
        var output = [UInt64](repeating: 0, count: 5)
        #expect(unsafe srmm_smc(platform, 0, &input, &output) == ReturnCode.ok.rawValue && output[0] == 0)
        var states = [Int32](repeating: 99, count: 4)
        var gpis = [Int32](repeating: 99, count: 4)
        #expect(unsafe srmm_granules(platform, base, 4, &states, &gpis) == ReturnCode.ok.rawValue)
        #expect(states == [1, 1, 0, 0])
        #expect(gpis == [0xB, 0xB, 0x9, 0x9])
        #expect(unsafe srmm_granules(platform, base, 4, &states, nil) == ReturnCode.ok.rawValue)
        #expect(unsafe srmm_granules(platform, base + 8, 4, &states, nil) == ReturnCode.invalidArgument.rawValue)
        #expect(unsafe srmm_granules(platform, base, 0, &states, nil) == ReturnCode.invalidLength.rawValue)
        #expect(unsafe srmm_granules(platform, ~0xFFF, 2, &states, nil) == ReturnCode.invalidArgument.rawValue)
        #expect(unsafe srmm_granules(platform, base, 4, nil, nil) == ReturnCode.nullPointer.rawValue)
    }

    @Test("srmm_platform_create_error says why creation failed on this thread, and is empty after a success")
    func creationError() {
        var options = unsafe _COptions.defaults
        unsafe options.paBits = 33
        var platform: OpaquePointer?
        let code = unsafe withUnsafeBytes(of: &options) { unsafe srmm_platform_create($0.baseAddress, &platform) }
        #expect(code == ReturnCode.invalidConfiguration.rawValue)
        var text = [CChar](repeating: 0, count: 512)
        #expect(unsafe srmm_platform_create_error(&text, 512) == ReturnCode.ok.rawValue)
        let message = unsafe text.withUnsafeBufferPointer { unsafe String(cString: $0.baseAddress!) }
        #expect(message.contains("33"), "\(message)")
        var small = [CChar](repeating: 0, count: 4)
        #expect(unsafe srmm_platform_create_error(&small, 4) == ReturnCode.bufferTooSmall.rawValue)
        let created = unsafe Self.platform()
        unsafe srmm_platform_destroy(created)
        #expect(unsafe srmm_platform_create_error(&text, 512) == ReturnCode.ok.rawValue && text[0] == 0)
    }

    @Test("srmm_inject_command makes any command, SRO steps included, answer a status, in order and per command")
    func commandInjection() {
        let platform = unsafe Self.platform { unsafe $0.activate = 1 }
        defer { unsafe srmm_platform_destroy(platform) }
        func call(_ fid: UInt64, _ x1: UInt64 = 0, _ x2: UInt64 = 0) -> UInt64 {
            var input: [UInt64] = [fid, x1, x2, 0, 0, 0, 0]
            var output = [UInt64](repeating: 0, count: 5)
            _ = unsafe srmm_smc(platform, 0, &input, &output)
            return output[0]
        }
        let recCreate: UInt64 = 0xC400_015A
        let opMemDonate: UInt64 = 0xC400_0208
        let delegate: UInt64 = 0xC400_01F1
        #expect(unsafe srmm_inject_command(platform, recCreate, 14, 1) == ReturnCode.ok.rawValue)
        #expect(unsafe srmm_inject_command(platform, opMemDonate, 10, 2) == ReturnCode.ok.rawValue)
        #expect(unsafe srmm_inject_command(platform, delegate, 10, 1) == ReturnCode.ok.rawValue)
        #expect(call(recCreate) == 14)
        #expect(call(recCreate) != 14)
        #expect([call(opMemDonate), call(opMemDonate)] == [10, 10])
        #expect(call(opMemDonate) != 10)
        #expect(call(delegate, 0x8800_0000, 0x8800_1000) == 10)
        #expect(call(delegate, 0x8800_0000, 0x8800_1000) == 0)

        let version: UInt64 = 0xC400_0150
        #expect(unsafe srmm_inject_command(platform, version, 11, 5) == ReturnCode.ok.rawValue)
        #expect(unsafe srmm_inject(platform, "clear", 0) == ReturnCode.ok.rawValue)
        #expect(call(version, 0x20000) & 0xFF == 0)

        for (fid, status) in [(UInt64(0x8400_0000), UInt64(10)), (recCreate, 0), (recCreate, 13), (recCreate, 200)] {
            #expect(unsafe srmm_inject_command(platform, fid, status, 1) == ReturnCode.invalidArgument.rawValue)
        }
        #expect(unsafe srmm_inject_command(nil, recCreate, 10, 1) == ReturnCode.nullPointer.rawValue)
    }

    @Test("srmm_cpu_stats counts each CPU's SMCs and the EL3 calls made on it; their sums are the totals")
    func perCPUCounters() {
        let platform = unsafe Self.platform {
            unsafe $0.cpus = 2
            unsafe $0.activate = 1
        }
        defer { unsafe srmm_platform_destroy(platform) }
        var before: (smc: UInt64, el3: UInt64) = (0, 0)
        #expect(unsafe srmm_cpu_stats(platform, 1, &before.smc, &before.el3) == ReturnCode.ok.rawValue)
        var input: [UInt64] = [0xC400_01F1, 0x8800_0000, 0x8800_4000, 0, 0, 0, 0]
        var output = [UInt64](repeating: 0, count: 5)
        #expect(unsafe srmm_smc(platform, 1, &input, &output) == ReturnCode.ok.rawValue && output[0] == 0)
        var after: (smc: UInt64, el3: UInt64) = (0, 0)
        #expect(unsafe srmm_cpu_stats(platform, 1, &after.smc, &after.el3) == ReturnCode.ok.rawValue)
        #expect(after.smc == before.smc + 1 && after.el3 > before.el3)
        var zero: (smc: UInt64, el3: UInt64) = (0, 0)
        #expect(unsafe srmm_cpu_stats(platform, 0, &zero.smc, &zero.el3) == ReturnCode.ok.rawValue)
        var totals = _CStats(
            smc: 0, el3Calls: 0, tlbi: 0, dsb: 0, cipapaLines: 0, scrubbedBytes: 0, gpf: 0, otherSMC: 0)
        _ = unsafe withUnsafeMutableBytes(of: &totals) { unsafe srmm_stats(platform, $0.baseAddress) }
        #expect(zero.smc + after.smc == totals.smc && zero.el3 + after.el3 == totals.el3Calls)
        #expect(unsafe srmm_cpu_stats(platform, 2, &zero.smc, &zero.el3) == ReturnCode.invalidCPU.rawValue)
        #expect(unsafe srmm_cpu_stats(platform, 0, nil, &zero.el3) == ReturnCode.nullPointer.rawValue)
    }

    @Test("srmm_pending_operations lists an interrupted delegation with its handle, command and next step")
    func pendingOperations() {
        #expect(MemoryLayout<_CPendingOperation>.size == 32)
        let platform = unsafe Self.platform { unsafe $0.activate = 1 }
        defer { unsafe srmm_platform_destroy(platform) }
        var count: UInt = 99
        #expect(unsafe srmm_pending_operations(platform, nil, 0, &count) == ReturnCode.ok.rawValue && count == 0)
        #expect(unsafe srmm_inject(platform, "irq", 1) == ReturnCode.ok.rawValue)
        var input: [UInt64] = [0xC400_01F1, 0x8800_0000, 0x8801_0000, 0, 0, 0, 0]
        var output = [UInt64](repeating: 0, count: 5)
        #expect(unsafe srmm_smc(platform, 0, &input, &output) == ReturnCode.ok.rawValue)
        #expect(output[0] & 0xFF == 13)
        let handle = output[1]
        var listed = [_CPendingOperation](
            repeating: _CPendingOperation(handle: 0, command: 0, waitingFor: 0, canCancel: 9, reserved: 9), count: 2)
        #expect(unsafe srmm_pending_operations(platform, &listed, 2, &count) == ReturnCode.ok.rawValue)
        #expect(count == 1)
        #expect(listed[0].handle == handle && listed[0].command == 0xC400_01F1 && listed[0].waitingFor == 0xC400_0203)
        #expect(listed[0].canCancel == UInt32((output[0] >> 10) & 1) && listed[0].reserved == 0)
        #expect(unsafe srmm_pending_operations(platform, nil, 0, &count) == ReturnCode.bufferTooSmall.rawValue)
        #expect(unsafe srmm_pending_operations(platform, nil, 1, &count) == ReturnCode.nullPointer.rawValue)
        // Driven to its end, it is no longer listed.
        var step: [UInt64] = [0xC400_0203, handle, 0, 0, 0, 0, 0]
        for _ in 0..<8 where output[0] & 0xFF == 13 { _ = unsafe srmm_smc(platform, 0, &step, &output) }
        #expect(output[0] == 0)
        #expect(unsafe srmm_pending_operations(platform, nil, 0, &count) == ReturnCode.ok.rawValue && count == 0)
    }

    @Test(
        "srmm_options carries its size: options never initialised, or a size no version had, are refused and explained",
        arguments: [UInt64(0), 96, 108, 120, 152, 160, 168, 184])
    func optionsSize(size: UInt64) {
        var options = unsafe _COptions.defaults
        unsafe options.structSize = size
        var platform: OpaquePointer?
        let code = unsafe withUnsafeBytes(of: &options) { unsafe srmm_platform_create($0.baseAddress, &platform) }
        #expect(code == ReturnCode.invalidArgument.rawValue && platform == nil)
        var text = [CChar](repeating: 0, count: 256)
        _ = unsafe srmm_platform_create_error(&text, 256)
        let message = unsafe text.withUnsafeBufferPointer { unsafe String(cString: $0.baseAddress!) }
        #expect(
            message
                == "srmm_options.struct_size is \(size), which no version of srmm_options had: call srmm_options_init")
    }
}
