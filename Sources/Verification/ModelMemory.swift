import CCAArch
import RMIHost

/// The Non-secure memory the host and the adversary share: address lists and the configuration page.
///
/// Sparse, by 4 KB page of 64-bit words (unwritten bytes read 0): the host's structures are words, and a page the
/// host writes whole (the configuration page, once per run) is kept as the array it wrote, without a copy.
/// Confined to the thread that runs one exploration: the explorer creates one per run and never shares it, hence
/// `@unchecked Sendable` without a lock (a lock would only cost time, and Synchronization.Mutex confuses
/// ThreadSanitizer on Linux).
final class ModelMemory: HostMemory, @unchecked Sendable {
    private static let pageSize: UInt64 = 4096
    private static let pageWords = 512
    private var pages: [UInt64: [UInt64]] = [:]

    func writeWords(_ words: [UInt64], at address: PhysicalAddress) throws(HostMemoryError) {
        let start = address.rawValue
        guard start & 7 == 0 else { return try write(Self.bytes(of: words), at: address) }
        if start & (Self.pageSize - 1) == 0 && words.count == Self.pageWords {
            pages[start] = words
            return
        }
        for (offset, word) in words.enumerated() { store(word, at: start + UInt64(offset) * 8) }
    }

    func readWords(_ count: Int, at address: PhysicalAddress) throws(HostMemoryError) -> [UInt64] {
        let start = address.rawValue
        guard start & 7 == 0 else { return Self.words(of: try read(count * 8, at: address)) }
        var words: [UInt64] = []
        words.reserveCapacity(count)
        for offset in 0..<count { words.append(load(start + UInt64(offset) * 8)) }
        return words
    }

    func write(_ data: [UInt8], at address: PhysicalAddress) throws(HostMemoryError) {
        for (offset, byte) in data.enumerated() {
            let current = address.rawValue + UInt64(offset)
            let aligned = current & ~7
            let shift = (current & 7) * 8
            store(load(aligned) & ~(0xFF << shift) | UInt64(byte) << shift, at: aligned)
        }
    }

    func read(_ count: Int, at address: PhysicalAddress) throws(HostMemoryError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for offset in 0..<count {
            let current = address.rawValue + UInt64(offset)
            bytes.append(UInt8(truncatingIfNeeded: load(current & ~7) >> ((current & 7) * 8)))
        }
        return bytes
    }

    /// The word at the 8-aligned `address`, without an array: the adversary reads donation lists word by word.
    func word(at address: UInt64) -> UInt64 { load(address) }

    /// The word at the 8-aligned `address`.
    private func load(_ address: UInt64) -> UInt64 {
        pages[address & ~(Self.pageSize - 1)].map { $0[Int((address & (Self.pageSize - 1)) / 8)] } ?? 0
    }

    /// Stores `word` at the 8-aligned `address`.
    private func store(_ word: UInt64, at address: UInt64) {
        let page = address & ~(Self.pageSize - 1)
        pages[page, default: [UInt64](repeating: 0, count: Self.pageWords)][Int((address - page) / 8)] = word
    }

    private static func bytes(of words: [UInt64]) -> [UInt8] {
        words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> UInt64(8 * $0)) } }
    }

    private static func words(of bytes: [UInt8]) -> [UInt64] {
        stride(from: 0, to: bytes.count, by: 8).map { start in
            (0..<8).reduce(0 as UInt64) { $0 | UInt64(bytes[start + $1]) << UInt64(8 * $1) }
        }
    }
}
