import CCAArch
import CCAPlatform
import Testing

@Suite("ProtectedMemory")
struct ProtectedMemoryTests {
    let memory: PhysicalMemory
    let checker = MapChecker()
    let counters = ArchitecturalCounters()
    let protected: ProtectedMemory
    let base = PhysicalAddress(0x8000_0000)

    init() throws {
        memory = try PhysicalMemory(configuration: .default)
        protected = ProtectedMemory(memory: memory, checker: checker, counters: counters)
    }

    static let grants: [(GPI, SecurityState, Bool)] = SecurityState.allCases.flatMap { state in
        [GPI.noAccess, .secure, .nonSecure, .root, .realm, .any].map { gpi in (gpi, state, gpi.permits(state)) }
    }

    @Test("each world reads and writes exactly where the checker allows it", arguments: grants)
    func worldAccess(gpi: GPI, state: SecurityState, allowed: Bool) {
        checker.set(base.rawValue, to: gpi)
        let write = protected.write(state, pa: base + 16, bytes: [1, 2, 3])
        let read = protected.read(state, pa: base + 16, count: 3)
        if allowed {
            #expect(write.value != nil)
            #expect(read.value == [1, 2, 3])
            #expect(counters.snapshot().gpcFaults == 0)
        } else {
            let fault = GPCFault(pa: base + 16, kind: .gpf, level: 1, accessedBy: state)
            #expect(write.failure == .protection(fault))
            #expect(read.failure == .protection(fault))
            #expect(memory.rawRead(base + 16, count: 3).value == [0, 0, 0])
            #expect(counters.snapshot().gpcFaults == 2)
        }
    }

    @Test("an access spanning granules is checked granule by granule and faults at the first failing granule")
    func spanningFault() {
        // Granules 0 and 1 are Non-secure, granule 2 is Realm: a write over all three changes no byte.
        checker.set(base.rawValue + 0x2000, to: .realm)
        let bytes = [UInt8](repeating: 0xEE, count: 0x2800)
        let result = protected.write(.nonSecure, pa: base + 0x800, bytes: bytes)
        #expect(
            result.failure
                == .protection(GPCFault(pa: base + 0x2000, kind: .gpf, level: 1, accessedBy: .nonSecure)))
        #expect(memory.rawRead(base, count: 0x4000).value == [UInt8](repeating: 0, count: 0x4000))
        #expect(checker.checkCount == 3)
        // The same span stopping short of the Realm granule succeeds and checks two granules.
        #expect(protected.write(.nonSecure, pa: base + 0x800, bytes: Array(bytes[..<0x1800])).value != nil)
        #expect(protected.read(.nonSecure, pa: base + 0x800, count: 0x1800).value == Array(bytes[..<0x1800]))
    }

    @Test("a faulting zero or copy changes no byte")
    func faultingZeroAndCopy() {
        let data: [UInt8] = [9, 8, 7, 6]
        #expect(memory.rawWrite(base, bytes: data).value != nil)
        #expect(memory.rawWrite(base + 0x1000, bytes: data).value != nil)
        checker.set(base.rawValue + 0x1000, to: .realm)
        #expect(protected.zero(.nonSecure, pa: base, byteCount: 0x2000).failure != nil)
        #expect(memory.rawRead(base, count: 4).value == data)
        #expect(memory.wipedByteCount == 0)
        // Copy from Non-secure granule 0 into the Realm granule as Non-secure: the destination check fails.
        #expect(protected.copy(.nonSecure, from: base, to: base + 0x1004, byteCount: 4).failure != nil)
        #expect(memory.rawRead(base + 0x1004, count: 4).value == [0, 0, 0, 0])
        // Read as Non-secure, written as Realm: both checks pass.
        #expect(
            protected.copy(from: base, as: .nonSecure, to: base + 0x1004, as: .realm, byteCount: 4).value != nil)
        #expect(memory.rawRead(base + 0x1004, count: 4).value == data)
        #expect(protected.zero(.realm, pa: base + 0x1000, byteCount: 0x1000).value != nil)
        #expect(memory.rawRead(base + 0x1000, count: 8).value == [0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test("an allowed access to a device region or a hole is not memory")
    func deviceAccess() {
        #expect(
            protected.read(.nonSecure, pa: PhysicalAddress(0x1000), count: 4).failure
                == .notMemory(PhysicalAddress(0x1000)))
        #expect(
            protected.write(.nonSecure, pa: PhysicalAddress(0xFFFF_FFFC), bytes: [1, 2, 3, 4, 5, 6, 7, 8]).failure
                == .notMemory(PhysicalAddress(0x1_0000_0000)))
        #expect(memory.rawRead(PhysicalAddress(0xFFFF_FFFC), count: 4).value == [0, 0, 0, 0])
        #expect(protected.read(.nonSecure, pa: base, count: -5).failure == .invalidLength(-5))
    }

    @Test("an access running past the top of the address space is refused, not wrapped")
    func wrappingAccess() {
        let result = protected.read(.nonSecure, pa: PhysicalAddress(.max - 3), count: 8)
        #expect(result.failure == .notMemory(PhysicalAddress(.max - 3)))
        #expect(
            protected.zero(.nonSecure, pa: PhysicalAddress(0xFFFF_F000), byteCount: .max).failure
                == .notMemory(PhysicalAddress(0x1_0000_0000)))
        #expect(memory.wipedByteCount == 0)
    }

    @Test("a protection fault on the granule of a hole comes before the hole")
    func faultBeforeHole() {
        checker.set(0x1_0000_0000, to: .realm)
        #expect(
            protected.read(.nonSecure, pa: PhysicalAddress(0xFFFF_F000), count: 0x2000).failure
                == .protection(
                    GPCFault(pa: PhysicalAddress(0x1_0000_0000), kind: .gpf, level: 1, accessedBy: .nonSecure)))
        // With the hole's granule allowed, the access ends at the hole; granules past it are never checked.
        checker.set(0x1_0000_0000, to: .nonSecure)
        let before = checker.checkCount
        #expect(
            protected.read(.nonSecure, pa: PhysicalAddress(0xFFFF_F000), count: 0x10_0000).failure
                == .notMemory(PhysicalAddress(0x1_0000_0000)))
        #expect(checker.checkCount - before == 2)
    }

    @Test("64-bit words round-trip through the check")
    func words() {
        #expect(protected.write64(.nonSecure, pa: base + 8, value: 0xDEAD_BEEF_0BAD_F00D).value != nil)
        #expect(protected.read64(.nonSecure, pa: base + 8).value == 0xDEAD_BEEF_0BAD_F00D)
        checker.set(base.rawValue, to: .realm)
        #expect(protected.read64(.nonSecure, pa: base + 8).failure != nil)
    }

    @Test("memory accesses are traced with their operation, address, size, world and outcome")
    func tracing() {
        let tracer = Tracer(capacity: 8, enabled: true)
        let traced = ProtectedMemory(memory: memory, checker: checker, counters: counters, tracer: tracer)
        checker.set(base.rawValue + 0x1000, to: .realm)
        _ = traced.write(.nonSecure, pa: base, bytes: [1])
        _ = traced.read(.nonSecure, pa: base + 0x1000, count: 1)
        let events = tracer.snapshot().events
        #expect(events.count == 2)
        #expect(events[0].kind == .memoryAccess)
        #expect(events[0].functionID == MemoryAccessOperation.write.rawValue)
        #expect(events[0].arguments == SMCArguments(1, base.rawValue, 1, 1))
        #expect(events[0].result == SMCReturn(0))
        #expect(events[1].result == SMCReturn(1, base.rawValue + 0x1000, 0b001101))
    }

    @Test("CPUs on real threads write and read back disjoint granules concurrently")
    func concurrentDisjointGranules() throws {
        let cpus = try ProcessingElements(count: 4)
        let protected = self.protected
        let base = self.base
        let mismatches = cpus.map { cpu -> Int in
            var wrong = 0
            for round in 0..<64 {
                let granule = base + UInt64(round * 4 + cpu) * 0x1000
                let pattern = [UInt8](repeating: UInt8(cpu + 1), count: 4096)
                if protected.write(.nonSecure, pa: granule, bytes: pattern).value == nil { wrong += 1 }
                if protected.read(.nonSecure, pa: granule, count: 4096).value != pattern { wrong += 1 }
            }
            return wrong
        }
        #expect(mismatches == [0, 0, 0, 0])
        for round in 0..<64 {
            for cpu in 0..<4 {
                let granule = base + UInt64(round * 4 + cpu) * 0x1000
                #expect(memory.rawRead(granule, count: 1).value == [UInt8(cpu + 1)])
            }
        }
    }
}
