public import CCAArch
import Synchronization

/// The host side of the RMI: bring-up, the range delegation helpers, and a generic driver for stateful operations.
///
/// Built as the reference answer to the review of the Linux helpers (seed-review.txt): an empty range is a
/// documented no-op, wrap-around is rejected before any SMC, a contract-breaking SUCCESS stops the loop instead of
/// spinning, BUSY / BLOCKED retries are bounded, RMI_INCOMPLETE is driven through its handle, and every failure says
/// how far it got so the caller can roll back exactly that prefix; what cannot be undelegated is leaked, on record.
///
/// Several host threads may call one instance at once, on disjoint or overlapping ranges: all mutable state (the
/// lifecycle, the delegation record, the allocator, the leak ledger) sits behind locks, and no lock is held across
/// an SMC. Overlapping callers are serialised by the RMM, not by the host (see `bookkeepingMismatchGranules`).
///
/// Every RMI call goes through one choke point, `conduit.smc(_:)`. `using(_:)` gives a sibling that issues its
/// SMCs through another conduit (another CPU) and shares everything else.
public final class HostRMI: Sendable {
    /// Where this instance's SMCs go.
    public let conduit: any SMCConduit
    let shared: _HostShared

    /// A host that has not yet run its bring-up sequence.
    ///
    /// - Parameters:
    ///   - conduit: the host CPU's SMC path.
    ///   - memory: the host's Non-secure memory accesses (config page, address lists).
    ///   - configuration: granule size, DRAM regions, retry budgets.
    ///   - allocator: where donated memory and list pages come from; by default one over all of the DRAM regions.
    ///     Its granule size must equal the configuration's.
    public init(
        conduit: any SMCConduit, memory: any HostMemory, configuration: HostConfiguration,
        allocator: HostPageAllocator? = nil
    ) {
        let allocator =
            allocator
            ?? HostPageAllocator(
                regions: configuration.dramRegions, granuleSize: configuration.granuleSize,
                leakLedger: LeakLedger(granuleSize: configuration.granuleSize))
        precondition(allocator.granuleSize == configuration.granuleSize, "allocator granule size differs from host's")
        self.conduit = conduit
        self.shared = _HostShared(configuration: configuration, memory: memory, allocator: allocator)
    }

    private init(conduit: any SMCConduit, shared: _HostShared) {
        self.conduit = conduit
        self.shared = shared
    }

    /// A sibling issuing SMCs through `conduit` (for example another CPU) and sharing the lifecycle, delegation
    /// record, allocator and leak ledger with this instance.
    public func using(_ conduit: any SMCConduit) -> HostRMI {
        HostRMI(conduit: conduit, shared: shared)
    }

    public var configuration: HostConfiguration { shared.configuration }
    public var granuleSize: GranuleSize { shared.configuration.granuleSize }
    public var allocator: HostPageAllocator { shared.allocator }
    public var leakLedger: LeakLedger { shared.allocator.leakLedger }
    var retryPolicy: RetryPolicy { shared.configuration.retryPolicy }
    var memory: any HostMemory { shared.memory }

    /// Whether bring-up completed: the RMM speaks RMI 2.0, is configured and ACTIVE, and every DRAM region is
    /// delegable. The delegation helpers answer `notInitialized` until then.
    public var isAvailable: Bool { info != nil }

    /// What bring-up learned; `nil` before it completed.
    public var info: HostRMIInfo? {
        shared.lifecycle.withLock { state in
            if case .ready(let info) = state { return info }
            return nil
        }
    }

    /// The negotiated RMI revision; `nil` before bring-up completed.
    public var version: RMIInterfaceVersion? { info?.version }
    /// RMI_FEATURES register 0; `nil` before bring-up completed.
    public var featureRegister0: FeatureRegister0? { info?.featureRegister0 }
    /// RMI_FEATURES register 1; `nil` before bring-up completed.
    public var featureRegister1: FeatureRegister1? { info?.featureRegister1 }

    /// Whether the host's record says it delegated the granule holding `address` (and has not undelegated it).
    ///
    /// With 2.0-bet3 skip semantics a delegation of already-delegated memory succeeds, so the RMM's answer cannot
    /// tell who owns what (granule-delegation.md section 8 item 9): this record can.
    public func isRecordedAsDelegated(_ address: PhysicalAddress) -> Bool {
        shared.delegatedByHost.withLock { $0.contains(address.rawValue) }
    }

    /// What the host's record shows delegated, as sorted, disjoint ranges.
    public var recordedDelegatedRanges: [GranuleRange] {
        shared.delegatedByHost.withLock { $0.extents }.map {
            GranuleRange(
                uncheckedBase: PhysicalAddress($0.lowerBound), top: PhysicalAddress($0.upperBound),
                granuleSize: granuleSize)
        }
    }

    /// The tracking metadata this host donated at bring-up (host-supplied metadata): each FINE region it made, and
    /// the granules the RMM keeps its granule words in. They are neither free in the allocator nor in the host's
    /// delegation record: the RMM holds them INTERNAL.
    public var trackingMetadata: [(region: PhysicalAddress, metadata: GranuleRange)] {
        shared.trackingMetadata.withLock { $0 }
    }

    /// Granules the host's record shows delegated.
    public var recordedDelegatedGranuleCount: UInt64 {
        shared.delegatedByHost.withLock { $0.byteCount } >> UInt64(granuleSize.shift)
    }

    // MARK: The choke point

    /// One step: issues `arguments` and retries on RMI_BUSY / RMI_BLOCKED within the retry policy.
    ///
    /// Every SMC of the library passes here, so the budgets hold everywhere, inside stateful operations too.
    func issue(_ arguments: SMCArguments, smcCount: inout Int) -> StepAnswer {
        let policy = retryPolicy
        var attempts = 0
        var blocked = 0
        while true {
            let answer = conduit.smc(arguments)
            smcCount += 1
            attempts += 1
            let status = RMIResult(rawValue: answer.x0).status
            guard answer.x0 != SMCReturn.notSupported.x0, status == .busy || status == .blocked else {
                return .answered(answer)
            }
            if status == .blocked {
                blocked += 1
                if blocked >= policy.blockedAttemptBudget { return .stalled(status) }
            }
            if attempts >= policy.attemptBudget { return .stalled(status) }
            if attempts > policy.spinsBeforeYield { policy.yield() }
        }
    }

    enum StepAnswer {
        case answered(SMCReturn)
        case stalled(RMIStatus)
    }
}

/// The state every sibling of one host shares.
final class _HostShared: Sendable {
    enum Lifecycle {
        case uninitialized
        case initializing
        case ready(HostRMIInfo)
    }

    let configuration: HostConfiguration
    let memory: any HostMemory
    let allocator: HostPageAllocator
    let lifecycle = Mutex(Lifecycle.uninitialized)
    /// What this host delegated through the library and has not undelegated (section 8 item 9).
    let delegatedByHost = Mutex(_ExtentSet())
    /// Granules this host donated to the RMM as tracking metadata (INTERNAL there), by the region they describe.
    let trackingMetadata = Mutex<[(region: PhysicalAddress, metadata: GranuleRange)]>([])

    init(configuration: HostConfiguration, memory: any HostMemory, allocator: HostPageAllocator) {
        self.configuration = configuration
        self.memory = memory
        self.allocator = allocator
    }
}
