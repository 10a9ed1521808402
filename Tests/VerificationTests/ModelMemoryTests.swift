import CCAArch
import RMIHost
import Testing

@testable import Verification

@Suite("ModelMemory")
struct ModelMemoryTests {
    @Test func wordsAndBytesAreTheSameMemoryLittleEndian() throws {
        let memory = ModelMemory()
        try memory.writeWords([0x0807_0605_0403_0201, 0x1817_1615_1413_1211], at: PhysicalAddress(0x1000))
        #expect(try memory.read(4, at: PhysicalAddress(0x1006)) == [0x07, 0x08, 0x11, 0x12])
        try memory.write([0xAA, 0xBB], at: PhysicalAddress(0x1007))
        #expect(try memory.readWords(2, at: PhysicalAddress(0x1000)) == [0xAA07_0605_0403_0201, 0x1817_1615_1413_12BB])
        #expect(try memory.readWords(1, at: PhysicalAddress(0x2000)) == [0])
    }

    @Test func aWholePageKeptAsWrittenIsNotChangedThroughTheWritersArray() throws {
        let memory = ModelMemory()
        var page = [UInt64](repeating: 0, count: 512)
        page[3] = 9
        try memory.writeWords(page, at: PhysicalAddress(0x8000))
        page[3] = 10
        try memory.writeWords([5], at: PhysicalAddress(0x8000 + 8 * 4))
        #expect(try memory.readWords(2, at: PhysicalAddress(0x8000 + 8 * 3)) == [9, 5])
        #expect(page[4] == 0)
    }

    @Test func unalignedWordsGoByteByByte() throws {
        let memory = ModelMemory()
        try memory.writeWords([0x1122_3344_5566_7788], at: PhysicalAddress(0x3004))
        #expect(try memory.readWords(1, at: PhysicalAddress(0x3004)) == [0x1122_3344_5566_7788])
        #expect(try memory.readWords(2, at: PhysicalAddress(0x3000)) == [0x5566_7788_0000_0000, 0x1122_3344])
    }
}
