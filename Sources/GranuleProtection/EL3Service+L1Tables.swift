public import CCAArch

/// The outcome of a FIRME_GM_L1_GPT_CREATE or FIRME_GM_L1_GPT_DESTROY call.
@frozen
public struct EL3L1GPTResult: Hashable, Sendable {
    /// The W0 status.
    public var status: FIRMEStatus
    /// X1: for a destroy, the table's address on SUCCESS, or the first granule that differs on DENIED; else 0.
    public var address: PhysicalAddress
    /// The maintenance performed (protecting or releasing the table's own memory).
    public var maintenance: GPTMaintenance

    @inlinable
    public init(status: FIRMEStatus, address: PhysicalAddress = PhysicalAddress(0), maintenance: GPTMaintenance = .none)
    {
        self.status = status
        self.address = address
        self.maintenance = maintenance
    }
}

extension EL3Service {
    /// FIRME_GM_L1_GPT_CREATE (0xC400040E): unfolds the Block of the L0 region at `region` into an L1 table held
    /// in the memory at `table` (X1 region, X2 table; gpt.md gives no register layout, so this is the model's).
    ///
    /// The table's memory, `l1TableBytes` aligned to its size, must be granule-protected Non-secure: in a region
    /// that already has an L1 table, or inside `region` itself (a self-describing table) when its Block is
    /// Non-secure. Once the table is live its own granules become Root, so neither world can write it.
    ///
    /// - SUCCESS: the region is a Table; every granule has the Block's GPI, the table's own granules Root.
    /// - INVALID_PARAMETERS: `region` not the base of an L0 region below PPS, or `table` misaligned.
    /// - EXISTS: the region already has an L1 table.
    /// - DENIED: a granule of the table's memory is not granule-protected Non-secure.
    /// - NOT_SUPPORTED: the caller is not the Realm world.
    public func l1GPTCreate(
        region: PhysicalAddress, table: PhysicalAddress, from caller: SecurityState
    )
        -> EL3L1GPTResult
    {
        guard caller == .realm else { return EL3L1GPTResult(status: .notSupported) }
        let bytes = gpt.l1TableBytes
        let regionBytes = gpt.l0RegionSize.bytes
        guard region.isAligned(to: regionBytes), region.rawValue < gpt.limit,
            table.isAligned(to: bytes), table.rawValue < gpt.limit,
            bytes <= gpt.limit - table.rawValue
        else { return EL3L1GPTResult(status: .invalidParameters) }
        if isSelfDescribing(table, region: region) {
            // The whole table lies in the region (both are aligned powers of two and the table is smaller).
            guard let index = gpt.l0Index(of: region), case .block(let gpi)? = gpt.l0Descriptor(at: index) else {
                return EL3L1GPTResult(status: .exists)
            }
            guard gpi == .nonSecure else { return EL3L1GPTResult(status: .denied) }
        } else if !isGranuleProtected(table, bytes: bytes, gpi: .nonSecure) {
            return EL3L1GPTResult(status: .denied)
        }
        switch gpt.createL1Table(forRegionAt: region, l1Address: table) {
        case .created: break
        case .alreadyTable: return EL3L1GPTResult(status: .exists)
        default: return EL3L1GPTResult(status: .invalidParameters)
        }
        let granules = gpt.l1TableGranules
        let protect = gpt.transition(table, count: granules, from: .nonSecure, through: .root, lockPolicy: .wait)
        gpt._checkInvariants()
        guard protect.stop == .completed else {
            // Only a caller that changed the table's memory between the check and now gets here: undo.
            _ = gpt.transition(
                table, count: protect.processed, from: .root, through: .nonSecure, lockPolicy: .wait)
            _ = gpt.destroyL1Table(forRegionAt: region)
            return EL3L1GPTResult(status: .denied)
        }
        return EL3L1GPTResult(status: .success, maintenance: protect.maintenance)
    }

    /// FIRME_GM_L1_GPT_DESTROY (0xC400040F): folds the L1 table of the L0 region at `region` back into a Block
    /// (X1 region) and releases the table's memory to Non-secure.
    ///
    /// Only a homogeneous table folds: every granule shares one GPI, ignoring the table's own granules when it is
    /// self-describing; a self-describing table folds only into a Non-secure Block, so that its memory comes back
    /// Non-secure.
    ///
    /// - SUCCESS, X1 the table's address: the region is a Block with the common GPI.
    /// - INVALID_PARAMETERS: `region` not the base of an L0 region below PPS.
    /// - NO_ENTRY: the region is a Block.
    /// - DENIED, X1 the first granule that differs: not homogeneous (or not Non-secure, self-describing).
    /// - NOT_SUPPORTED: the caller is not the Realm world.
    public func l1GPTDestroy(region: PhysicalAddress, from caller: SecurityState) -> EL3L1GPTResult {
        guard caller == .realm else { return EL3L1GPTResult(status: .notSupported) }
        switch gpt.destroyL1Table(forRegionAt: region, requiringSelfDescribing: .nonSecure) {
        case .destroyed(let table, _):
            guard !isSelfDescribing(table, region: region) else {
                return EL3L1GPTResult(status: .success, address: table)
            }
            let granules = gpt.l1TableGranules
            let release = gpt.transition(table, count: granules, from: .root, through: .nonSecure, lockPolicy: .wait)
            gpt._checkInvariants()
            return EL3L1GPTResult(status: .success, address: table, maintenance: release.maintenance)
        case .notTable:
            return EL3L1GPTResult(status: .noEntry)
        case .notHomogeneous(let at):
            return EL3L1GPTResult(status: .denied, address: at)
        default:
            return EL3L1GPTResult(status: .invalidParameters)
        }
    }

    /// Whether a table at `table` lies in the L0 region it describes.
    private func isSelfDescribing(_ table: PhysicalAddress, region: PhysicalAddress) -> Bool {
        table >= region && table - region < gpt.l0RegionSize.bytes
    }

    /// Whether every granule of `[base, base + bytes)` lies in a region with an L1 table and has `gpi`.
    private func isGranuleProtected(_ base: PhysicalAddress, bytes: UInt64, gpi: GPI) -> Bool {
        let granule = gpt.granuleSize.bytes
        var offset: UInt64 = 0
        while offset < bytes {
            let pa = base + offset
            guard gpt.l1DescriptorBits(at: pa) != nil, gpt.gpi(at: pa) == gpi else { return false }
            offset += granule
        }
        return true
    }
}
