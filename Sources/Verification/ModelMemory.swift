import CCAArch
import RMIHost

/// The Non-secure memory the host and the adversary share: address lists and the configuration page.
///
/// Sparse, by 4 KB page (unwritten bytes read 0). Confined to the thread that runs one exploration: the explorer
/// creates one per run and never shares it, hence `@unchecked Sendable` without a lock (a lock would only cost
/// time, and Synchronization.Mutex confuses ThreadSanitizer on Linux).
final class ModelMemory: HostMemory, @unchecked Sendable {
    private static let pageSize: UInt64 = 4096
    private var pages: [UInt64: [UInt8]] = [:]

    func write(_ data: [UInt8], at address: PhysicalAddress) throws(HostMemoryError) {
        var offset = 0
        while offset < data.count {
            let current = address.rawValue + UInt64(offset)
            let page = current & ~(Self.pageSize - 1)
            let start = Int(current - page)
            let length = Swift.min(data.count - offset, Int(Self.pageSize) - start)
            pages[page, default: [UInt8](repeating: 0, count: Int(Self.pageSize))]
                .replaceSubrange(start..<start + length, with: data[offset..<offset + length])
            offset += length
        }
    }

    func read(_ count: Int, at address: PhysicalAddress) throws(HostMemoryError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var offset = 0
        while offset < count {
            let current = address.rawValue + UInt64(offset)
            let page = current & ~(Self.pageSize - 1)
            let start = Int(current - page)
            let length = Swift.min(count - offset, Int(Self.pageSize) - start)
            if let stored = pages[page] {
                bytes += stored[start..<start + length]
            } else {
                bytes += repeatElement(0, count: length)
            }
            offset += length
        }
        return bytes
    }
}
