/// The interrupt-pending line of each CPU: what a long RMM command polls to decide whether to yield.
///
/// The `irq` fault injection raises a CPU's line (`FaultInjector.takeIRQ()` tells the range SMC's handler to
/// call `raise(cpu:)` on its CPU); the RMM acknowledges it when it yields. Safe to use from every CPU thread.
/// A CPU index outside `0..<cpuCount` is a programmer error and traps.
public final class PendingInterrupts: Sendable {
    /// The number of CPUs.
    public let cpuCount: Int
    private let lines: _AtomicCounterTable

    public init(cpuCount: Int) throws(PlatformConfigurationError) {
        guard PlatformConfiguration.supportedCPUCounts.contains(cpuCount) else {
            throw .cpuCountOutOfRange(cpuCount)
        }
        self.cpuCount = cpuCount
        lines = _AtomicCounterTable(count: cpuCount)
    }

    /// Makes an interrupt pending on `cpu`.
    public func raise(cpu: Int) {
        // Relaxed (inside the table): the line carries no data; the CPU that polls it needs only to see the flag
        // eventually, and the injection and the poll happen on the same CPU thread in the model.
        lines.store(cpu, 1)
    }

    /// Whether an interrupt is pending on `cpu`.
    public func isPending(cpu: Int) -> Bool {
        lines.load(cpu) != 0
    }

    /// Takes the pending interrupt off `cpu` (the RMM has yielded to the host for it).
    public func acknowledge(cpu: Int) {
        lines.store(cpu, 0)
    }
}
