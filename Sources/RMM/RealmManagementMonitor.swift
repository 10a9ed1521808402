public import CCAArch
public import FirmwareSync
import Synchronization

/// The Realm Management Monitor: the RMI v2.0 commands of memory delegation, answered at register level.
///
/// One instance serves every CPU; `handle(_:cpu:)` may run concurrently on several. Shared state is atomic
/// (lifecycle, granule words, tracking regions), and the granule table is published at activation by a
/// releasing store of the lifecycle state that every command reads with acquiring ordering. RMI_RMM_DEACTIVATE
/// discards it only while no other CPU is inside a command (`deactivate(cpu:)`, docs/concurrency.md).
@safe
public final class RealmManagementMonitor: Sendable {
    public let manifest: RMMBootManifest
    /// How the RMM reaches the machine: EL3, memory through a PAS, interrupts, boot-time metadata. An existential,
    /// not a generic parameter: the RMM's code is compiled once and fully optimised in its own module, and a call
    /// through the port costs one witness-table call either way.
    public let port: any RMMPlatformPort
    /// Who watches the RMM's shared-memory steps (an interleaving checker), if anyone. Not retained by the steps.
    public let observer: (any SchedulingObserver)?
    let operations: OperationPool
    let vmids: VMIDAllocator
    /// Who owns the L1 GPT table of each L0 region that holds memory.
    let l1Directory: GPTL1Directory
    /// How many commands each CPU is inside (RMI_RMM_DEACTIVATE's check).
    let inFlight: CommandsInFlight

    private let _lifecycle: SharedWord
    private let _trackingRegionEncoding = Atomic<UInt8>(0)
    private let _halted = Atomic<Bool>(false)
    /// Written while the lifecycle is INTERMEDIATE (activation owns it exclusively), then published by the
    /// releasing store of ACTIVE; read only after an acquiring load of ACTIVE (or DEACTIVATING, by a command that
    /// entered before the deactivation claimed the word, which then cannot succeed). Cleared by a deactivation
    /// that found no other CPU inside a command, before its releasing store of INIT.
    nonisolated(unsafe) private var _table: GranuleTable?
    /// `_table` unretained, set and cleared with it, for commands that borrow the table (`withActiveTable`).
    nonisolated(unsafe) private var _borrowedTable: Unmanaged<GranuleTable>?

    /// An RMM for the platform `manifest` describes, reaching the machine through `port`. An `observer` sees every
    /// shared-memory step the RMM takes (see `SchedulingObserver`); it must outlive the RMM.
    public init(manifest: RMMBootManifest, port: any RMMPlatformPort, observer: (any SchedulingObserver)? = nil) {
        self.manifest = manifest
        self.port = port
        self.observer = observer
        self._lifecycle = SharedWord(
            UInt64(RMMLifecycleState.initial.rawValue), location: SharedLocation(.rmmLifecycle), observer: observer)
        self.operations = OperationPool(
            cpuCount: manifest.cpuCount, perCPU: manifest.operationContextsPerCPU, observer: observer)
        self.l1Directory = GPTL1Directory(manifest: manifest, observer: observer)
        self.vmids = VMIDAllocator(observer: observer)
        self.inFlight = CommandsInFlight(cpuCount: manifest.cpuCount, observer: observer)
    }

    /// The lifecycle word's value while a deactivation decides (claimed from ACTIVE, not yet INIT or back to
    /// ACTIVE): the RMM is still ACTIVE to every observer, and a command arriving now waits for the decision.
    static var deactivating: UInt64 { 3 }

    /// The lifecycle state (DEN0137 A2.1.2). ACTIVE while a deactivation decides: it has not taken effect.
    public var lifecycleState: RMMLifecycleState {
        Self.lifecycleState(_lifecycle.load(ordering: .acquiring))
    }

    static func lifecycleState(_ word: UInt64) -> RMMLifecycleState {
        word == deactivating ? .active : RMMLifecycleState(rawValue: UInt8(truncatingIfNeeded: word)) ?? .initial
    }

    /// Whether the RMM met a fatal condition and stopped serving.
    public var isHalted: Bool { _halted.load(ordering: .acquiring) }

    /// The RMI granule size (equal to the physical granule size: it is the only size advertised).
    public var granuleSize: GranuleSize { manifest.granuleSize }

    /// The tracking region size in bytes the configuration selects.
    public var trackingRegionSize: UInt64 {
        RMMConfiguration.trackingRegionSize(
            encoding: UInt64(_trackingRegionEncoding.load(ordering: .relaxed)), granuleSize: granuleSize) ?? (1 << 30)
    }

    /// The granule table, once the RMM is active.
    var table: GranuleTable? {
        guard lifecycleState == .active else { return nil }
        return unsafe _table
    }

    /// Runs `body` with the granule table, once the RMM is active, without retaining it (a retain and a release
    /// are two atomic read-modify-writes on every SMC). Sound inside a command only: a command in flight
    /// (`handle` entered `inFlight`) keeps any deactivation from discarding the table until it leaves, so the table
    /// outlives `body`.
    @inline(__always)
    func withActiveTable<Result>(_ body: (GranuleTable) -> Result) -> Result? {
        guard lifecycleState == .active, let table = unsafe _borrowedTable else { return nil }
        // A closure literal, not `body` itself: passed on as a value, `body` would be called through a generic thunk
        // that answers through memory.
        return unsafe table._withUnsafeGuaranteedRef { body($0) }
    }

    /// Moves ACTIVE to DEACTIVATING, for a deactivation's checks; `nil` if claimed, else the word found.
    /// Sequentially consistent: see `CommandsInFlight.enter`.
    func claimDeactivation() -> UInt64? {
        let (exchanged, original) = _lifecycle.compareExchange(
            expected: UInt64(RMMLifecycleState.active.rawValue), desired: Self.deactivating,
            ordering: .sequentiallyConsistent)
        return exchanged ? nil : original
    }

    /// Ends a deactivation: back to ACTIVE when it refused, or INIT with the table discarded. Releasing: a
    /// command waiting in `settledLifecycleState` sees what the deactivation did.
    func endDeactivation(to state: RMMLifecycleState) {
        if state == .initial {
            unsafe _borrowedTable = nil
            unsafe _table = nil
        }
        _lifecycle.store(UInt64(state.rawValue), ordering: .releasing)
    }

    /// The table a claimed deactivation examines (it may not be read through `table` by anyone else then).
    var tableDuringDeactivation: GranuleTable? { unsafe _table }

    // MARK: Dispatch

    /// Handles one SMC from the host: X0 the function ID, X1...X6 the inputs; answers X0...X4.
    ///
    /// The caller is the SMC dispatcher in front of the RMM (the platform's router, EL3 in firmware): it has
    /// cleared the SMCCC SVE hint in X0 and checked `cpu` against the platform's CPUs, once for every service.
    /// The command table (`command(_:)`) names the handler: a command in a state its gate does not admit answers
    /// RMI_ERROR_GLOBAL; an RMI v2.0 command this model does not implement RMI_ERROR_NOT_SUPPORTED, and any other
    /// function ID SMCCC NOT_SUPPORTED (-1), so a host can tell the two apart. Outputs a command does not define
    /// are 0.
    public func handle(_ call: SMCArguments, cpu: Int) -> SMCReturn {
        guard !isHalted else { return .notSupported }
        let id = FunctionID(call.x0)
        guard let command = Self.command(id) else { return id.isRMI ? .result(.errorNotSupported) : .notSupported }
        inFlight.enter(cpu: cpu)
        defer { inFlight.leave(cpu: cpu) }
        guard command.gate.admits(settledLifecycleState()) else { return .result(.errorGlobal) }
        do {
            return try command.run(self, call, cpu)
        } catch {
            // A command's prelude (locking its granules, reserving a context) refused: the status, nothing changed.
            return SMCReturn(error.result.rawValue)
        }
    }

    // MARK: Shared pieces of the commands

    /// Moves INIT to INTERMEDIATE for exclusive activation work.
    func claimActivation() -> Bool {
        _lifecycle.compareExchange(
            expected: UInt64(RMMLifecycleState.initial.rawValue),
            desired: UInt64(RMMLifecycleState.intermediate.rawValue),
            ordering: .acquiring
        ).exchanged
    }

    /// The lifecycle state once no deactivation is deciding: a command that entered (`inFlight.enter`) while one
    /// is waits for it to finish or give up, so it never reads a table being discarded and never answers as if
    /// INIT for a deactivation that then fails. A deactivation never waits for anyone, so neither does this for
    /// long. Sequentially consistent (see `CommandsInFlight.enter`).
    private func settledLifecycleState() -> RMMLifecycleState {
        var word = _lifecycle.load(ordering: .sequentiallyConsistent)
        while word == Self.deactivating {
            waitingPoint(observer, _lifecycle.location)
            word = _lifecycle.load(ordering: .sequentiallyConsistent)
        }
        return Self.lifecycleState(word)
    }

    /// Publishes the table built during activation and enters ACTIVE.
    func publishActivation(_ table: GranuleTable) {
        unsafe _table = table
        unsafe _borrowedTable = .passUnretained(table)
        // Releasing: every command that reads ACTIVE with acquiring ordering sees the table and its regions.
        _lifecycle.store(UInt64(RMMLifecycleState.active.rawValue), ordering: .releasing)
    }

    func setTrackingRegionEncoding(_ encoding: UInt8) {
        _trackingRegionEncoding.store(encoding, ordering: .relaxed)
    }

    var trackingRegionEncoding: UInt8 { _trackingRegionEncoding.load(ordering: .relaxed) }

    /// Reports a fatal condition and stops serving.
    func halt(_ reason: StaticString, address: PhysicalAddress) {
        _halted.store(true, ordering: .releasing)
        port.fatal(reason, address: address)
    }

    /// Whether `value` is aligned to the RMI granule size.
    @inline(__always)
    func isGranuleAligned(_ value: UInt64) -> Bool { value & (granuleSize.bytes - 1) == 0 }
}

extension SMCReturn {
    /// An RMI answer: the result word in X0 and the outputs in X1...X4.
    @inlinable
    static func result(
        _ status: RMIStatus, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0, _ x4: UInt64 = 0
    ) -> SMCReturn {
        SMCReturn(RMIResult(status).rawValue, x1, x2, x3, x4)
    }

    @inlinable
    static func result(_ result: RMIResult, _ x1: UInt64 = 0, _ x2: UInt64 = 0) -> SMCReturn {
        SMCReturn(result.rawValue, x1, x2)
    }
}
