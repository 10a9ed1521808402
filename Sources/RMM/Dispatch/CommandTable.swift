public import CCAArch

/// The RMM lifecycle states in which an RMI command is answered; in any other it answers RMI_ERROR_GLOBAL and
/// changes nothing (rmi-abi.md section 6, with bet3.md section 4's corrections).
public enum RMICommandGate: Hashable, Sendable {
    /// Every state: VERSION, FEATURES, CONFIG_GET, STATE_GET, TRACKING_GET, GPT_INFO and the OP_* commands.
    case anyState
    /// INIT only: CONFIG_SET and ACTIVATE (the `rmm_state` and `state` failure conditions).
    case initial
    /// ACTIVE only: every command that reads or changes the granule table, the GPT or realm objects.
    case active

    /// Whether a command with this gate is answered in `state`.
    @inlinable
    public func admits(_ state: RMMLifecycleState) -> Bool {
        switch self {
        case .anyState: true
        case .initial: state == .initial
        case .active: state == .active
        }
    }

    public var name: StaticString {
        switch self {
        case .anyState: "any state"
        case .initial: "INIT"
        case .active: "ACTIVE"
        }
    }
}

extension RealmManagementMonitor {
    /// One row of the command table: an RMI command as this RMM implements it.
    public struct Command: Sendable {
        /// The function ID (the SMCCC SVE hint clear).
        public let id: FunctionID
        /// Where DEN0137 specifies the command: its section, "bet3" for a command the 2.0-bet3 revision added, or
        /// the chapter and the command's name where our notes do not give the section's number.
        public let section: StaticString
        /// The lifecycle states the command is answered in.
        public let gate: RMICommandGate
        /// The handler: the call's registers and the CPU index in, the answer out; a refused prelude (a granule
        /// lock, an operation context) throws its status, and nothing has changed then.
        let run: @Sendable (RealmManagementMonitor, SMCArguments, Int) throws(RMIStatusError) -> SMCReturn

        /// The spec's name of the command, e.g. `RMI_GRANULE_RANGE_DELEGATE`.
        public var name: StaticString { id.rmiCommand?.name ?? "RMI_UNKNOWN" }
    }

    /// The command table: every RMI command this RMM implements, each named once with its spec section, its state
    /// gate and its handler. `handle(_:cpu:)` dispatches through it; the RMI v2.0 commands it does not list answer
    /// RMI_ERROR_NOT_SUPPORTED, and any other function ID SMCCC NOT_SUPPORTED. Inlined into `handle(_:cpu:)`, where
    /// the row and its closure fold away into a direct call of the handler.
    @inline(__always)
    public static func command(_ id: FunctionID) -> Command? {
        func row(
            _ section: StaticString, _ gate: RMICommandGate,
            _ run: @escaping @Sendable (RealmManagementMonitor, SMCArguments, Int) throws(RMIStatusError) -> SMCReturn
        ) -> Command {
            Command(id: id, section: section, gate: gate, run: run)
        }
        return switch id {
        // Bring-up and global state (RMM/BringUp)
        case .version: row("B4.5.92", .anyState) { rmm, x, _ in rmm.version(requested: x.x1) }
        case .features: row("B4.5.14", .anyState) { rmm, x, _ in rmm.features(index: x.x1) }
        case .rmmConfigSet: row("B4.5.54", .initial) { rmm, x, _ in rmm.configSet(pointer: x.x1) }
        case .rmmConfigGet: row("B4.5.53", .anyState) { rmm, x, _ in rmm.configGet(pointer: x.x1) }
        case .rmmActivate: row("B4.5.52", .initial) { rmm, _, _ in rmm.activate() }
        case .rmmStateGet:
            row("bet3", .anyState) { rmm, _, _ in .result(.success, rmm.lifecycleState.architecturalEncoding) }
        // Tracking and range delegation (RMM/Tracking, RMM/Delegation)
        case .granuleTrackingGet: row("B4.5.19", .anyState) { rmm, x, _ in rmm.trackingGet(base: x.x1, top: x.x2) }
        case .granuleTrackingSet:
            row("B4.5.20", .active) { rmm, x, _ in rmm.trackingSet(address: x.x1, category: x.x2, state: x.x3) }
        case .granuleRangeDelegate:
            row("B4.5.17", .active) { rmm, x, cpu in rmm.rangeDelegate(base: x.x1, top: x.x2, cpu: cpu) }
        case .granuleRangeUndelegate:
            row("B4.5.18", .active) { rmm, x, cpu in rmm.rangeUndelegate(base: x.x1, top: x.x2, cpu: cpu) }
        // The GPT's L1 tables (RMM/GPT)
        case .gptL1Create:
            row("B4.5.15", .active) { rmm, x, _ throws(RMIStatusError) in try rmm.gptL1Create(address: x.x1) }
        case .gptL1Destroy:
            row("B4.5.16", .active) { rmm, x, cpu throws(RMIStatusError) in
                try rmm.gptL1Destroy(address: x.x1, cpu: cpu)
            }
        case .gptInfo: row("bet3", .anyState) { rmm, x, _ in rmm.gptInfo(base: x.x1, top: x.x2) }
        // Stateful operations (RMM/SRO)
        case .opContinue: row("B4.5.22", .anyState) { rmm, x, cpu in rmm.opContinue(handle: x.x1, cpu: cpu) }
        case .opMemDonate:
            row("B4.5.23", .anyState) { rmm, x, cpu in
                rmm.opMemDonate(handle: x.x1, list: x.x2, count: x.x3, cpu: cpu)
            }
        case .opMemReclaim:
            row("B4.5.24", .anyState) { rmm, x, _ in rmm.opMemReclaim(handle: x.x1, list: x.x2, count: x.x3) }
        case .opCancel: row("B4.5.21", .anyState) { rmm, x, _ in rmm.opCancel(handle: x.x1) }
        // Realms, RECs, RTTs and data (RMM/Realm)
        case .realmCreate:
            row("B4.5.46", .active) { rmm, x, _ throws(RMIStatusError) in try rmm.realmCreate(rd: x.x1, params: x.x2) }
        case .realmActivate:
            row("B4.5.45", .active) { rmm, x, _ throws(RMIStatusError) in try rmm.realmActivate(rd: x.x1) }
        case .realmTerminate:
            row("B4.5.48", .active) { rmm, x, _ throws(RMIStatusError) in try rmm.realmTerminate(rd: x.x1) }
        case .realmDestroy:
            row("B4.5.47", .active) { rmm, x, _ throws(RMIStatusError) in try rmm.realmDestroy(rd: x.x1) }
        case .recCreate:
            row("B4.5.49", .active) { rmm, x, _ throws(RMIStatusError) in
                try rmm.recCreate(rd: x.x1, rec: x.x2, params: x.x3)
            }
        case .recDestroy: row("B4.5.50", .active) { rmm, x, _ throws(RMIStatusError) in try rmm.recDestroy(rec: x.x1) }
        case .rttCreate:
            row("B4.5.64", .active) { rmm, x, _ throws(RMIStatusError) in
                try rmm.rttCreate(rd: x.x1, rtt: x.x2, ipa: x.x3, level: x.x4)
            }
        case .rttDestroy:
            row("B4.5.68", .active) { rmm, x, _ throws(RMIStatusError) in
                try rmm.rttDestroy(rd: x.x1, ipa: x.x2, level: x.x3)
            }
        case .rttReadEntry:
            row("B4.5, RTT_READ_ENTRY", .active) { rmm, x, _ throws(RMIStatusError) in
                try rmm.rttReadEntry(rd: x.x1, ipa: x.x2, level: x.x3)
            }
        case .rttDataMapInit:
            row("B4.5.66", .active) { rmm, x, _ throws(RMIStatusError) in
                try rmm.rttDataMapInit(rd: x.x1, data: x.x2, ipa: x.x3, source: x.x4)
            }
        case .rttDataUnmap:
            row("B4.5.67", .active) { rmm, x, _ throws(RMIStatusError) in
                try rmm.rttDataUnmap(rd: x.x1, base: x.x2, top: x.x3, flags: x.x4, list: x.x5)
            }
        default: nil
        }
    }

    /// Every row of the command table, in function ID order (for listings: not for the SMC path, it allocates).
    public static var commands: [Command] { FunctionID.rmiCommands.compactMap { command($0.id) } }
}
