import CCAArch
import CCAPlatform
import Testing

@Suite("PhysicalMemory")
struct PhysicalMemoryTests {
    /// 1 TiB of DRAM at 1 TiB on a 44-bit PA, plus a small second bank right after it.
    static let terabyte = PlatformConfiguration(
        physicalAddressBits: 44,
        dramRegions: [
            MemoryRegion(name: "DRAM0", base: PhysicalAddress(1 << 40), size: 1 << 40),
            MemoryRegion(name: "DRAM1", base: PhysicalAddress(2 << 40), size: 1 << 30),
        ],
        mmioRegions: [MemoryRegion(name: "MMIO0", base: PhysicalAddress(0), size: 1 << 30, category: .none)])

    @Test("an invalid configuration is refused with its configuration error")
    func invalidConfiguration() {
        var configuration = PlatformConfiguration.default
        configuration.dramRegions = []
        #expect(throws: PhysicalMemoryError.invalidConfiguration(.noDRAM)) {
            _ = try PhysicalMemory(configuration: configuration)
        }
    }

    @Test("a layout larger than the host can reserve is refused with the region and errno")
    func reservationFailure() {
        // 4 PiB of DRAM is beyond the 128 TiB of user address space an x86-64 or arm64 process gets by default.
        let configuration = PlatformConfiguration(
            physicalAddressBits: 52, dramRegions: [MemoryRegion(name: "HUGE", base: PhysicalAddress(0), size: 1 << 52)])
        #expect {
            _ = try PhysicalMemory(configuration: configuration)
        } throws: { error in
            guard case .reservationFailed(let region, let size, let errno) = error as? PhysicalMemoryError else {
                return false
            }
            return region == "HUGE" && size == 1 << 52 && errno != 0
        }
    }

    @Test("a 1 TiB layout reads zero untouched, reads back writes and stays small in resident memory")
    func sparseTerabyte() throws {
        let memory = try PhysicalMemory(configuration: Self.terabyte)
        let base = PhysicalAddress(1 << 40)
        let baseline = memory.residentBytes()
        #expect(baseline == 0)

        #expect(memory.rawRead(base + 0x1234_5000, count: 64).value == [UInt8](repeating: 0, count: 64))
        #expect(memory.rawRead(base + ((1 << 40) - 16), count: 16).value == [UInt8](repeating: 0, count: 16))

        // Write 4 MiB spread over the terabyte: 1 MiB runs at four places far apart.
        let run = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let offsets: [UInt64] = [0, 1 << 38, 1 << 39, (1 << 40) - (1 << 20)]
        for offset in offsets { #expect(memory.rawWrite(base + offset, bytes: run).value != nil) }
        for offset in offsets { #expect(memory.rawRead(base + offset, count: run.count).value == run) }

        // Each run lies in one 2 MiB block: with transparent huge pages on, each costs one 2 MiB page.
        let hugePage: UInt64 = 2 << 20
        let resident = memory.residentBytes()
        #expect(resident >= 4 << 20)
        #expect(resident <= 4 * hugePage + 2 * hugePage)

        // Wiping the whole 2 MiB blocks drops them, huge pages or not.
        for offset in offsets {
            let block = offset & ~(hugePage - 1)
            #expect(memory.rawZero(base + block, byteCount: hugePage).value != nil)
        }
        // Measured before reading the wiped runs back: a read maps the host's shared zero page (a 2 MiB one with
        // huge pages), which `mincore` reports as resident although it costs nothing. What is left is the two
        // untouched places read above.
        #expect(memory.residentBytes() <= 2 * hugePage)
        for offset in offsets {
            #expect(memory.rawRead(base + offset, count: run.count).value == [UInt8](repeating: 0, count: run.count))
        }
        #expect(memory.wipedByteCount == 4 * hugePage)
    }

    @Test("a wipe of part of a page clears exactly those bytes")
    func partialWipe() throws {
        let memory = try PhysicalMemory(configuration: .default)
        let pa = PhysicalAddress(0x8000_0000)
        let bytes = [UInt8](repeating: 0xAB, count: 3 * 4096)
        #expect(memory.rawWrite(pa, bytes: bytes).value != nil)
        #expect(memory.rawZero(pa + 100, byteCount: 2 * 4096).value != nil)
        let after = try #require(memory.rawRead(pa, count: bytes.count).value)
        #expect(after[..<100].allSatisfy { $0 == 0xAB })
        #expect(after[100..<(100 + 2 * 4096)].allSatisfy { $0 == 0 })
        #expect(after[(100 + 2 * 4096)...].allSatisfy { $0 == 0xAB })
        #expect(memory.wipedByteCount == 2 * 4096)
    }

    @Test("accesses outside DRAM fail with the first address that is not memory and change nothing")
    func notMemory() throws {
        let memory = try PhysicalMemory(configuration: .default)
        #expect(memory.rawRead(PhysicalAddress(0x1000), count: 8).failure == .notMemory(PhysicalAddress(0x1000)))
        let top = PhysicalAddress(0x1_0000_0000)
        #expect(
            memory.rawWrite(PhysicalAddress(top.rawValue - 4), bytes: [1, 2, 3, 4, 5, 6, 7, 8]).failure
                == .notMemory(top))
        #expect(memory.rawRead(PhysicalAddress(top.rawValue - 4), count: 4).value == [0, 0, 0, 0])
        #expect(memory.rawZero(PhysicalAddress(top.rawValue - 4096), byteCount: 8192).failure == .notMemory(top))
        #expect(memory.wipedByteCount == 0)
        #expect(memory.rawRead(PhysicalAddress(0x8000_0000), count: -1).failure == .invalidLength(-1))
        #expect(memory.rawRead(PhysicalAddress(.max - 3), count: 8).failure == .notMemory(PhysicalAddress(.max - 3)))
        #expect(!memory.isMemory(PhysicalAddress(0xFFFF_F000), byteCount: 0x2000))
        #expect(memory.isMemory(PhysicalAddress(0xFFFF_F000), byteCount: 0x1000))
    }

    @Test("accesses and copies cross from one bank into an adjacent one")
    func adjacentBanks() throws {
        let memory = try PhysicalMemory(
            configuration: platform([
                MemoryRegion(name: "A", base: PhysicalAddress(0x10_0000), size: 0x1000),
                MemoryRegion(name: "B", base: PhysicalAddress(0x10_1000), size: 0x1000),
            ]))
        let data: [UInt8] = Array(1...16)
        #expect(memory.rawWrite(PhysicalAddress(0x10_0FF8), bytes: data).value != nil)
        #expect(memory.rawRead(PhysicalAddress(0x10_0FF8), count: 16).value == data)
        #expect(
            memory.rawCopy(from: PhysicalAddress(0x10_0FF8), to: PhysicalAddress(0x10_1800), byteCount: 16).value != nil
        )
        #expect(memory.rawRead(PhysicalAddress(0x10_1800), count: 16).value == data)
    }

    @Test("copies move bytes, overlapping ones as memmove does")
    func copies() throws {
        let memory = try PhysicalMemory(configuration: .default)
        let pa = PhysicalAddress(0x8000_0000)
        let data: [UInt8] = Array(0..<32)
        #expect(memory.rawWrite(pa, bytes: data).value != nil)
        #expect(memory.rawCopy(from: pa, to: pa + 0x10_0000, byteCount: 32).value != nil)
        #expect(memory.rawRead(pa + 0x10_0000, count: 32).value == data)
        #expect(memory.rawCopy(from: pa, to: pa + 8, byteCount: 32).value != nil)
        #expect(memory.rawRead(pa + 8, count: 32).value == data)
        #expect(
            memory.rawCopy(from: pa, to: PhysicalAddress(0x1000), byteCount: 8).failure
                == .notMemory(PhysicalAddress(0x1000)))
    }

    @Test("64-bit words are stored little-endian")
    func words() throws {
        let memory = try PhysicalMemory(configuration: .default)
        let pa = PhysicalAddress(0x8000_0010)
        #expect(memory.rawWrite64(0x0102_0304_0506_0708, at: pa).value != nil)
        #expect(memory.rawRead(pa, count: 8).value == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(memory.rawRead64(pa).value == 0x0102_0304_0506_0708)
    }
}
