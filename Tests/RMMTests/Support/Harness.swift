import CCAArch

@testable import RMM

/// An RMM on a small test machine, with helpers to issue SMCs and read state.
///
/// Layout: DRAM0 [0x8000_0000, 0xC000_0000) (1 GiB, one tracking region), DRAM1 [0x1_0000_0000, 0x1_0020_0000)
/// (2 MiB at the start of a region: the rest of that region is a hole), 40-bit PA, 4 KB granules, 1 GB L0.
struct Harness {
    static let dram0 = MemoryBank(base: PhysicalAddress(0x8000_0000), size: 0x4000_0000)
    static let dram1 = MemoryBank(base: PhysicalAddress(0x1_0000_0000), size: 0x20_0000)
    static let g: UInt64 = 0x1000

    let port: TestPort
    let rmm: RealmManagementMonitor

    init(
        strict: Bool = false, budget: UInt64 = RMMBootManifest.defaultRangeWorkBudget, activate: Bool = true,
        physicalAddressBits: Int = 40, devices: [MemoryBank] = [],
        contextsPerCPU: Int = RMMBootManifest.defaultOperationContextsPerCPU,
        trackingMetadata: TrackingMetadataSource = .preallocated, lockContention: LockContention = .busy
    ) {
        let banks = [Self.dram0, Self.dram1] + devices
        port = TestPort(banks: banks)
        let manifest = RMMBootManifest(
            physicalAddressBits: physicalAddressBits, granuleSize: .size4KB, l0RegionBits: 30, banks: banks,
            platformL1Regions: [PhysicalAddress(0x8000_0000), PhysicalAddress(0x1_0000_0000)], cpuCount: 4,
            strictRangeState: strict, rangeWorkBudget: budget, operationContextsPerCPU: contextsPerCPU,
            trackingMetadata: trackingMetadata, lockContention: lockContention)
        rmm = RealmManagementMonitor(manifest: manifest, port: port)
        if activate { precondition(smc(.rmmActivate).x0 == 0) }
    }

    /// An RMM configured with tracking_region_size `encoding` (0: 1 GB, 1: 2 MB) through CONFIG_SET from the
    /// Non-secure page at `page`, then activated.
    static func configured(
        _ encoding: UInt64, page: UInt64 = 0x8010_0000, devices: [MemoryBank] = []
    ) -> Harness {
        let h = Harness(activate: false, devices: devices)
        precondition(h.port.write64(encoding, at: PhysicalAddress(page), space: .nonSecure))
        precondition(h.smc(.rmmConfigSet, page) == .result(.success))
        precondition(h.smc(.rmmActivate) == .result(.success))
        return h
    }

    @discardableResult
    func smc(_ fid: FunctionID, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0, cpu: Int = 0) -> SMCReturn {
        rmm.handle(SMCArguments(fid.rawValue, x1, x2, x3), cpu: cpu)
    }

    func status(_ answer: SMCReturn) -> RMIStatus { RMIResult(rawValue: answer.x0).status }

    func delegate(_ base: UInt64, _ top: UInt64, cpu: Int = 0) -> SMCReturn {
        smc(.granuleRangeDelegate, base, top, cpu: cpu)
    }

    func undelegate(_ base: UInt64, _ top: UInt64, cpu: Int = 0) -> SMCReturn {
        smc(.granuleRangeUndelegate, base, top, cpu: cpu)
    }

    /// Delegates [base, top) completely, looping on partial progress.
    func delegateAll(_ base: UInt64, _ top: UInt64) {
        var cursor = base
        while cursor < top {
            let answer = delegate(cursor, top)
            precondition(answer.x0 == 0 && answer.x1 > cursor, "delegation did not progress")
            cursor = answer.x1
        }
    }

    func state(_ pa: UInt64) -> GranuleState? { rmm.inspectGranule(at: PhysicalAddress(pa))?.state }

    /// The RMM state of every granule in [base, top).
    func states(_ base: UInt64, _ top: UInt64) -> [GranuleState?] {
        stride(from: base, to: top, by: Int(Self.g)).map { state($0) }
    }

    /// Puts the granule at `pa` in `word` directly, as another CPU or operation would have left it.
    func force(_ pa: UInt64, _ word: GranuleWord) {
        let region = rmm.table!.region(containing: PhysicalAddress(pa))!
        region.words._overwrite(region.index(of: PhysicalAddress(pa)), word)
    }

    /// The invariant of the whole machine: DELEGATED and object states have GPI Realm, UNDELEGATED has GPI
    /// Non-secure, and so has memory the RMM does not track (before activation, or in a region tracked NONE).
    /// Returns the addresses that break it.
    func invariantViolations(_ base: UInt64, _ top: UInt64) -> [UInt64] {
        stride(from: base, to: top, by: Int(Self.g)).filter { pa in
            guard let state = state(pa) else { return port.isMemory(pa) && port.gpi(pa) != .nonSecure }
            if state == .partial || state == .gptL1 { return false }
            return state.requiresRealmGPI ? port.gpi(pa) != .realm : port.gpi(pa) != .nonSecure
        }
    }
}
