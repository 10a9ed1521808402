import Foundation
import Synchronization

/// The machine's CPUs as real threads: runs one closure per CPU index, each on its own thread, and joins them.
public struct ProcessingElements: Sendable {
    /// The number of CPUs.
    public let count: Int

    /// `count` CPUs; it must be within `PlatformConfiguration.supportedCPUCounts`.
    public init(count: Int) throws(PlatformConfigurationError) {
        guard PlatformConfiguration.supportedCPUCounts.contains(count) else { throw .cpuCountOutOfRange(count) }
        self.count = count
    }

    /// The CPUs of a validated configuration.
    public init(configuration: PlatformConfiguration) throws(PlatformConfigurationError) {
        try self.init(count: configuration.cpuCount)
    }

    /// Runs `body(cpu)` for every CPU index on its own thread, all at once, and waits for every one to finish.
    public func run(_ body: @escaping @Sendable (Int) -> Void) {
        _ = map(body)
    }

    /// Runs `body(cpu)` for every CPU index on its own thread and returns the results in CPU order.
    public func map<T: Sendable>(_ body: @escaping @Sendable (Int) -> T) -> [T] {
        let results = Mutex([T?](repeating: nil, count: count))
        let finished = DispatchGroup()
        for cpu in 0..<count {
            finished.enter()
            let thread = Thread {
                let value = body(cpu)
                results.withLock { $0[cpu] = value }
                finished.leave()
            }
            thread.name = "cpu\(cpu)"
            // Firmware-style code recurses little, but tests run deep call chains in debug builds.
            thread.stackSize = 8 << 20
            thread.start()
        }
        finished.wait()
        return results.withLock { $0.map { $0! } }
    }
}
