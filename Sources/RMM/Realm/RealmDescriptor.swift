import CCAArch

/// The realm lifecycle state (DEN0137 A2.2.5).
public enum RealmState: UInt64, Sendable {
    /// REALM_NEW: being built.
    case new = 0
    /// REALM_ACTIVE: may run.
    case active = 1
    /// REALM_SYSTEM_OFF: stopped by the realm.
    case systemOff = 2
    /// REALM_ZOMBIE: terminated, waiting for destruction.
    case zombie = 3
}

/// Offsets of the realm descriptor's fields inside the RD granule.
///
/// The model keeps each object's state in the object's own granule, written through the Realm PAS, so the
/// memory a host delegates really holds the RMM's data and is really lost to the host while it does.
enum RDField {
    static let state: UInt64 = 0x00
    static let recIndex: UInt64 = 0x08
    static let ipaWidth: UInt64 = 0x10
    static let rttBase: UInt64 = 0x18
    static let rttLevelStart: UInt64 = 0x20
    static let rttNumStart: UInt64 = 0x28
    static let hashAlgorithm: UInt64 = 0x30
    static let vmid: UInt64 = 0x38
    /// Non-zero while a REC creation for this realm is in flight.
    static let recCreating: UInt64 = 0x40
    /// The number of auxiliary granules the RD holds.
    static let auxCount: UInt64 = 0x48
    /// Auxiliary granule addresses, one 64-bit word each.
    static let aux: UInt64 = 0x80
}

/// Offsets of the REC's fields inside the REC granule.
enum RECField {
    static let owner: UInt64 = 0x00
    static let mpidr: UInt64 = 0x08
    static let pc: UInt64 = 0x10
    static let flags: UInt64 = 0x18
    static let auxCount: UInt64 = 0x20
    /// Auxiliary granule addresses, one 64-bit word each.
    static let aux: UInt64 = 0x40
}

/// A realm as the RMM reads it from its RD.
struct RealmDescriptor {
    var address: PhysicalAddress
    var state: RealmState
    var recIndex: UInt64
    var ipaWidth: Int
    var rttBase: PhysicalAddress
    var rttLevelStart: Int
    var rttNumStart: UInt64
    var recCreating: Bool
}

extension RealmManagementMonitor {
    func readRealm(_ rd: PhysicalAddress) -> RealmDescriptor {
        RealmDescriptor(
            address: rd, state: RealmState(rawValue: readObject(rd, RDField.state)) ?? .zombie,
            recIndex: readObject(rd, RDField.recIndex), ipaWidth: Int(readObject(rd, RDField.ipaWidth)),
            rttBase: PhysicalAddress(readObject(rd, RDField.rttBase)),
            rttLevelStart: Int(Int64(bitPattern: readObject(rd, RDField.rttLevelStart))),
            rttNumStart: readObject(rd, RDField.rttNumStart), recCreating: readObject(rd, RDField.recCreating) != 0)
    }

    /// Locks a granule that must be an RD: the shared `rd_align`, `rd_bound` and `rd_state` checks.
    func lockRealm(_ rd: UInt64) throws(RMIStatusError) -> LockedGranule {
        guard isGranuleAligned(rd) else { throw RMIStatusError(.errorInput) }
        return try lockExpecting(PhysicalAddress(rd), .rd)
    }

    /// Locks the RD at `rd` and the DELEGATED, unreferenced granule at `object` that a command is about to make
    /// part of the realm (RTT_CREATE, REC_CREATE, DATA_MAP_INIT): both, or neither with the status to answer.
    ///
    /// The two are locked in ascending PA order, each checked for its expected state as soon as it is locked and
    /// released at once on a mismatch (TF-RMM's find_lock_two_granules), so a command never waits for a lock while
    /// holding a granule in a state it did not expect. Locking the RD first whatever the addresses deadlocks: two
    /// CPUs passing each other's RD as the object, or this call against a REC creation finishing. The same
    /// granule as both is `RMI_ERROR_INPUT` (waiting for a lock the command holds would never end).
    func lockRealm(_ rd: UInt64, and object: UInt64) throws(RMIStatusError) -> LockedRealmObject {
        guard isGranuleAligned(rd), isGranuleAligned(object), rd != object else {
            throw RMIStatusError(.errorInput)
        }
        if rd < object {
            let rdGranule = try lockExpecting(PhysicalAddress(rd), .rd)
            return LockedRealmObject(rd: rdGranule, object: try lockExpecting(PhysicalAddress(object), .delegated))
        }
        let objectGranule = try lockExpecting(PhysicalAddress(object), .delegated)
        return LockedRealmObject(rd: try lockExpecting(PhysicalAddress(rd), .rd), object: objectGranule)
    }

    /// Locks the granule at `pa` if it is in `state` (and, for DELEGATED, unreferenced); otherwise leaves it
    /// unlocked and fails: RMI_BLOCKED for a PARTIAL granule, RMI_ERROR_INPUT for anything else.
    func lockExpecting(_ pa: PhysicalAddress, _ state: GranuleState) throws(RMIStatusError) -> LockedGranule {
        guard let granule = lockGranule(pa) else { throw RMIStatusError(.errorInput) }
        guard granule.state == state, state != .delegated || granule.refcount == 0 else {
            throw RMIStatusError(granule.state == .partial ? .blocked : .errorInput)
        }
        return granule
    }
}

/// An RD and the granule a command is adding to its realm, both locked (`lockRealm(_:and:)`).
struct LockedRealmObject: ~Copyable {
    var rd: LockedGranule
    var object: LockedGranule
}

/// An RMI status carried as an error inside the RMM's command code.
struct RMIStatusError: Error {
    var result: RMIResult
    init(_ status: RMIStatus) { result = RMIResult(status) }
    init(_ result: RMIResult) { self.result = result }
}
