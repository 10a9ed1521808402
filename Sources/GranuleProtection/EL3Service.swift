public import CCAArch

/// EL3 firmware's granule services for the RMM: the legacy RMM-EL3 GTSI calls and the FIRME granule-management
/// calls (gpt.md section 4), over one `GranuleProtectionTable`.
///
/// `call(_:from:)` is the SMC entry point: X0 the function ID, the caller's security state as the SMC's origin.
/// Only the Realm world may use these services. The typed methods do the same work without register encoding,
/// for a platform that counts or traces at its own choke point.
public final class EL3Service: Sendable {
    /// The GPT the service changes.
    public let gpt: GranuleProtectionTable
    /// The most granules one FIRME_GM_GPI_SET call moves (bet3.md section 5: EL3 may process fewer granules than
    /// asked); `nil` for no limit, the default. A call asking for more moves this many and answers SUCCESS with
    /// that count, and the caller re-issues for the rest.
    public let maxGranulesPerCall: UInt64?

    /// FIRME_SERVICE_VERSION's answer for the base and granule-management services: 1.0 (major in bits 29:16).
    public static let firmeVersion: UInt64 = 0x1_0000

    /// FIRME service id of the base service (0) and of granule management (1).
    public static let baseServiceID: UInt64 = 0
    public static let granuleManagementServiceID: UInt64 = 1

    /// Granule management feature register 0: GPI_SET (bit 0), L1_GPT_CREATE (bit 2) and L1_GPT_DESTROY (bit 3);
    /// not GPI_OP_CONTINUE (bit 1), since this EL3 never keeps a stateful operation.
    public static let granuleManagementFeatures: UInt64 = 0b1101

    public init(gpt: GranuleProtectionTable, maxGranulesPerCall: UInt64? = nil) {
        precondition(maxGranulesPerCall != 0, "EL3 must move at least one granule per call")
        self.gpt = gpt
        self.maxGranulesPerCall = maxGranulesPerCall
    }

    /// Handles one SMC from `caller`.
    ///
    /// - RMM_GTSI_DELEGATE / RMM_GTSI_UNDELEGATE (X1 PA): X0 = 0, -2 (bad address), -3 (bad PAS), -1 (not Realm).
    /// - FIRME_GM_GPI_SET (X1 base, X2 count, X3 attributes with the target GPI in 3:0): W0 status, X1 processed.
    /// - FIRME_SERVICE_VERSION (X1 service id): X0 = 0x10000 for services 0 and 1.
    /// - FIRME_GM_L1_GPT_CREATE (X1 region, X2 table) / FIRME_GM_L1_GPT_DESTROY (X1 region): W0 status, X1 an
    ///   address (see `l1GPTCreate` and `l1GPTDestroy`; gpt.md gives no register layout, so this is the model's).
    /// - FIRME_SERVICE_FEATURES (X1 service id, X2 register): X0 = SUCCESS, X1 the register; granule management
    ///   register 0 advertises GPI_SET, L1_GPT_CREATE and L1_GPT_DESTROY (`granuleManagementFeatures`).
    /// - Anything else, including GPI_OP_CONTINUE (this EL3 never keeps a stateful operation): NOT_SUPPORTED (-1).
    public func call(_ arguments: SMCArguments, from caller: SecurityState) -> EL3Response {
        var maintenance = GPTMaintenance.none
        let registers = call(arguments, from: caller, maintenance: &maintenance)
        return EL3Response(registers: registers, maintenance: maintenance)
    }

    /// `call(_:from:)` for the SMC path: answers the registers and adds the maintenance performed to
    /// `maintenance`. The registers come straight back rather than inside an `EL3Response`, which every caller
    /// would copy out of: a copy's wide loads read words just stored one at a time, which store forwarding cannot
    /// serve.
    public func call(
        _ arguments: SMCArguments, from caller: SecurityState, maintenance: inout GPTMaintenance
    ) -> SMCReturn {
        switch EL3FunctionID(rawValue: arguments.x0) {
        case .gtsiDelegate, .gtsiUndelegate:
            let pa = PhysicalAddress(arguments.x1)
            let result =
                arguments.x0 == EL3FunctionID.gtsiDelegate.rawValue
                ? gtsiDelegate(pa, from: caller) : gtsiUndelegate(pa, from: caller)
            maintenance += result.maintenance
            return SMCReturn(result.status.x0)
        case .gpiSet:
            guard let target = GPI(rawValue: UInt8(truncatingIfNeeded: arguments.x3 & 0xF)),
                arguments.x3 >> 4 == 0
            else {
                return refuse(caller == .realm ? .invalidParameters : .notSupported)
            }
            // As `gpiSet`, without building its result: the SMC path takes only the registers and the maintenance.
            guard caller == .realm else { return refuse(.notSupported) }
            guard let transition = moveGPI(base: PhysicalAddress(arguments.x1), count: arguments.x2, target: target)
            else { return refuse(.invalidParameters) }
            maintenance += transition.maintenance
            return SMCReturn(Self.gpiSetStatus(transition).x0, transition.processed)
        case .l1GPTCreate:
            let result = l1GPTCreate(
                region: PhysicalAddress(arguments.x1), table: PhysicalAddress(arguments.x2), from: caller)
            maintenance += result.maintenance
            return SMCReturn(result.status.x0, result.address.rawValue)
        case .l1GPTDestroy:
            let result = l1GPTDestroy(region: PhysicalAddress(arguments.x1), from: caller)
            maintenance += result.maintenance
            return SMCReturn(result.status.x0, result.address.rawValue)
        case .serviceVersion:
            guard caller == .realm else { return refuse(.notSupported) }
            switch arguments.x1 & 0xFF {
            case Self.baseServiceID, Self.granuleManagementServiceID:
                return SMCReturn(Self.firmeVersion)
            default:
                return refuse(.notSupported)
            }
        case .serviceFeatures:
            guard caller == .realm, arguments.x1 == Self.granuleManagementServiceID, arguments.x2 == 0 else {
                return refuse(.notSupported)
            }
            return SMCReturn(FIRMEStatus.success.x0, Self.granuleManagementFeatures)
        default:
            return refuse(.notSupported)
        }
    }

    private func refuse(_ status: FIRMEStatus) -> SMCReturn { SMCReturn(status.x0) }

    /// RMM_GTSI_DELEGATE (0xC40001B0): one granule from Non-secure to Realm. Waits for the block's lock.
    public func gtsiDelegate(_ pa: PhysicalAddress, from caller: SecurityState) -> EL3GTSIResult {
        guard caller == .realm else { return EL3GTSIResult(status: .unknown, transition: nil) }
        return gtsiResult(gpt.delegate(pa, count: 1, lockPolicy: .wait))
    }

    /// RMM_GTSI_UNDELEGATE (0xC40001B1): one granule from Realm to Non-secure. Waits for the block's lock.
    public func gtsiUndelegate(_ pa: PhysicalAddress, from caller: SecurityState) -> EL3GTSIResult {
        guard caller == .realm else { return EL3GTSIResult(status: .unknown, transition: nil) }
        return gtsiResult(gpt.undelegate(pa, count: 1, lockPolicy: .wait))
    }

    private func gtsiResult(_ transition: GPTTransitionResult) -> EL3GTSIResult {
        let status: GTSIStatus
        switch transition.stop {
        case .completed: status = .success
        case .wrongSourceGPI, .malformedDescriptor: status = .badPAS
        case .misaligned, .beyondPPS, .noL1Table, .invalidCount: status = .badAddress
        case .lockContention: preconditionFailure("GTSI calls wait for the lock")
        }
        return EL3GTSIResult(status: status, transition: transition)
    }

    /// EL3's compaction step: fuses every uniform block of the GPT up to the largest contiguous size
    /// (`GranuleProtectionTable.compact`). Not an SMC (FIRME defines none): EL3 runs it itself, when it chooses.
    public func compactGPT(lockPolicy: GPTLockPolicy = .wait) -> GPTMaintenance {
        gpt.compact(lockPolicy: lockPolicy)
    }

    /// FIRME_GM_GPI_SET (0xC4000402): sets the GPI of `count` granules from `base` to `target` (Realm delegates
    /// from NS; NS undelegates from Realm), statelessly and with try-lock (gpt.md section 4.2).
    ///
    /// - SUCCESS, processed >= 1: that prefix changed; fewer than `count` when the run met a block another CPU
    ///   held or a region without L1 table after some progress, or `count` is above `maxGranulesPerCall` (the
    ///   caller re-issues for the rest).
    /// - DENIED, processed: a granule's current GPI (or malformed descriptor) does not allow the transition.
    /// - BUSY, 0: the first block was held by another CPU; nothing changed.
    /// - INVALID_PARAMETERS, 0: misaligned base, zero count, run beyond PPS, no L1 table at the base, or a target
    ///   GPI other than Realm or NS.
    /// - NOT_SUPPORTED: the caller is not the Realm world.
    public func gpiSet(base: PhysicalAddress, count: UInt64, target: GPI, from caller: SecurityState) -> EL3GPISetResult
    {
        guard caller == .realm else { return EL3GPISetResult(status: .notSupported, processed: 0, transition: nil) }
        guard let transition = moveGPI(base: base, count: count, target: target) else {
            return EL3GPISetResult(status: .invalidParameters, processed: 0, transition: nil)
        }
        return EL3GPISetResult(
            status: Self.gpiSetStatus(transition), processed: transition.processed, transition: transition)
    }

    /// GPI_SET's transition, for a caller that is the Realm world: `count` granules from `base` to `target` (a
    /// limited EL3 moves a prefix; a zero count stays zero, so it is still refused as INVALID_PARAMETERS); `nil`
    /// for a target other than Realm or NS.
    @inline(__always)
    private func moveGPI(base: PhysicalAddress, count: UInt64, target: GPI) -> GPTTransitionResult? {
        let moving = maxGranulesPerCall.map { Swift.min(count, $0) } ?? count
        switch target {
        case .realm: return gpt.delegate(base, count: moving, lockPolicy: .tryLock)
        case .nonSecure: return gpt.undelegate(base, count: moving, lockPolicy: .tryLock)
        default: return nil
        }
    }

    /// GPI_SET's status for a transition that moved `transition.processed` granules and stopped as it did.
    @inline(__always)
    private static func gpiSetStatus(_ transition: GPTTransitionResult) -> FIRMEStatus {
        let processed = transition.processed
        switch transition.stop {
        case .completed: return .success
        case .wrongSourceGPI, .malformedDescriptor: return .denied
        case .lockContention: return processed > 0 ? .success : .busy
        case .noL1Table, .misaligned, .beyondPPS, .invalidCount: return processed > 0 ? .success : .invalidParameters
        }
    }
}
