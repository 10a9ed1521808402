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
    func lockRealm(_ rd: UInt64) -> Result<LockedGranule, RMIStatusError> {
        guard isGranuleAligned(rd) else { return .failure(RMIStatusError(.errorInput)) }
        guard let granule = lockGranule(PhysicalAddress(rd)) else { return .failure(RMIStatusError(.errorInput)) }
        guard granule.state == .rd else {
            unlock(granule)
            return .failure(RMIStatusError(granule.state == .partial ? .blocked : .errorInput))
        }
        return .success(granule)
    }
}

/// An RMI status carried as an error inside the RMM's command code.
struct RMIStatusError: Error {
    var result: RMIResult
    init(_ status: RMIStatus) { result = RMIResult(status) }
    init(_ result: RMIResult) { self.result = result }
}
