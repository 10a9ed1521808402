import CCAArch
import Testing

@testable import SwiftRMMC

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Platform creation through the C interface")
struct PlatformCreationTests {
    @Test("options_init sets every field to its default and rejects NULL")
    func optionsInit() {
        var options = _COptions(
            structSize: 0, dram: UnsafeRawPointer(bitPattern: 0x10), dramCount: 5, mmio: nil, mmioCount: 6, paBits: 7,
            l0gptsz: 8,
            cpus: 9, seed: 10, strictRangeState: 1, budget: 12, activate: 1, hostL1Tables: 1)
        let code = withUnsafeMutableBytes(of: &options) { srmm_options_init($0.baseAddress) }
        #expect(code == ok)
        #expect(options.dram == nil && options.dramCount == 0 && options.mmioCount == 0)
        #expect(options.paBits == 0 && options.cpus == 0 && options.budget == 0 && options.activate == 0)
        #expect(options.hostL1Tables == 0 && options.trackingRegionSize == 0 && options.structSize == 176)
        #expect(options.trackingMetadata == 0 && options.sroContexts == 0 && options.lockContention == 0)
        #expect(
            options.devNCoh == nil && options.devNCohCount == 0 && options.devCoh == nil && options.devCohCount == 0)
        #expect(options.el3MaxGranules == 0)
        #expect(srmm_options_init(nil) == nullPointer)
    }

    @Test("the struct mirrors have the sizes and offsets the header asserts")
    func layouts() {
        #expect(MemoryLayout<_CRegion>.size == 16)
        #expect(MemoryLayout<_COptions>.size == 176)
        #expect(MemoryLayout<_COptions>.offset(of: \.lockContention) == 168)
        #expect(MemoryLayout<_COptions>.offset(of: \.el3MaxGranules) == 144)
        #expect(MemoryLayout<_COptions>.offset(of: \.devCohCount) == 136)
        #expect(MemoryLayout<_COptions>.offset(of: \.trackingMetadata) == 152)
        #expect(MemoryLayout<_COptions>.offset(of: \.sroContexts) == 160)
        #expect(MemoryLayout<_COptions>.offset(of: \.hostL1Tables) == 96)
        #expect(MemoryLayout<_COptions>.offset(of: \.trackingRegionSize) == 104)
        #expect(MemoryLayout<_CFault>.size == 24)
        #expect(MemoryLayout<_CFault>.offset(of: \.world) == 20)
        #expect(MemoryLayout<_CGranuleInfo>.size == 32)
        #expect(MemoryLayout<_CGranuleInfo>.offset(of: \.gpiName) == 24)
        #expect(MemoryLayout<_CStats>.size == 64)
    }

    @Test("NULL options make the default platform; a NULL out pointer is an error")
    func defaults() {
        #expect(CPlatform() != nil)
        #expect(srmm_platform_create(nil, nil) == nullPointer)
        srmm_platform_destroy(nil)
    }

    @Test("custom regions, CPUs, budget and activation are honoured")
    func customPlatform() throws {
        var dram = [_CRegion(base: dram0, size: 0x1000_0000)]
        let platform = try dram.withUnsafeBytes { regions in
            try #require(
                CPlatform(
                    _COptions(
                        structSize: 104, dram: regions.baseAddress, dramCount: 1, mmio: nil, mmioCount: 0, paBits: 36,
                        l0gptsz: 30,
                        cpus: 2, seed: 7, strictRangeState: 1, budget: 16, activate: 1, hostL1Tables: 0)))
        }
        dram.removeAll()
        #expect(platform.smc([0xC400_0150, 0x20000], cpu: 1).code == ok)
        #expect(platform.smc([0xC400_0150, 0x20000], cpu: 2).code == invalidCPU)
        // Activated: a delegation of 32 granules moves 16 per SMC (the budget).
        let first = platform.smc([0xC400_01F1, dram0, dram0 + 0x20000])
        #expect(first.x[0] == 0 && first.x[1] == dram0 + 0x10000)
        // Strict range state: the already DELEGATED base is a state failure (RMI_ERROR_INPUT).
        #expect(platform.smc([0xC400_01F1, dram0, dram0 + 0x1000]).x[0] == 1)
    }

    @Test("host_l1_tables with activate: the bring-up creates every DRAM region's L1 GPT table by donation")
    func hostCreatedL1Tables() throws {
        var options = _COptions.defaults
        options.activate = 1
        options.hostL1Tables = 1
        let platform = try #require(CPlatform(options))
        // RMI_GPT_INFO of DRAM0's first and DRAM1's last region: X2 = 3, HOST_CREATED.
        #expect(platform.smc([0xC400_0211, 0x8000_0000, 0xC000_0000]).x == [0, 0xC000_0000, 3, 0, 0])
        #expect(platform.smc([0xC400_0211, 0x8_C000_0000, 0x9_0000_0000]).x == [0, 0x9_0000_0000, 3, 0, 0])
        // Without the option the platform made them: X2 = 1, PLAT.
        let plain = try #require(CPlatform(_COptions.defaults))
        #expect(plain.activate())
        #expect(plain.smc([0xC400_0211, 0x8000_0000, 0xC000_0000]).x[2] == 1)
    }

    @Test("tracking_metadata 1 with activate: the RMM asks for the metadata and the bring-up donates it")
    func donatedTrackingMetadata() throws {
        var options = _COptions.defaults
        options.activate = 1
        options.trackingMetadata = 1
        let platform = try #require(CPlatform(options))
        // Every region is FINE after bring-up (TRACKING_GET X2 = 2); the first one describes itself (INTERNAL).
        #expect(platform.smc([0xC400_01E1, 0x8000_0000, 0x1_0000_0000]).x[2] == 2)
        #expect(platform.granule(0x8000_0000).map { string($0.stateName) } == "INTERNAL")
        #expect(platform.check().violations == 0)
        // Activated by raw SMCs instead, the regions wait COARSE (X2 = 3) for the host.
        options.activate = 0
        let waiting = try #require(CPlatform(options))
        #expect(waiting.activate())
        #expect(waiting.smc([0xC400_01E1, 0x8000_0000, 0x1_0000_0000]).x[2] == 3)
    }

    @Test("tracking_metadata other than 0 or 1 is refused; a caller built with the third version gets preallocated")
    func trackingMetadataValues() throws {
        var options = _COptions.defaults
        options.trackingMetadata = 2
        var handle: OpaquePointer?
        let code = withUnsafeBytes(of: &options) { srmm_platform_create($0.baseAddress, &handle) }
        #expect(code == ReturnCode.invalidArgument.rawValue)
        #expect(handle == nil)
        options.structSize = 144
        let older = try #require(CPlatform(options))
        #expect(older.activate())
        #expect(older.smc([0xC400_01E1, 0x8000_0000, 0x1_0000_0000]).x[2] == 2)
    }

    @Test("lock_contention 1 makes range commands wait for a held lock, 0 answers BUSY, anything else is refused")
    func lockContentionValues() throws {
        var options = _COptions.defaults
        options.lockContention = 1
        #expect(try platformConfiguration(options).get().lockContention == .spin)
        options.lockContention = 0
        #expect(try platformConfiguration(options).get().lockContention == .busy)
        #expect(CPlatform(options) != nil)
        for value: UInt64 in [2, 256, .max] {
            options.lockContention = value
            var handle: OpaquePointer?
            let code = withUnsafeBytes(of: &options) { srmm_platform_create($0.baseAddress, &handle) }
            #expect(code == ReturnCode.invalidArgument.rawValue && handle == nil)
        }
    }

    @Test("tracking_region_size 2 MiB with activate: the bring-up configures 2 MB tracking regions")
    func twoMegabyteTracking() throws {
        var options = _COptions.defaults
        options.activate = 1
        options.trackingRegionSize = 2 << 20
        let platform = try #require(CPlatform(options))
        // RMI_GRANULE_TRACKING_SET(DRAM0 + 2 MiB, CONVENTIONAL, NONE): a region base only with 2 MB regions.
        #expect(platform.smc([0xC400_01E3, 0x8020_0000, 0, 1]).x[0] == 0)
        let plain = try #require(CPlatform(_COptions.defaults))
        #expect(plain.activate())
        #expect(plain.smc([0xC400_01E3, 0x8020_0000, 0, 1]).x[0] == 1)
    }

    @Test(
        "bet3 5: el3_max_granules makes EL3 move at most that many granules per call; a third-version caller has none")
    func el3MaxGranules() throws {
        var options = _COptions.defaults
        options.activate = 1
        options.el3MaxGranules = 100
        let platform = try #require(CPlatform(options))
        // A FINE range of 256 granules: SUCCESS with the 100 EL3 moved.
        #expect(platform.smc([0xC400_01F1, 0x8800_0000, 0x8810_0000]).x[0...1] == [0, 0x8806_4000])
        // The same options read with the third version's size: the field is not read, so no limit.
        options.structSize = 144
        let older = try #require(CPlatform(options))
        #expect(older.smc([0xC400_01F1, 0x8800_0000, 0x8810_0000]).x[0...1] == [0, 0x8810_0000])
    }

    @Test("sro_contexts sets the RMM's operation contexts per CPU; 0 keeps 4, above 64 is refused")
    func sroContexts() throws {
        var options = _COptions.defaults
        options.activate = 1
        options.cpus = 1
        options.sroContexts = 1
        let platform = try #require(CPlatform(options))
        // An interrupt pending during a range delegation hands the run to a stateful operation (RMI_INCOMPLETE),
        // which holds the only context (one CPU, one context each): the next range call finds none free and
        // answers RMI_BLOCKED.
        #expect(srmm_inject(platform.handle, "irq", 1) == ReturnCode.ok.rawValue)
        #expect(platform.smc([0xC400_01F1, 0x8800_0000, 0x8800_2000]).x[0] & 0xFF == 13)
        #expect(platform.smc([0xC400_01F1, 0x8900_0000, 0x8900_1000]).x[0] == 14)
        // With the default four, the second call has a context of its own.
        options.sroContexts = 0
        let roomy = try #require(CPlatform(options))
        #expect(srmm_inject(roomy.handle, "irq", 1) == ReturnCode.ok.rawValue)
        #expect(roomy.smc([0xC400_01F1, 0x8800_0000, 0x8800_2000]).x[0] & 0xFF == 13)
        #expect(roomy.smc([0xC400_01F1, 0x8900_0000, 0x8900_1000]).x[0] == 0)
        options.sroContexts = 65
        var handle: OpaquePointer?
        let code = withUnsafeBytes(of: &options) { srmm_platform_create($0.baseAddress, &handle) }
        #expect(code == ReturnCode.invalidConfiguration.rawValue && handle == nil)
    }

    @Test("bet3 6: dev_ncoh and dev_coh banks are tracked with their category and delegable")
    func deviceMemory() throws {
        let banks = [_CRegion(base: 0x1_0000_0000, size: 0x20_0000), _CRegion(base: 0x1_4000_0000, size: 0x20_0000)]
        let platform = try banks.withUnsafeBytes { array in
            var options = _COptions.defaults
            options.activate = 1
            options.devNCoh = array.baseAddress
            options.devNCohCount = 1
            options.devCoh = array.baseAddress! + MemoryLayout<_CRegion>.stride
            options.devCohCount = 1
            return try #require(CPlatform(options))
        }
        // RMI_GRANULE_TRACKING_GET: category DEV_NCOH (1) and DEV_COH (2), FINE.
        #expect(platform.smc([0xC400_01E1, 0x1_0000_0000, 0x1_0020_0000]).x == [0, 1, 2, 0x1_0020_0000, 0])
        #expect(platform.smc([0xC400_01E1, 0x1_4000_0000, 0x1_4020_0000]).x == [0, 2, 2, 0x1_4020_0000, 0])
        #expect(platform.smc([0xC400_01F1, 0x1_4000_0000, 0x1_4000_1000]).x[0] == 0)
        var options = _COptions.defaults
        options.devCohCount = 1
        var handle: OpaquePointer?
        let code = withUnsafeBytes(of: &options) { srmm_platform_create($0.baseAddress, &handle) }
        #expect(code == ReturnCode.nullPointer.rawValue && handle == nil)
    }

    @Test("an MMIO array with count 0 means no device memory")
    func noMMIO() throws {
        var none = _CRegion(base: 0, size: 0)
        let platform = try withUnsafeBytes(of: &none) { region in
            try #require(
                CPlatform(
                    _COptions(
                        structSize: 104, dram: nil, dramCount: 0, mmio: region.baseAddress, mmioCount: 0, paBits: 0,
                        l0gptsz: 0,
                        cpus: 0, seed: 0, strictRangeState: 0, budget: 0, activate: 0, hostL1Tables: 0)))
        }
        // Device memory is gone: 0x1000 is NO_ACCESS now instead of Non-secure MMIO.
        #expect(platform.read(worldNS, 0x1000, count: 1).code == ReturnCode.faultGPC.rawValue)
    }

    /// Options that must be refused, and the code each gets.
    nonisolated(unsafe) static let refusedOptions: [(String, _COptions, ReturnCode)] = {
        func options(_ change: (inout _COptions) -> Void) -> _COptions {
            var options = _COptions.defaults
            change(&options)
            return options
        }
        return [
            ("strict_range_state 2", options { $0.strictRangeState = 2 }, .invalidArgument),
            ("activate 2", options { $0.activate = 2 }, .invalidArgument),
            ("host_l1_tables 2", options { $0.hostL1Tables = 2 }, .invalidArgument),
            ("a DRAM count without its array", options { $0.dramCount = 1 }, .nullPointer),
            ("an MMIO count without its array", options { $0.mmioCount = 3 }, .nullPointer),
            ("pa_bits 33", options { $0.paBits = 33 }, .invalidConfiguration),
            ("pa_bits UINT64_MAX", options { $0.paBits = .max }, .invalidConfiguration),
            ("l0gptsz 31", options { $0.l0gptsz = 31 }, .invalidConfiguration),
            (
                "l0gptsz beyond pa_bits",
                options {
                    $0.l0gptsz = 39; $0.paBits = 36
                }, .invalidConfiguration
            ),
            ("65 CPUs", options { $0.cpus = 65 }, .invalidConfiguration),
            ("tracking_region_size 4 MiB", options { $0.trackingRegionSize = 4 << 20 }, .invalidConfiguration),
            ("CPUs UINT64_MAX", options { $0.cpus = .max }, .invalidConfiguration),
        ]
    }()

    @Test("bad options are refused with their code and leave no handle", arguments: refusedOptions.indices)
    func refused(_ index: Int) {
        var (name, options, expected) = Self.refusedOptions[index]
        var handle = OpaquePointer(bitPattern: 0x1234)
        let code = withUnsafeBytes(of: &options) { srmm_platform_create($0.baseAddress, &handle) }
        #expect(code == expected.rawValue, "\(name)")
        #expect(handle == nil)
    }

    /// DRAM layouts that must be refused.
    static let refusedLayouts: [(String, [_CRegion], ReturnCode)] = [
        ("no DRAM", [], .invalidConfiguration),
        ("a misaligned base", [_CRegion(base: dram0 + 1, size: 0x10_0000)], .invalidConfiguration),
        ("an empty region", [_CRegion(base: dram0, size: 0)], .invalidConfiguration),
        ("a region past 2^64", [_CRegion(base: 0xFFFF_FFFF_FFFF_F000, size: 0x2000)], .invalidConfiguration),
        ("a region beyond the PA size", [_CRegion(base: 0x100_0000_0000, size: 0x1000)], .invalidConfiguration),
        ("a region over the default MMIO", [_CRegion(base: 0x1000, size: 0x1000)], .invalidConfiguration),
        (
            "overlapping regions", [_CRegion(base: dram0, size: 0x20_0000), _CRegion(base: dram0, size: 0x1000)],
            .invalidConfiguration
        ),
        ("65 regions", [_CRegion](repeating: _CRegion(base: dram0, size: 0x1000), count: 65), .invalidLength),
    ]

    @Test("bad DRAM layouts are refused", arguments: refusedLayouts)
    func refusedLayout(_ name: String, _ regions: [_CRegion], _ expected: ReturnCode) {
        var handle: OpaquePointer?
        let code = regions.withUnsafeBytes { array in
            var options = _COptions.defaults
            // A non-NULL array even for count 0: NULL would mean the default list.
            options.dram = array.baseAddress ?? UnsafeRawPointer(bitPattern: 0x8)
            options.dramCount = UInt64(regions.count)
            return withUnsafeBytes(of: &options) { srmm_platform_create($0.baseAddress, &handle) }
        }
        #expect(code == expected.rawValue, "\(name)")
        #expect(handle == nil)
    }
}

@Suite("SMCs through the C interface")
struct SMCTests {
    @Test("an SMC returns X0..X4 as the RMM answered")
    func version() throws {
        let platform = try #require(CPlatform())
        let answer = platform.smc([0xC400_0150, 0x20000], cpu: 3)
        #expect(answer.code == ok)
        #expect(answer.x[0] == 0 && answer.x[1] >> 16 == 2)
    }

    @Test("an FID nothing implements is an answer, not an error")
    func notSupported() throws {
        let platform = try #require(CPlatform())
        let answer = platform.smc([0x8400_FFFF])
        #expect(answer.code == ok && answer.x[0] == .max)
    }

    @Test("CPU indexes outside the platform are refused", arguments: [Int32.min, -1, 4, 64, Int32.max])
    func badCPU(_ cpu: Int32) throws {
        let platform = try #require(CPlatform())
        let answer = platform.smc([0xC400_0150, 0x20000], cpu: cpu)
        #expect(answer.code == invalidCPU)
        #expect(answer.x == [UInt64](repeating: 0xDEAD, count: 5))
        #expect(platform.stats().smc == 0)
    }

    @Test("NULL platform, inputs or outputs are refused")
    func nullPointers() throws {
        let platform = try #require(CPlatform())
        var input = [UInt64](repeating: 0, count: 7)
        var output = [UInt64](repeating: 0, count: 5)
        #expect(srmm_smc(nil, 0, &input, &output) == nullPointer)
        #expect(srmm_smc(platform.handle, 0, nil, &output) == nullPointer)
        #expect(srmm_smc(platform.handle, 0, &input, nil) == nullPointer)
    }
}

@Suite("Memory accesses through the C interface")
struct MemoryAccessTests {
    @Test("undelegated memory reads as zero and keeps what the host writes")
    func roundTrip() throws {
        let platform = try #require(CPlatform())
        #expect(platform.read(worldNS, dram0, count: 16).bytes == [UInt8](repeating: 0, count: 16))
        let written = platform.write(worldNS, dram0 + 0xFFC, [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(written.code == ok && written.fault.kind == _CFault.kindNone)
        let read = platform.read(worldNS, dram0 + 0xFFC, count: 8)
        #expect(read.code == ok && read.bytes == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(read.fault.kind == _CFault.kindNone && read.fault.world == UInt32(worldNS))
    }

    @Test("a Realm access to Non-secure memory faults with the GPF details, and changes nothing")
    func granuleProtectionFault() throws {
        let platform = try #require(CPlatform())
        let read = platform.read(worldRealm, dram0 + 0x40, count: 4)
        #expect(read.code == ReturnCode.faultGPC.rawValue)
        #expect(read.bytes == [0xEE, 0xEE, 0xEE, 0xEE])
        #expect(read.fault.pa == dram0 + 0x40 && read.fault.kind == _CFault.kindGPF)
        #expect(read.fault.level == 1 && read.fault.gpcsc == 0b001101 && read.fault.world == UInt32(worldRealm))
        #expect(platform.write(worldSecure, dram0, [9]).code == ReturnCode.faultGPC.rawValue)
        #expect(platform.read(worldNS, dram0, count: 1).bytes == [0])
        #expect(platform.stats().gpf == 2)
    }

    @Test("an address beyond the PA size is an address size fault, except for Non-secure accesses")
    func addressSize() throws {
        let platform = try #require(CPlatform())
        // Beyond PPS the check passes Non-secure accesses (there is simply no memory there) and faults the rest.
        #expect(platform.read(worldNS, 1 << 40, count: 1).code == ReturnCode.faultNotMemory.rawValue)
        let read = platform.read(worldRealm, 1 << 40, count: 1)
        #expect(read.code == ReturnCode.faultGPC.rawValue && read.fault.kind == _CFault.kindAddressSize)
        #expect(read.fault.gpcsc == 0)
    }

    @Test("MMIO passes the check but has no memory behind it")
    func notMemory() throws {
        let platform = try #require(CPlatform())
        let read = platform.read(worldNS, 0x1000, count: 1)
        #expect(read.code == ReturnCode.faultNotMemory.rawValue)
        #expect(read.fault.kind == _CFault.kindNotMemory && read.fault.pa == 0x1000)
    }

    @Test("the fault report is optional")
    func noFaultReport() throws {
        let platform = try #require(CPlatform())
        var byte: UInt8 = 0
        #expect(srmm_read(platform.handle, worldRealm, dram0, &byte, 1, nil) == ReturnCode.faultGPC.rawValue)
        #expect(srmm_write(platform.handle, worldNS, dram0, &byte, 1, nil) == ok)
    }

    @Test("worlds outside the enum are refused", arguments: [Int32(-1), 4, 255, 256, Int32.max])
    func badWorld(_ world: Int32) throws {
        let platform = try #require(CPlatform())
        #expect(platform.read(world, dram0, count: 1).code == invalidArgument)
        #expect(platform.write(world, dram0, [1]).code == invalidArgument)
    }

    @Test("lengths of 0 and above the maximum are refused", arguments: [UInt(0), (16 << 20) + 1, .max])
    func badLength(_ length: UInt) throws {
        let platform = try #require(CPlatform())
        var byte: UInt8 = 0
        #expect(srmm_read(platform.handle, worldNS, dram0, &byte, length, nil) == invalidLength)
        #expect(srmm_write(platform.handle, worldNS, dram0, &byte, length, nil) == invalidLength)
    }

    @Test("the largest access is accepted")
    func largestAccess() throws {
        let platform = try #require(CPlatform())
        #expect(platform.read(worldNS, dram0, count: 16 << 20).code == ok)
    }

    @Test("NULL platform or buffer is refused")
    func nullPointers() throws {
        let platform = try #require(CPlatform())
        var byte: UInt8 = 0
        #expect(srmm_read(nil, worldNS, dram0, &byte, 1, nil) == nullPointer)
        #expect(srmm_read(platform.handle, worldNS, dram0, nil, 1, nil) == nullPointer)
        #expect(srmm_write(nil, worldNS, dram0, &byte, 1, nil) == nullPointer)
        #expect(srmm_write(platform.handle, worldNS, dram0, nil, 1, nil) == nullPointer)
    }
}

@Suite("Inspection, counters, injection and the checker through the C interface")
struct InspectionTests {
    @Test("a granule's state and GPI follow delegation")
    func granuleStates() throws {
        let platform = try #require(CPlatform())
        let before = try #require(platform.granule(dram0))
        // Before activation nothing is tracked, but DRAM is architecturally UNDELEGATED.
        #expect(before.state == 0 && string(before.stateName) == "UNDELEGATED")
        #expect(before.gpi == 0x9 && string(before.gpiName) == "NS")
        #expect(platform.activate())
        #expect(platform.smc([0xC400_01F1, dram0, dram0 + 0x2000]).x == [0, dram0 + 0x2000, 0, 0, 0])
        let delegated = try #require(platform.granule(dram0 + 0x1000))
        #expect(delegated.state == 1 && string(delegated.stateName) == "DELEGATED")
        #expect(delegated.gpi == 0xB && string(delegated.gpiName) == "REALM" && delegated.refcount == 0)
        let next = try #require(platform.granule(dram0 + 0x2000))
        #expect(string(next.stateName) == "UNDELEGATED" && string(next.gpiName) == "NS")
        let beyond = try #require(platform.granule(1 << 40))
        #expect(beyond.gpi == _CGranuleInfo.none && string(beyond.gpiName) == "NONE")
        #expect(srmm_granule(platform.handle, dram0, nil) == nullPointer)
        #expect(srmm_granule(nil, dram0, UnsafeMutableRawPointer(bitPattern: 0x1000)) == nullPointer)
    }

    @Test("counters count SMCs, EL3 calls and scrubbing")
    func stats() throws {
        let platform = try #require(CPlatform())
        #expect(platform.activate())
        _ = platform.smc([0xC400_01F1, dram0, dram0 + 0x1000])
        _ = platform.smc([0xC400_01F2, dram0, dram0 + 0x1000])
        let stats = platform.stats()
        #expect(stats.smc == 4 && stats.el3Calls == 2 && stats.scrubbedBytes == 0x1000 && stats.otherSMC == 0)
        #expect(srmm_stats(platform.handle, nil) == nullPointer)
        #expect(srmm_stats(nil, UnsafeMutableRawPointer(bitPattern: 0x1000)) == nullPointer)
    }

    @Test("injected BUSY answers the next range SMCs, and clear drops what is pending")
    func inject() throws {
        let platform = try #require(CPlatform())
        #expect(platform.activate())
        #expect(srmm_inject(platform.handle, "busy", 1) == ok)
        #expect(platform.smc([0xC400_01F1, dram0, dram0 + 0x1000]).x[0] == 10)
        #expect(srmm_inject(platform.handle, "blocked", 5) == ok)
        #expect(srmm_inject(platform.handle, "clear", .max) == ok)
        #expect(platform.smc([0xC400_01F1, dram0, dram0 + 0x1000]).x[0] == 0)
        #expect(srmm_inject(platform.handle, "irq", 0) == ok)
    }

    @Test("unknown fault names are refused", arguments: ["", "bogus", "BUSY", "busy ", "zero-progress"])
    func unknownFault(_ name: String) throws {
        let platform = try #require(CPlatform())
        #expect(srmm_inject(platform.handle, name, 1) == ReturnCode.unknownFault.rawValue)
    }

    @Test("injection refuses NULL and counts beyond INT64_MAX")
    func injectArguments() throws {
        let platform = try #require(CPlatform())
        #expect(srmm_inject(platform.handle, nil, 1) == nullPointer)
        #expect(srmm_inject(nil, "busy", 1) == nullPointer)
        #expect(srmm_inject(platform.handle, "busy", .max) == invalidArgument)
        #expect(srmm_inject(platform.handle, "busy", UInt64(Int64.max)) == ok)
    }

    @Test("the checker is clean on a fresh and on an active platform")
    func checkClean() throws {
        let platform = try #require(CPlatform())
        #expect(platform.check() == (ok, "", 0))
        #expect(platform.activate())
        #expect(platform.check(size: 1) == (ok, "", 0))
        #expect(platform.check(size: 0) == (ok, "", 0))
    }

    @Test("the checker reports violations as lines, and truncates to the buffer")
    func checkViolations() throws {
        let platform = try #require(CPlatform())
        #expect(platform.activate())
        // Break an invariant behind the RMM's back: EL3 makes a DRAM granule Realm while the RMM says UNDELEGATED.
        let handle = try #require(PlatformHandle.from(platform.handle))
        _ = handle.machine.el3.gtsiDelegate(PhysicalAddress(dram0), from: .realm)
        let full = platform.check()
        #expect(full.code == ok && full.violations >= 1)
        #expect(full.text.hasSuffix("\n") && full.text.contains("UNDELEGATED"))
        let short = platform.check(size: 8)
        #expect(short.code == ReturnCode.bufferTooSmall.rawValue)
        #expect(short.text == String(full.text.prefix(7)) && short.violations == full.violations)
    }

    @Test("the checker refuses a NULL platform, and a NULL buffer with a size")
    func checkArguments() throws {
        let platform = try #require(CPlatform())
        var violations: UInt = 0
        #expect(srmm_check(nil, nil, 0, &violations) == nullPointer)
        #expect(srmm_check(platform.handle, nil, 16, &violations) == nullPointer)
        #expect(srmm_check(platform.handle, nil, 0, nil) == ok)
    }
}

@Suite("Names through the C interface")
struct NameTests {
    @Test(
        "status names follow bits 7:0 of X0",
        arguments: [
            (UInt64(0), "RMI_SUCCESS"), (1, "RMI_ERROR_INPUT"), (10, "RMI_BUSY"), (14, "RMI_BLOCKED"),
            (16, "RMI_ERROR_GRANULE"), (17, "UNKNOWN"), (0x1_0D, "RMI_INCOMPLETE"), (.max, "SMCCC_NOT_SUPPORTED"),
        ])
    func statusNames(_ x0: UInt64, _ name: String) {
        #expect(string(srmm_status_name(x0)) == name)
    }

    @Test("every return code has its own description, and others are unknown")
    func errorStrings() {
        let texts = ReturnCode.allCases.map { string(srmm_error_string($0.rawValue)) }
        #expect(Set(texts).count == ReturnCode.allCases.count)
        #expect(string(srmm_error_string(0)) == "success")
        #expect(string(srmm_error_string(-100)) == "unknown code")
        #expect(string(srmm_error_string(.max)) == "unknown code")
    }
}

@Suite("Concurrency through the C interface")
struct ConcurrencyTests {
    @Test("SMCs from every CPU at once delegate and undelegate disjoint ranges")
    func concurrentSMCs() async throws {
        let platform = try #require(CPlatform())
        #expect(platform.activate())
        let handle = UInt(bitPattern: platform.handle)
        // 4 CPUs, each 64 single-granule round trips on its own 2 MiB slice of DRAM0.
        let failures = await withTaskGroup(of: Int.self) { group in
            for cpu in 0..<4 {
                group.addTask {
                    let platform = OpaquePointer(bitPattern: handle)
                    var failures = 0
                    for index in 0..<64 {
                        let base = dram0 + UInt64(cpu) * 0x20_0000 + UInt64(index) * 0x1000
                        for fid: UInt64 in [0xC400_01F1, 0xC400_01F2] {
                            let input: [UInt64] = [fid, base, base + 0x1000, 0, 0, 0, 0]
                            var output = [UInt64](repeating: 0, count: 5)
                            var code = ok
                            // Other CPUs hold locks on shared GPT blocks and tracking regions: RMI_BUSY and
                            // RMI_BLOCKED mean "nothing changed, try again", retried here with a generous bound.
                            for _ in 0..<10_000 {
                                code = srmm_smc(platform, Int32(cpu), input, &output)
                                if code != ok || (output[0] != 10 && output[0] != 14) { break }
                                // The CPU holding the lock may be a thread the OS has not scheduled: let it run.
                                _ = sched_yield()
                            }
                            if code != ok || output[0] != 0 || output[1] != base + 0x1000 { failures += 1 }
                        }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
        #expect(platform.stats().smc >= 2 + 4 * 64 * 2)
        #expect(platform.check() == (ok, "", 0))
    }
}
