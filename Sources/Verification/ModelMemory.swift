import CCAArch
import RMIHost

/// The Non-secure memory the host and the adversary share: address lists and the configuration page.
///
/// Sparse (a dictionary of bytes, unwritten bytes read 0). Confined to the thread that runs one exploration: the
/// explorer creates one per run and never shares it, hence `@unchecked Sendable` without a lock (a lock would only
/// cost time, and Synchronization.Mutex confuses ThreadSanitizer on Linux).
final class ModelMemory: HostMemory, @unchecked Sendable {
    private var bytes: [UInt64: UInt8] = [:]

    func write(_ data: [UInt8], at address: PhysicalAddress) throws(HostMemoryError) {
        for (offset, byte) in data.enumerated() { bytes[address.rawValue + UInt64(offset)] = byte }
    }

    func read(_ count: Int, at address: PhysicalAddress) throws(HostMemoryError) -> [UInt8] {
        (0..<UInt64(count)).map { bytes[address.rawValue + $0] ?? 0 }
    }
}
