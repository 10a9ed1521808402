import CCAArch
import RMIHost
import Testing

@Suite("Host page allocator and leak ledger")
struct HostMemoryTests {
    let region = try! GranuleRange(base: PhysicalAddress(0x8000_0000), size: 64 * page)

    @Test("pages are handed out lowest first, all or nothing")
    func allocateGranules() throws {
        let allocator = HostPageAllocator(regions: [region])
        let pages = try #require(allocator.allocate(granules: 3))
        #expect(pages == [region.base, region.base + page, region.base + 2 * page])
        #expect(allocator.allocate(granules: 62) == nil)
        #expect(allocator.freeGranuleCount == 61)
    }

    @Test("a block is aligned to what was asked, even when lower memory is free")
    func alignedBlock() throws {
        let allocator = HostPageAllocator(regions: [region])
        _ = allocator.allocatePage()
        let block = try #require(allocator.allocateBlock(bytes: 4 * page, alignment: 16 * page))
        #expect(block.base == region.base + 16 * page)
        #expect(block.size == 4 * page)
        #expect(allocator.isFree(region.base + page))
        #expect(allocator.allocateBlock(bytes: 128 * page, alignment: page) == nil)
    }

    @Test("leaked, foreign and already-free granules are not taken back")
    func freeRefusesWhatItMustNot() throws {
        let ledger = LeakLedger()
        let allocator = HostPageAllocator(regions: [region], leakLedger: ledger)
        let pages = try #require(allocator.allocate(granules: 4))
        ledger.record(try GranuleRange(base: pages[1], size: page))
        let before = allocator.freeGranuleCount
        #expect(allocator.free(try GranuleRange(base: pages[0], size: 4 * page)) == 3)
        #expect(!allocator.isFree(pages[1]))
        #expect(allocator.free(try GranuleRange(base: pages[0], size: page)) == 0)
        #expect(allocator.free(try GranuleRange(base: PhysicalAddress(0x1000_0000), size: page)) == 0)
        #expect(allocator.freeGranuleCount == before + 3)
        for _ in 0..<64 { _ = allocator.allocatePage() }
        #expect(!allocator.isFree(pages[1]))
        #expect(ledger.isLeaked(pages[1]))
    }

    @Test("a granule leaked while it sat free is never handed out")
    func leakedWhileFree() throws {
        let ledger = LeakLedger()
        let allocator = HostPageAllocator(regions: [region], leakLedger: ledger)
        ledger.record(try GranuleRange(base: region.base, size: page))
        #expect(!allocator.isFree(region.base))
        #expect(allocator.freeGranuleCount == 63)
        #expect(allocator.allocatePage() == region.base + page)
        #expect(allocator.allocate(granules: 63) == nil)
    }

    @Test("the ledger lists leaked granules sorted and merges overlapping records")
    func ledgerListing() throws {
        let ledger = LeakLedger()
        ledger.record(try GranuleRange(base: PhysicalAddress(0x8000_3000), size: 2 * page))
        ledger.record(try GranuleRange(base: PhysicalAddress(0x8000_0000), size: page))
        ledger.record(try GranuleRange(base: PhysicalAddress(0x8000_4000), size: 2 * page))
        #expect(
            ledger.leakedGranules
                == [0x8000_0000, 0x8000_3000, 0x8000_4000, 0x8000_5000].map { PhysicalAddress($0) })
        #expect(ledger.leakedGranuleCount == 4)
        #expect(ledger.leakedRanges.count == 2)
        #expect(ledger.containsAny(of: try GranuleRange(base: PhysicalAddress(0x8000_1000), size: 3 * page)))
        #expect(!ledger.containsAny(of: try GranuleRange(base: PhysicalAddress(0x8000_1000), size: 2 * page)))
    }

    @Test("little-endian words round-trip through a byte-level host memory")
    func wordsRoundTrip() throws {
        let memory = MemoryDouble()
        try memory.writeWords([0x0102_0304_0506_0708, ~0], at: PhysicalAddress(0x8000_0000))
        #expect(try memory.read(2, at: PhysicalAddress(0x8000_0000)) == [0x08, 0x07])
        #expect(try memory.readWords(2, at: PhysicalAddress(0x8000_0000)) == [0x0102_0304_0506_0708, ~0])
    }
}
