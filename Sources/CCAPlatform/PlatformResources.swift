import CCAArch

/// The system side of one simulated machine, built from a validated configuration: memory, CPUs, interrupt lines,
/// counters, tracer, fault injector and the metadata allocator, shared by the GPT, the RMM and the host.
///
/// The granule protection check and the firmware are not here: they belong to other modules and are joined to
/// these resources where the machine is assembled (`ProtectedMemory(memory:checker:counters:tracer:)` and
/// `SMCRouter(rmi:el3:cpuCount:counters:tracer:)` take the shared counters and tracer).
public final class PlatformResources: Sendable {
    public let configuration: PlatformConfiguration
    public let memory: PhysicalMemory
    public let processingElements: ProcessingElements
    public let interrupts: PendingInterrupts
    public let counters: ArchitecturalCounters
    public let tracer: Tracer
    public let faultInjector: FaultInjector
    /// Lazily backed memory for firmware metadata; lives as long as these resources.
    public let metadataAllocator: LazyZeroedAllocator

    /// Builds the resources of `configuration`, which must validate.
    public init(configuration: PlatformConfiguration, traceCapacity: Int = 65_536) throws(PhysicalMemoryError) {
        memory = try PhysicalMemory(configuration: configuration)
        // The configuration validated, so its CPU count is in range.
        do {
            processingElements = try ProcessingElements(configuration: configuration)
            interrupts = try PendingInterrupts(cpuCount: configuration.cpuCount)
        } catch {
            throw .invalidConfiguration(error)
        }
        self.configuration = configuration
        counters = ArchitecturalCounters(cpuCount: configuration.cpuCount)
        tracer = Tracer(capacity: traceCapacity)
        faultInjector = FaultInjector()
        metadataAllocator = LazyZeroedAllocator()
    }

    /// The random generator of `stream` (for example a CPU index) under the platform seed: every random choice the
    /// platform makes comes from one of these, so the same seed replays the same choices.
    public func random(stream: UInt64) -> DeterministicRandom {
        DeterministicRandom(seed: configuration.seed, stream: stream)
    }
}
