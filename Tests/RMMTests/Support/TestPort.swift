import CCAArch
import Foundation
import RMM

/// A deterministic platform for RMM unit tests: a per-granule GPI map, word-granular memory, and an EL3 whose
/// answers a test can script. Everything is behind one mutex.
final class TestPort: RMMPlatformPort, @unchecked Sendable {
    struct State {
        var gpi: [UInt64: GPI] = [:]
        var memory: [UInt64: UInt64] = [:]
        var el3Calls: [SMCArguments] = []
        /// Scripted EL3 answers for the next GPI_SET calls: a FIRME status, and how many granules to process
        /// first (nil = as many as the GPT allows).
        var el3Script: [(status: Int32, processed: UInt64?)] = []
        var interruptPending = false
        var fatal: [String] = []
        var zeroed: [(UInt64, UInt64)] = []
        /// Metadata bytes the RMM holds now (allocated and not released).
        var metadataBytes = 0
        /// Blocks `metadataMemory` gave, by base.
        var donatedMetadata: [UInt64: UnsafeMutableRawPointer] = [:]
    }

    let banks: [MemoryBank]
    let granuleShift: UInt64
    // @unchecked: `state` is only reached through `locked`, which holds a pthread mutex (visible to TSan).
    let state = Locked(State())

    init(banks: [MemoryBank], granuleShift: UInt64 = 12) {
        self.banks = banks
        self.granuleShift = granuleShift
    }

    func isMemory(_ pa: UInt64) -> Bool { banks.contains { $0.contains(PhysicalAddress(pa)) } }

    /// The GPI of the granule at `pa`: DRAM starts Non-secure.
    func gpi(_ pa: UInt64) -> GPI { state.withLock { $0.gpi[pa >> granuleShift] ?? .nonSecure } }

    func word(_ pa: UInt64) -> UInt64 { state.withLock { $0.memory[pa] ?? 0 } }

    func script(_ answers: (Int32, UInt64?)...) {
        state.withLock { $0.el3Script += answers.map { (status: $0.0, processed: $0.1) } }
    }

    var el3Calls: [SMCArguments] { state.withLock { $0.el3Calls } }
    var fatalReasons: [String] { state.withLock { $0.fatal } }
    var metadataBytes: Int { state.withLock { $0.metadataBytes } }

    // MARK: RMMPlatformPort

    func el3Call(_ call: SMCArguments, cpu: Int) -> SMCReturn {
        state.withLock { state in
            state.el3Calls.append(call)
            guard call.x0 == 0xC400_0402, let target = GPI(rawValue: UInt8(call.x3 & 0xF)) else {
                return SMCReturn(UInt64(bitPattern: -1))
            }
            let source: GPI = target == .realm ? .nonSecure : .realm
            var limit = call.x2
            var status: Int32 = 0
            if !state.el3Script.isEmpty {
                let scripted = state.el3Script.removeFirst()
                status = scripted.status
                limit = min(limit, scripted.processed ?? limit)
            }
            var processed: UInt64 = 0
            while processed < limit {
                let index = (call.x1 >> granuleShift) + processed
                guard isMemory(index << granuleShift), (state.gpi[index] ?? .nonSecure) == source else {
                    if status == 0 { status = -5 }
                    break
                }
                state.gpi[index] = target
                processed += 1
            }
            if status == 0 && processed == 0 { status = -5 }
            return SMCReturn(UInt64(bitPattern: Int64(status)), processed)
        }
    }

    private func allowed(_ pa: PhysicalAddress, _ space: SecurityState) -> Bool {
        isMemory(pa.rawValue) && (state.withLock { $0.gpi[pa.rawValue >> granuleShift] } ?? .nonSecure).permits(space)
    }

    func read64(_ pa: PhysicalAddress, space: SecurityState) -> UInt64? {
        guard allowed(pa, space) else { return nil }
        return state.withLock { $0.memory[pa.rawValue] ?? 0 }
    }

    func write64(_ value: UInt64, at pa: PhysicalAddress, space: SecurityState) -> Bool {
        guard allowed(pa, space) else { return false }
        state.withLock { $0.memory[pa.rawValue] = value }
        return true
    }

    func zero(_ base: PhysicalAddress, byteCount: UInt64, space: SecurityState) -> Bool {
        var pa = base.rawValue
        while pa < base.rawValue + byteCount {
            guard allowed(PhysicalAddress(pa), space) else { return false }
            pa += 1 << granuleShift
        }
        state.withLock { state in
            state.zeroed.append((base.rawValue, byteCount))
            state.memory = state.memory.filter { $0.key < base.rawValue || $0.key >= base.rawValue + byteCount }
        }
        return true
    }

    func copy(
        from source: PhysicalAddress, space sourceSpace: SecurityState, to destination: PhysicalAddress,
        space destinationSpace: SecurityState, byteCount: UInt64
    ) -> Bool {
        var offset: UInt64 = 0
        while offset < byteCount {
            guard let value = read64(source + offset, space: sourceSpace),
                write64(value, at: destination + offset, space: destinationSpace)
            else { return false }
            offset += 8
        }
        return true
    }

    func isInterruptPending(cpu: Int) -> Bool { state.withLock { $0.interruptPending } }

    func allocateMetadata(byteCount: Int) -> MetadataMemory {
        state.withLock { $0.metadataBytes += byteCount }
        return MetadataMemory(base: calloc(byteCount, 1)!, byteCount: byteCount)
    }

    func releaseMetadata(_ memory: MetadataMemory) {
        state.withLock { $0.metadataBytes -= memory.byteCount }
        free(memory.base)
    }

    /// Donated metadata: one zeroed block per base, kept for the port's life (word-granular test memory has no
    /// stable bytes), after the Realm check of every granule.
    func metadataMemory(at base: PhysicalAddress, byteCount: UInt64) -> MetadataMemory? {
        var pa = base.rawValue
        while pa < base.rawValue + byteCount {
            guard allowed(PhysicalAddress(pa), .realm) else { return nil }
            pa += 1 << granuleShift
        }
        let block = state.withLock { state in
            if let block = state.donatedMetadata[base.rawValue] { return block }
            let block = calloc(Int(byteCount), 1)!
            state.donatedMetadata[base.rawValue] = block
            return block
        }
        return MetadataMemory(base: block, byteCount: Int(byteCount))
    }

    func fatal(_ reason: StaticString, address: PhysicalAddress) {
        state.withLock { $0.fatal.append("\(reason) at 0x\(String(address.rawValue, radix: 16))") }
    }
}

/// A value behind a pthread-based lock. Tests use it rather than Synchronization.Mutex, whose futex-based lock
/// ThreadSanitizer cannot see on Linux.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
