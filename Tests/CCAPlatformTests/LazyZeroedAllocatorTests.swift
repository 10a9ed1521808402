import CCAPlatform
import Testing

@Suite("LazyZeroedAllocator")
struct LazyZeroedAllocatorTests {
    @Test("a 64 GiB allocation reads zero, keeps writes, and costs only the pages written")
    func sparseAllocation() throws {
        let allocator = LazyZeroedAllocator()
        let size = 64 << 30
        let memory = try allocator.allocate(byteCount: size)
        #expect(Int(bitPattern: memory) % 4096 == 0)
        #expect(allocator.residentBytes() == 0)
        memory.storeBytes(of: 0xA5A5_A5A5_A5A5_A5A5 as UInt64, toByteOffset: size - 8, as: UInt64.self)
        memory.storeBytes(of: 7 as UInt16, toByteOffset: 0, as: UInt16.self)
        #expect(memory.load(fromByteOffset: size - 8, as: UInt64.self) == 0xA5A5_A5A5_A5A5_A5A5)
        #expect(memory.load(fromByteOffset: 0, as: UInt16.self) == 7)
        #expect(memory.load(fromByteOffset: 1 << 30, as: UInt64.self) == 0)
        #expect(allocator.residentBytes() <= 3 * 4096)
    }

    @Test("a byte count of zero or less is refused", arguments: [0, -4096])
    func invalidByteCount(count: Int) {
        #expect(throws: MetadataAllocationError.invalidByteCount(count)) {
            _ = try LazyZeroedAllocator().allocate(byteCount: count)
        }
    }
}
