// The RMM as firmware: its platform port at Secure EL2 over the identity-mapped physical memory, its boot from
// EL3's manifest, and the handler the RMI loop in rmm/entry.S calls.
import CCAArch
import RMM

// MARK: The C platform layer (rmm/platform.c, rmm/entry.S, common/runtime.c)

@_silgen_name("console_puts") func consolePuts(_ text: UnsafePointer<UInt8>)
@_silgen_name("console_hex") func consoleHex(_ value: UInt64)
@_silgen_name("counter_ticks") func counterTicks() -> UInt64
@_silgen_name("heap_allocate") func heapAllocate(_ size: Int, _ alignment: Int) -> UnsafeMutableRawPointer?
@_silgen_name("heap_used") func heapUsed() -> UInt64
@_silgen_name("heap_allocations") func heapAllocations() -> UInt64
@_silgen_name("zero_memory") func zeroMemory(_ destination: UnsafeMutableRawPointer, _ count: Int)
@_silgen_name("memmove") func moveMemory(
    _ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, _ count: Int
) -> UnsafeMutableRawPointer
@_silgen_name("rmm_maps") func rmmMaps(_ pa: UInt64, _ size: UInt64) -> Int32
@_silgen_name("rmm_interrupt_pending") func rmmInterruptPending() -> UInt64
@_silgen_name("rmm_el3_call") func rmmEL3Call(_ registers: UnsafeMutablePointer<UInt64>)

func write(_ text: StaticString) { consolePuts(text.utf8Start) }

/// Word indices of the buffer EL3 shares with the RMM (include/rmm_boot.h).
enum RMMBootWord {
    static let version = 0
    static let physicalAddressBits = 1
    static let granuleShift = 2
    static let l0RegionBits = 3
    static let cpuCount = 4
    static let bankCount = 5
    static let banks = 6
    static let platformL1Count = 14
    static let platformL1Regions = 15
    static let heapUsed = 19
    static let heapAllocations = 20
    static let bootTicks = 22
    static let heapUsedNow = 23
    static let callAllocations = 24
    static let maximumBanks = 4
    static let maximumL1Regions = 4
    /// The boot interface version this RMM understands.
    static let supportedVersion: UInt64 = 1
}

/// The RMM's port on this board. Memory is identity-mapped at S-EL2; an access outside what the RMM maps answers
/// a failed access, as a granule protection or translation fault would. The granule protection check itself is
/// the hardware's: QEMU without FEAT_RME has none, so the PAS an access names is not checked here (see
/// docs/firmware.md). EL3 calls are real SMCs.
final class FirmwarePort: RMMPlatformPort, @unchecked Sendable {
    // @unchecked: no stored state; every method works on the machine itself.

    func el3Call(_ call: SMCArguments, cpu: Int) -> SMCReturn {
        var registers: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
            call.x0, call.x1, call.x2, call.x3, call.x4, call.x5, call.x6
        )
        withUnsafeMutablePointer(to: &registers) {
            $0.withMemoryRebound(to: UInt64.self, capacity: 7) { rmmEL3Call($0) }
        }
        return SMCReturn(registers.0, registers.1, registers.2, registers.3, registers.4)
    }

    func read64(_ pa: PhysicalAddress, space: SecurityState) -> UInt64? {
        guard pa.isAligned(to: 8), rmmMaps(pa.rawValue, 8) != 0,
            let word = UnsafePointer<UInt64>(bitPattern: UInt(pa.rawValue))
        else { return nil }
        return word.pointee
    }

    func write64(_ value: UInt64, at pa: PhysicalAddress, space: SecurityState) -> Bool {
        guard pa.isAligned(to: 8), rmmMaps(pa.rawValue, 8) != 0,
            let word = UnsafeMutablePointer<UInt64>(bitPattern: UInt(pa.rawValue))
        else { return false }
        word.pointee = value
        return true
    }

    func zero(_ base: PhysicalAddress, byteCount: UInt64, space: SecurityState) -> Bool {
        guard rmmMaps(base.rawValue, byteCount) != 0,
            let bytes = UnsafeMutableRawPointer(bitPattern: UInt(base.rawValue))
        else { return false }
        zeroMemory(bytes, Int(byteCount))
        return true
    }

    func copy(
        from source: PhysicalAddress, space sourceSpace: SecurityState, to destination: PhysicalAddress,
        space destinationSpace: SecurityState, byteCount: UInt64
    ) -> Bool {
        guard rmmMaps(source.rawValue, byteCount) != 0, rmmMaps(destination.rawValue, byteCount) != 0,
            let from = UnsafeRawPointer(bitPattern: UInt(source.rawValue)),
            let to = UnsafeMutableRawPointer(bitPattern: UInt(destination.rawValue))
        else { return false }
        _ = moveMemory(to, from, Int(byteCount))
        return true
    }

    /// ISR_EL1's A, I and F bits: nothing on this board raises them yet, but a pending one makes commands yield.
    func isInterruptPending(cpu: Int) -> Bool { rmmInterruptPending() != 0 }

    func allocateMetadata(byteCount: Int) -> MetadataMemory {
        guard let memory = heapAllocate(byteCount, 4096) else { fatalError("the RMM's heap cannot hold its metadata") }
        zeroMemory(memory, byteCount)
        return MetadataMemory(base: memory, byteCount: byteCount)
    }

    /// The bump heap reclaims nothing (its `free` is empty too): a table RMI_RMM_DEACTIVATE discards stays in
    /// `heap_used`, and a later activation takes new memory.
    func releaseMetadata(_ memory: MetadataMemory) {}

    /// Identity-mapped like every access here; the Realm check is the hardware's.
    func metadataMemory(at base: PhysicalAddress, byteCount: UInt64) -> MetadataMemory? {
        guard rmmMaps(base.rawValue, byteCount) != 0,
            let memory = UnsafeMutableRawPointer(bitPattern: UInt(base.rawValue))
        else { return nil }
        return MetadataMemory(base: memory, byteCount: Int(byteCount))
    }

    func fatal(_ reason: StaticString, address: PhysicalAddress) {
        write("[RMM] FATAL: ")
        consolePuts(reason.utf8Start)
        write(" at ")
        consoleHex(address.rawValue)
        write("\n")
    }
}

nonisolated(unsafe) var monitor: RealmManagementMonitor?
nonisolated(unsafe) var sharedBuffer: UnsafeMutablePointer<UInt64>?

/// The manifest in EL3's words, or `nil` when it is not one this RMM can use.
func readManifest(_ words: UnsafeMutablePointer<UInt64>) -> RMMBootManifest? {
    guard words[RMMBootWord.version] == RMMBootWord.supportedVersion,
        words[RMMBootWord.granuleShift] == 12,
        words[RMMBootWord.bankCount] >= 1, words[RMMBootWord.bankCount] <= UInt64(RMMBootWord.maximumBanks),
        words[RMMBootWord.platformL1Count] <= UInt64(RMMBootWord.maximumL1Regions),
        words[RMMBootWord.cpuCount] >= 1, words[RMMBootWord.cpuCount] <= 64
    else { return nil }
    var banks: [MemoryBank] = []
    for index in 0..<Int(words[RMMBootWord.bankCount]) {
        let base = words[RMMBootWord.banks + 2 * index]
        let size = words[RMMBootWord.banks + 2 * index + 1]
        // The RMM only tracks memory it can reach.
        guard rmmMaps(base, size) != 0 else { return nil }
        banks.append(MemoryBank(base: PhysicalAddress(base), size: size))
    }
    var l1Regions: [PhysicalAddress] = []
    for index in 0..<Int(words[RMMBootWord.platformL1Count]) {
        l1Regions.append(PhysicalAddress(words[RMMBootWord.platformL1Regions + index]))
    }
    return RMMBootManifest(
        physicalAddressBits: Int(words[RMMBootWord.physicalAddressBits]), granuleSize: .size4KB,
        l0RegionBits: Int(words[RMMBootWord.l0RegionBits]), banks: banks, platformL1Regions: l1Regions,
        cpuCount: Int(words[RMMBootWord.cpuCount]))
}

/// Boot on `cpu`: the cold boot (CPU 0) builds the RMM from EL3's manifest; a warm boot checks it exists.
/// Returns 0 when the RMM is ready on this CPU (the status of RMM_BOOT_COMPLETE).
@_cdecl("rmm_boot")
public func rmmBoot(_ cpu: UInt64, _ version: UInt64, _ cpuCount: UInt64, _ buffer: UInt64) -> UInt64 {
    guard version == RMMBootWord.supportedVersion else { return 1 }
    guard cpu != 0 else {
        let start = counterTicks()
        guard let words = UnsafeMutablePointer<UInt64>(bitPattern: UInt(buffer)), let manifest = readManifest(words),
            manifest.cpuCount == Int(cpuCount)
        else {
            write("[RMM] the boot manifest is not usable\n")
            return 2
        }
        monitor = RealmManagementMonitor(manifest: manifest, port: FirmwarePort())
        sharedBuffer = words
        words[RMMBootWord.heapUsed] = heapUsed()
        words[RMMBootWord.heapAllocations] = heapAllocations()
        words[RMMBootWord.heapUsedNow] = heapUsed()
        words[RMMBootWord.bootTicks] = counterTicks() &- start
        return 0
    }
    guard let monitor, cpu < UInt64(monitor.manifest.cpuCount) else { return 3 }
    return 0
}

/// One RMI call: `registers` holds X0...X6 on entry and the answer's X0...X4 on return.
@_cdecl("rmm_handle")
public func rmmHandle(_ registers: UnsafeMutablePointer<UInt64>, _ cpu: UInt64) {
    guard let monitor else {
        registers[0] = SMCReturn.notSupported.x0
        return
    }
    let call = SMCArguments(
        registers[0], registers[1], registers[2], registers[3], registers[4], registers[5], registers[6])
    let allocationsBefore = heapAllocations()
    let answer = monitor.handle(call, cpu: Int(cpu))
    let allocations = heapAllocations() &- allocationsBefore
    if allocations != 0 && FunctionID(call.x0) != .rmmActivate {
        sharedBuffer?[RMMBootWord.callAllocations] &+= allocations
    }
    (registers[0], registers[1], registers[2], registers[3], registers[4]) = (
        answer.x0, answer.x1, answer.x2, answer.x3, answer.x4
    )
    sharedBuffer?[RMMBootWord.heapUsedNow] = heapUsed()
}
