import CCAArch
import CCAPlatform
import Synchronization
import Testing

@Suite("Wipes skip the 2 MiB chunks never written")
struct NeverWrittenWipeTests {
    static let mebibyte: UInt64 = 1 << 20
    static let base = PhysicalAddress(1 << 32)
    /// 64 MiB of DRAM at 4 GiB, without a host view (the host view writes behind the model's back).
    static func makeMemory() throws -> PhysicalMemory {
        try PhysicalMemory(
            configuration: PlatformConfiguration(
                physicalAddressBits: 40,
                dramRegions: [MemoryRegion(name: "DRAM", base: base, size: 64 * mebibyte)]))
    }

    @Test("a wipe of never-written memory makes no madvise; a written chunk is still wiped, then forgotten")
    func wipeSkipsNeverWritten() throws {
        let memory = try Self.makeMemory()
        let all = 64 * Self.mebibyte
        #expect(memory.rawZero(Self.base, byteCount: all).value != nil)
        #expect(memory.pageDropCallCount == 0)
        #expect(memory.wipedByteCount == all)

        // 8 KiB across a page boundary of the third 2 MiB chunk.
        let written = Self.base + 4 * Self.mebibyte + 0x800
        #expect(memory.rawWrite(written, bytes: [UInt8](repeating: 0xA5, count: 8192)).value != nil)
        #expect(memory.rawZero(Self.base, byteCount: all).value != nil)
        #expect(memory.pageDropCallCount == 1)
        #expect(memory.rawRead(written, count: 8192).value == [UInt8](repeating: 0, count: 8192))
        // Wiped whole, the chunk holds zeros and counts as never written again.
        #expect(memory.rawZero(Self.base, byteCount: all).value != nil)
        #expect(memory.pageDropCallCount == 1)
    }

    @Test("a wipe of part of a written chunk clears those bytes and keeps the chunk's other writes tracked")
    func partialChunk() throws {
        let memory = try Self.makeMemory()
        let chunk = Self.base + 10 * Self.mebibyte
        let size = 128 * 1024
        #expect(memory.rawWrite(chunk, bytes: [UInt8](repeating: 0x5A, count: 2 * size)).value != nil)
        #expect(memory.rawZero(chunk, byteCount: UInt64(size)).value != nil)
        #expect(memory.pageDropCallCount == 1)
        #expect(memory.rawRead(chunk, count: size).value == [UInt8](repeating: 0, count: size))
        #expect(memory.rawRead(chunk + UInt64(size), count: size).value == [UInt8](repeating: 0x5A, count: size))
        #expect(memory.rawZero(chunk + UInt64(size), byteCount: UInt64(size)).value != nil)
        #expect(memory.pageDropCallCount == 2)
        #expect(memory.rawRead(chunk + UInt64(size), count: size).value == [UInt8](repeating: 0, count: size))
    }

    @Test("a wipe of fewer than 64 KiB of whole pages clears them in place; from 64 KiB on it drops them")
    func smallWipesClearInPlace() throws {
        let memory = try Self.makeMemory()
        let chunk = Self.base + 12 * Self.mebibyte
        #expect(memory.rawWrite(chunk, bytes: [UInt8](repeating: 0xC3, count: 256 * 1024)).value != nil)
        // A granule, then 60 KiB: no madvise, zeros all the same.
        #expect(memory.rawZero(chunk, byteCount: 4096).value != nil)
        #expect(memory.rawZero(chunk + 4096, byteCount: 60 * 1024).value != nil)
        #expect(memory.pageDropCallCount == 0)
        #expect(memory.rawRead(chunk, count: 64 * 1024).value == [UInt8](repeating: 0, count: 64 * 1024))
        #expect(memory.rawRead(chunk + 64 * 1024, count: 4).value == [0xC3, 0xC3, 0xC3, 0xC3])
        // 64 KiB of whole pages: one madvise.
        #expect(memory.rawZero(chunk + 64 * 1024, byteCount: 64 * 1024).value != nil)
        #expect(memory.pageDropCallCount == 1)
        #expect(memory.rawRead(chunk + 64 * 1024, count: 64 * 1024).value == [UInt8](repeating: 0, count: 64 * 1024))
    }

    @Test("a copy marks its destination chunk written")
    func copyMarksDestination() throws {
        let memory = try Self.makeMemory()
        let source = Self.base + 0x1000
        let destination = Self.base + 40 * Self.mebibyte
        #expect(memory.rawWrite(source, bytes: [1, 2, 3, 4]).value != nil)
        #expect(memory.rawCopy(from: source, to: destination, byteCount: 4096).value != nil)
        #expect(memory.rawZero(destination, byteCount: 2 * Self.mebibyte).value != nil)
        #expect(memory.pageDropCallCount == 1)
        #expect(memory.rawRead(destination, count: 4).value == [0, 0, 0, 0])
    }

    @Test("CPUs writing and wiping their own granules of shared chunks on real threads each see their own bytes")
    func concurrentCPUs() throws {
        let memory = try Self.makeMemory()
        let failures = Atomic<Int>(0)
        let cpus = 4
        try ProcessingElements(count: cpus).run { cpu in
            for round in 0..<64 {
                // Granule (round * cpus + cpu) of the first 1 MiB, and one granule of its own never written.
                let granule = Self.base + UInt64(round * cpus + cpu) * 4096
                let untouched = Self.base + 32 * Self.mebibyte + UInt64(round * cpus + cpu) * 4096
                let bytes = [UInt8](repeating: UInt8(cpu + 1), count: 4096)
                var ok = memory.rawWrite(granule, bytes: bytes).value != nil
                ok = ok && memory.rawRead(granule, count: 4096).value == bytes
                ok = ok && memory.rawZero(granule, byteCount: 4096).value != nil
                ok = ok && memory.rawRead(granule, count: 4096).value == [UInt8](repeating: 0, count: 4096)
                ok = ok && memory.rawZero(untouched, byteCount: 4096).value != nil
                if !ok { failures.add(1, ordering: .relaxed) }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        // Every wipe of the written chunk cleared its granule in place (too small to drop); none of the
        // never-written one touched memory at all (its bytes read as zero above either way).
        #expect(memory.pageDropCallCount == 0)
    }

    @Test("a one-granule delegate/undelegate ping-pong through the machine: no madvise, bounded L1 word writes")
    func machinePingPong() throws {
        let machine = try Machine()
        let host = machine.host()
        try host.initialize()
        let pa = UInt64(0x8000_0000) + 300 * Self.mebibyte
        let call = { (function: FunctionID) in
            machine.smc(SMCArguments(function.rawValue, pa, pa + 4096))
        }
        #expect(call(.granuleRangeDelegate).x0 == 0)
        #expect(call(.granuleRangeUndelegate).x0 == 0)
        let drops = machine.resources.memory.pageDropCallCount
        let before = machine.counters.snapshot()
        for _ in 0..<100 {
            #expect(call(.granuleRangeDelegate).x0 == 0)
            #expect(call(.granuleRangeUndelegate).x0 == 0)
        }
        let after = machine.counters.snapshot()
        #expect(machine.resources.memory.pageDropCallCount == drops)
        #expect(after.scrubbedBytes - before.scrubbedBytes == 100 * 4096)
        // Per SMC: at most the granule's 2 MB block (32 words) shattered or fused, and two GPI writes.
        #expect(after.l1DescriptorWrites - before.l1DescriptorWrites <= 200 * 34)
        #expect(after.l1DescriptorWrites - before.l1DescriptorWrites >= 200)
        #expect(after.tlbi - before.tlbi <= 200 * 2)
        #expect(machine.checkInvariants().isEmpty)
    }
}
