import CCAArch
import GranuleProtection
import RMM

extension Machine {
    /// The invariant checker over the whole machine; an empty answer means every invariant holds.
    ///
    /// - The RMM is not halted.
    /// - A granule is UNDELEGATED exactly when its GPI is Non-secure; DELEGATED and every object state have GPI
    ///   Realm; PARTIAL and GPT_L1 granules are mid-operation or EL3's, and excluded (gpt.md section 6).
    /// - Memory the RMM does not track is Non-secure: all of it before activation, and every region tracked NONE
    ///   after (a COARSE unit's granules are held to the unit's state like FINE ones).
    /// - A contiguous GPT descriptor stands only where all its granules share one GPI.
    /// - Reference counts match their owners: an RD counts its RECs, an RTT its live entries; UNDELEGATED
    ///   granules have none.
    /// - Every REC_AUX and RD_AUX granule is listed by exactly one REC or RD of its kind, or by the incomplete
    ///   operation holding that object; every listed address is such a granule.
    /// - With host-supplied tracking metadata, every INTERNAL granule belongs to exactly one region's metadata run
    ///   (FINE, or under the TRACKING_SET operation that donates or hands it back), and every such run is INTERNAL;
    ///   its GPI is Realm like every delegated state.
    ///
    /// Call it at quiescent points: runs read while other CPUs change granules may be stale.
    public func checkInvariants(limit: Int = 16) -> [String] {
        var violations: [String] = []
        func report(_ message: String) {
            if violations.count < limit { violations.append(message) }
        }
        for fatal in port.fatalErrors { report(fatal) }
        if rmm.isHalted { report("the RMM has halted") }
        let granule = configuration.granuleSize.bytes
        if rmm.lifecycleState == .active {
            rmm.forEachGranuleRun { base, size, info in
                guard info.state != .partial, info.state != .gptL1 else { return }
                let expected: GPI = info.state.requiresRealmGPI ? .realm : .nonSecure
                var from = base
                while let pa = gpt.firstGranule(from: from, to: base + size, whoseGPIIsNot: expected) {
                    report(
                        "granule 0x\(String(pa.rawValue, radix: 16)) is \(info.state.name) but its GPI is "
                            + "\(gpt.gpi(at: pa)?.name ?? "unreadable")")
                    from = pa + granule
                }
                if info.state == .undelegated && info.refcount != 0 {
                    report("UNDELEGATED granule 0x\(String(base.rawValue, radix: 16)) has references")
                }
            }
            rmm.forEachUntrackedRun { base, size in
                if let pa = gpt.firstGranule(from: base, to: base + size, whoseGPIIsNot: .nonSecure) {
                    report(
                        "granule 0x\(String(pa.rawValue, radix: 16)) is untracked (TRACKING_NONE) but its GPI is "
                            + "\(gpt.gpi(at: pa)?.name ?? "unreadable")")
                }
            }
        } else {
            for region in configuration.dramRegions {
                if let pa = gpt.firstGranule(
                    from: region.base, to: region.base + region.size, whoseGPIIsNot: .nonSecure)
                {
                    report("granule 0x\(String(pa.rawValue, radix: 16)) is not Non-secure before activation")
                }
            }
        }
        for pa in rmm.referenceCountViolations() {
            report("granule 0x\(String(pa.rawValue, radix: 16)) has a reference count that does not match its owners")
        }
        for pa in rmm.auxiliaryOwnershipViolations() {
            report("auxiliary granule 0x\(String(pa.rawValue, radix: 16)) is not owned by exactly one REC or RD")
        }
        for pa in rmm.trackingMetadataViolations() {
            report(
                "granule 0x\(String(pa.rawValue, radix: 16)) is INTERNAL but not one region's tracking metadata, "
                    + "or the reverse")
        }
        if let broken = gpt.firstContiguityViolation() {
            report("a contiguous GPT descriptor covers mixed GPIs at 0x\(String(broken.rawValue, radix: 16))")
        }
        return violations
    }
}
