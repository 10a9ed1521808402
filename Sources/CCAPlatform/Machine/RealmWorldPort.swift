public import CCAArch
import Foundation
import GranuleProtection
public import RMM

/// The machine as the RMM sees it from the Realm world: its EL3 calls and memory accesses go through the
/// platform's choke points, where they are counted, traced and checked.
public final class RealmWorldPort: RMMPlatformPort, @unchecked Sendable {
    // @unchecked: every stored property is immutable and Sendable except `fatalLog`, which is behind a lock.
    let el3Router: SMCRouter<UnimplementedService, EL3FirmwareService>
    let memory: ProtectedMemory
    let interrupts: PendingInterrupts
    let counters: ArchitecturalCounters
    let allocator: LazyZeroedAllocator
    private let lock = NSLock()
    private var fatalLog: [String] = []

    init(
        el3Router: SMCRouter<UnimplementedService, EL3FirmwareService>, memory: ProtectedMemory,
        interrupts: PendingInterrupts, counters: ArchitecturalCounters, allocator: LazyZeroedAllocator
    ) {
        self.el3Router = el3Router
        self.memory = memory
        self.interrupts = interrupts
        self.counters = counters
        self.allocator = allocator
    }

    /// The fatal conditions the RMM reported, oldest first.
    public var fatalErrors: [String] {
        lock.lock()
        defer { lock.unlock() }
        return fatalLog
    }

    public func el3Call(_ call: SMCArguments, cpu: Int) -> SMCReturn { el3Router.el3Call(call, cpu: cpu) }

    public func read64(_ pa: PhysicalAddress, space: SecurityState) -> UInt64? {
        try? memory.read64(space, pa: pa).get()
    }

    public func write64(_ value: UInt64, at pa: PhysicalAddress, space: SecurityState) -> Bool {
        (try? memory.write64(space, pa: pa, value: value).get()) != nil
    }

    public func zero(_ base: PhysicalAddress, byteCount: UInt64, space: SecurityState) -> Bool {
        guard (try? memory.zero(space, pa: base, byteCount: byteCount).get()) != nil else { return false }
        if space == .realm { counters.recordScrubbedBytes(byteCount) }
        return true
    }

    public func copy(
        from source: PhysicalAddress, space sourceSpace: SecurityState, to destination: PhysicalAddress,
        space destinationSpace: SecurityState, byteCount: UInt64
    ) -> Bool {
        (try? memory.copy(from: source, as: sourceSpace, to: destination, as: destinationSpace, byteCount: byteCount)
            .get()) != nil
    }

    public func isInterruptPending(cpu: Int) -> Bool { interrupts.isPending(cpu: cpu) }

    public func allocateMetadata(byteCount: Int) -> MetadataMemory {
        do {
            return unsafe MetadataMemory(base: try allocator.allocate(byteCount: byteCount), byteCount: byteCount)
        } catch {
            fatalError("the platform could not reserve RMM metadata: \(error)")
        }
    }

    public func releaseMetadata(_ memory: MetadataMemory) {
        unsafe allocator.release(memory.base)
    }

    public func metadataMemory(at base: PhysicalAddress, byteCount: UInt64) -> MetadataMemory? {
        guard memory.check(.realm, pa: base, byteCount: byteCount) == nil,
            let pointer = unsafe memory.memory.rawPointer(base, byteCount: byteCount)
        else { return nil }
        return unsafe MetadataMemory(base: pointer, byteCount: Int(byteCount))
    }

    public func fatal(_ reason: StaticString, address: PhysicalAddress) {
        let message = "RMM fatal error: \(reason) at 0x\(String(address.rawValue, radix: 16))"
        lock.lock()
        fatalLog.append(message)
        lock.unlock()
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
