// EL3 firmware in Swift: the Granule Protection Table and its EL3 service, and the SMC dispatcher in the role of
// TF-A's RMMD. The assembly saves the calling world's registers into its context; `el3Dispatch` reads the call
// from there, answers into the registers of the world it resumes, and says which world that is.
import CCAArch
import GranuleProtection
import Synchronization

// MARK: The C platform layer (el3/platform.c, common/runtime.c)

@_silgen_name("console_puts") func consolePuts(_ text: UnsafePointer<UInt8>)
@_silgen_name("console_hex") func consoleHex(_ value: UInt64)
@_silgen_name("console_lock") func consoleLock()
@_silgen_name("console_unlock") func consoleUnlock()
@_silgen_name("psci_cpu_on") func psciCPUOn(_ target: UInt64, _ entry: UInt64, _ contextID: UInt64) -> UInt64
@_silgen_name("psci_affinity_info") func psciAffinityInfo(_ target: UInt64, _ level: UInt64) -> UInt64
@_silgen_name("el3_report") func el3Report()
@_silgen_name("semihosting_exit") func semihostingExit(_ status: UInt64) -> Never
@_silgen_name("el3_rmm_booted") func el3RMMBooted(_ cpu: UInt64, _ status: UInt64)

func write(_ text: StaticString) { consolePuts(text.utf8Start) }

/// The board's memory map as EL3 protects it (include/board.h).
enum BoardMemory {
    static let devices = GranuleRange(
        uncheckedBase: PhysicalAddress(0), top: PhysicalAddress(0x4000_0000), granuleSize: .size4KB)
    /// The GiB of DRAM with the firmware images: EL3 builds its L1 table at boot.
    static let platformL1 = GranuleRange(
        uncheckedBase: PhysicalAddress(0x4000_0000), top: PhysicalAddress(0x8000_0000), granuleSize: .size4KB)
    /// The second GiB of DRAM: a Block until the host creates its L1 table with RMI_GPT_L1_CREATE.
    static let hostL1 = GranuleRange(
        uncheckedBase: PhysicalAddress(0x8000_0000), top: PhysicalAddress(0xC000_0000), granuleSize: .size4KB)
    static let rmmBase = PhysicalAddress(0x4100_0000)
    static let rmmSize: UInt64 = 0x0100_0000
    static let granule: UInt64 = 4096
}

/// Which world an SMC came from, or is resumed (the contexts' CTX_WORLD).
enum World: UInt64 {
    case nonSecure = 0
    case realm = 1
}

/// The SMC function IDs EL3 serves itself, besides the FIRME granule services (include/board.h).
enum EL3Call {
    /// RMM_RMI_REQ_COMPLETE: the RMM's answer to the host's RMI call in X1...X5.
    static let rmiRequestComplete: UInt64 = 0xC400_018F
    /// RMM_BOOT_COMPLETE: X1 the RMM's boot status.
    static let rmmBootComplete: UInt64 = 0xC400_01CF
    /// The RMI range forwarded to the RMM (the EL3 interface FIDs inside it are not).
    static let rmiRange: ClosedRange<UInt64> = 0xC400_0150...0xC400_03FF
    static let psciVersion: UInt64 = 0x8400_0000
    static let psciCPUOn: UInt64 = 0xC400_0003
    static let psciAffinityInfo: UInt64 = 0xC400_0004
    static let psciSystemOff: UInt64 = 0x8400_0008
    static let psciFeatures: UInt64 = 0x8400_000A
    static let boardGPIGet: UInt64 = 0xC200_0001
    static let boardReport: UInt64 = 0xC200_0002
    static let boardExit: UInt64 = 0xC200_0003
    /// PSCI 1.1.
    static let psciVersionAnswer: UInt64 = 0x1_0001
    /// PSCI NOT_SUPPORTED (-1) and INVALID_PARAMETERS (-2), as 64-bit register values.
    static let psciNotSupported: UInt64 = ~0
    static let psciInvalidParameters: UInt64 = ~1
}

/// EL3's state after boot: the GPT and the service over it, built once by the primary CPU before any other runs.
final class EL3Firmware: Sendable {
    let gpt: GranuleProtectionTable
    let service: EL3Service
    /// RMI calls forwarded to the RMM and granule services the RMM asked for: figures for the report.
    let forwardedCalls = Atomic<UInt64>(0)
    let serviceCalls = Atomic<UInt64>(0)

    init(gpt: GranuleProtectionTable) {
        self.gpt = gpt
        self.service = EL3Service(gpt: gpt)
    }

    /// Serves the SMC the world `origin` of `cpu` made; returns the world to resume.
    ///
    /// From the Non-secure world: RMI calls go to the RMM (their registers copied into its context), PSCI and the
    /// board's SiP calls are answered here, and everything else, the granule services included, is refused with
    /// SMCCC NOT_SUPPORTED. From the RMM: its answer goes back to the host, its boot status is recorded, and the
    /// FIRME granule services change the GPT.
    func dispatch(
        cpu: UInt64, origin: World, ns: UnsafeMutablePointer<UInt64>, realm: UnsafeMutablePointer<UInt64>
    )
        -> World
    {
        switch origin {
        case .nonSecure:
            // The one place X0 is normalised (W0, the SVE hint cleared): the RMM dispatches what it is given.
            let fid = FunctionID(dispatching: ns[0]).rawValue
            if EL3Call.rmiRange.contains(fid) && !isEL3Interface(fid) {
                // Relaxed: a statistic.
                forwardedCalls.add(1, ordering: .relaxed)
                for index in 1...6 { realm[index] = ns[index] }
                realm[0] = fid
                return .realm
            }
            answerNonSecure(fid: fid, registers: ns)
            return .nonSecure
        case .realm:
            switch realm[0] {
            case EL3Call.rmiRequestComplete:
                for index in 0...4 { ns[index] = realm[index + 1] }
                return .nonSecure
            case EL3Call.rmmBootComplete:
                el3RMMBooted(cpu, realm[1])
                return .nonSecure
            default:
                serviceCalls.add(1, ordering: .relaxed)
                let call = SMCArguments(realm[0], realm[1], realm[2], realm[3], realm[4], realm[5], realm[6])
                let answer = service.call(call, from: .realm).registers
                (realm[0], realm[1], realm[2], realm[3]) = (answer.x0, answer.x1, answer.x2, answer.x3)
                return .realm
            }
        }
    }

    /// FIDs of the RMM-EL3 interface inside the RMI range: only the RMM may use them.
    func isEL3Interface(_ fid: UInt64) -> Bool {
        fid == EL3Call.rmiRequestComplete || fid == EL3Call.rmmBootComplete
            || EL3FunctionID(rawValue: fid) == .gtsiDelegate || EL3FunctionID(rawValue: fid) == .gtsiUndelegate
    }

    func answerNonSecure(fid: UInt64, registers x: UnsafeMutablePointer<UInt64>) {
        switch fid {
        case EL3Call.psciVersion:
            x[0] = EL3Call.psciVersionAnswer
        case EL3Call.psciFeatures:
            switch x[1] {
            case EL3Call.psciVersion, EL3Call.psciCPUOn, EL3Call.psciAffinityInfo, EL3Call.psciSystemOff: x[0] = 0
            default: x[0] = EL3Call.psciNotSupported
            }
        case EL3Call.psciCPUOn:
            x[0] = psciCPUOn(x[1], x[2], x[3])
        case EL3Call.psciAffinityInfo:
            x[0] = psciAffinityInfo(x[1], x[2])
        case EL3Call.psciSystemOff:
            semihostingExit(0)
        case EL3Call.boardGPIGet:
            if let gpi = gpt.gpi(at: PhysicalAddress(x[1])) {
                (x[0], x[1]) = (0, UInt64(gpi.rawValue))
            } else {
                x[0] = EL3Call.psciInvalidParameters
            }
        case EL3Call.boardReport:
            el3Report()
            x[0] = 0
        case EL3Call.boardExit:
            semihostingExit(x[1])
        default:
            x[0] = SMCReturn.notSupported.x0
        }
    }
}

nonisolated(unsafe) var firmware: EL3Firmware?

/// Builds the GPT the way TF-A's gpt_init_l0_tables and gpt_init_pas_l1_tables do for this board: devices and the
/// second GiB of DRAM as Non-secure Blocks, the first GiB of DRAM granule by granule, all Non-secure; then the
/// RMM's memory moves to the Realm PAS. Returns 0 on success.
@_cdecl("el3_gpt_init")
public func el3GPTInit() -> Int32 {
    let gpt: GranuleProtectionTable
    do {
        gpt = try GranuleProtectionTable(
            gpccr: GPCCR(pps: .bits32, pgs: .size4KB, l0gptsz: L0GPTSize(shift: 30)!),
            regions: [
                .block(BoardMemory.devices, gpi: .nonSecure),
                .granular(BoardMemory.platformL1, initialGPI: .nonSecure),
                .block(BoardMemory.hostL1, gpi: .nonSecure),
            ],
            defaultGPI: .noAccess, l1Base: PhysicalAddress(1 << 32))
    } catch {
        write("[EL3] the GPT configuration was refused\n")
        return 1
    }
    let rmm = gpt.delegate(BoardMemory.rmmBase, count: BoardMemory.rmmSize / BoardMemory.granule)
    guard rmm.processed == BoardMemory.rmmSize / BoardMemory.granule else {
        write("[EL3] the RMM's memory did not move to the Realm PAS\n")
        return 2
    }
    firmware = EL3Firmware(gpt: gpt)
    return 0
}

/// The SMC dispatcher's entry from el3/platform.c: `ns` and `realm` are X0...X6 of the CPU's two contexts.
@_cdecl("el3_dispatch")
public func el3Dispatch(
    _ cpu: UInt64, _ origin: UInt64, _ ns: UnsafeMutablePointer<UInt64>, _ realm: UnsafeMutablePointer<UInt64>
) -> UInt64 {
    guard let firmware, let world = World(rawValue: origin) else {
        ns[0] = SMCReturn.notSupported.x0
        return World.nonSecure.rawValue
    }
    return firmware.dispatch(cpu: cpu, origin: world, ns: ns, realm: realm).rawValue
}

/// Figures for the report: RMI calls forwarded, granule services served, L1 tables live.
@_cdecl("el3_counts")
public func el3Counts(_ out: UnsafeMutablePointer<UInt64>) {
    guard let firmware else { return }
    out[0] = firmware.forwardedCalls.load(ordering: .relaxed)
    out[1] = firmware.serviceCalls.load(ordering: .relaxed)
    out[2] = UInt64(firmware.gpt.l1TableCount)
}
