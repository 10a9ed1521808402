import CCAArch
import CCAPlatform
import Foundation
import RMIHost
import RMM

/// The story `rmm demo` tells, step by step, on one machine. Output goes through `emit`, so tests can read it.
struct DemoStory {
    let machine: Machine
    let host: HostRMI
    let svgPath: String?
    let emit: (String) -> Void
    private(set) var failures: [String] = []

    let gib: UInt64 = 1 << 30
    var granule: UInt64 { machine.configuration.granuleSize.bytes }

    init(machine: Machine, host: HostRMI, svgPath: String?, emit: @escaping (String) -> Void) {
        self.machine = machine
        self.host = host
        self.svgPath = svgPath
        self.emit = emit
    }

    /// Records a check; a failed one is reported and makes the demo exit non-zero.
    mutating func expect(_ condition: Bool, _ what: String) {
        if !condition {
            failures.append(what)
            emit("   !! check failed: \(what)")
        }
    }

    func counters() -> ArchitecturalCountersSnapshot { machine.counters.snapshot() }

    static func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return ms >= 1000 ? "\(String(format2: ms / 1000)) s" : "\(String(format2: ms)) ms"
    }

    mutating func run() throws {
        let configuration = machine.configuration
        emit("swift-rmm demo: Arm CCA memory delegation, RMM v2.0, on the default platform")
        emit(
            "Platform: \(configuration.physicalAddressBits)-bit PA, \(byteSize(granule)) granules, "
                + "\(byteSize(configuration.l0RegionSize)) L0 GPT regions, \(configuration.cpuCount) CPUs")
        for region in configuration.dramRegions {
            emit(
                "  \(region.name) [\(lowercaseHex(region.base.rawValue)), \(lowercaseHex(region.base.rawValue + region.size))) \(byteSize(region.size))"
            )
        }
        try bringUp()
        let gigabyte = delegateOneGiB()
        hostTouchesDelegatedMemory(gigabyte)
        let realm = try buildRealm()
        writeMap()
        refusedWhileInUse(realm)
        teardown(realm)
        reviewEdgeCases()
        finish(gigabyte)
    }

    // MARK: 1. Bring-up

    mutating func bringUp() throws {
        emit("")
        emit("1. Bring-up")
        let before = counters()
        try host.initialize()
        let reg1 = host.featureRegister1 ?? FeatureRegister1()
        emit(
            "   RMI_VERSION negotiated \(host.version.map { "\($0.major).\($0.minor)" } ?? "?"); RMI_FEATURES: "
                + "\(byteSize(granule)) granules, L0GPTSZ \(byteSize(1 << (30 + reg1.l0gptsz))), PPS "
                + "\(configuration.physicalAddressBits) bits")
        emit("   RMI_RMM_CONFIG_SET and RMI_RMM_ACTIVATE: the RMM is ACTIVE")
        emit("   RMI_GRANULE_TRACKING_GET: every DRAM region is tracked FINE and CONVENTIONAL")
        emit("   RMI_GPT_L1_CREATE: the platform made every L1 GPT table (RMI_ERROR_GPT: it exists)")
        emit("   \(counters().smc - before.smc) SMCs")
        expect(machine.rmm.lifecycleState == .active, "the RMM is active after bring-up")
    }

    var configuration: PlatformConfiguration { machine.configuration }

    // MARK: 2. One gigabyte

    mutating func delegateOneGiB() -> GranuleRange {
        emit("")
        emit("2. Delegating 1 GiB with RMI_GRANULE_RANGE_DELEGATE")
        guard let range = host.allocator.allocateBlock(bytes: gib, alignment: gib) else {
            expect(false, "the host allocator has an aligned 1 GiB block")
            return GranuleRange(uncheckedBase: PhysicalAddress(0), top: PhysicalAddress(0), granuleSize: .size4KB)
        }
        let before = counters()
        let start = ContinuousClock.now
        let outcome = host.delegate(base: range.base, size: range.size)
        let elapsed = ContinuousClock.now - start
        let after = counters()
        expect(outcome.succeeded && outcome.top == range.top, "the 1 GiB delegation succeeds")

        // The baseline: one granule per SMC, measured over 64 MiB of other memory and scaled to 1 GiB.
        let sample: UInt64 = 64 << 20
        let scale = gib / sample
        let baseline = host.allocator.allocateBlock(bytes: sample, alignment: sample)
        var loop = (smc: UInt64(0), el3: UInt64(0), tlbi: UInt64(0), lines: UInt64(0), time: Duration.zero)
        if let baseline {
            var bar = ProgressBar("one granule per SMC", total: Int(baseline.granuleCount))
            let loopBefore = counters()
            let loopStart = ContinuousClock.now
            for i in 0..<baseline.granuleCount {
                _ = host.delegatePage(baseline.base + i * granule)
                if i % 512 == 0 { bar.update(Int(i)) }
            }
            loop.time = ContinuousClock.now - loopStart
            bar.finish()
            let loopAfter = counters()
            loop.smc = (loopAfter.smc - loopBefore.smc) * scale
            loop.el3 = (loopAfter.el3Calls - loopBefore.el3Calls) * scale
            loop.tlbi = (loopAfter.tlbi - loopBefore.tlbi) * scale
            loop.lines = (loopAfter.cipapaLines - loopBefore.cipapaLines) * scale
            loop.time = loop.time * Int(scale)
            expect(host.undelegateAndRelease(baseline).succeeded, "the baseline memory comes back")
        }
        emit("   [\(lowercaseHex(range.base.rawValue)), \(lowercaseHex(range.top.rawValue))) is DELEGATED, GPI Realm")
        emit("                         range command   one granule per SMC (measured on 64 MiB, x\(scale))")
        func row(_ name: String, _ range: UInt64, _ single: UInt64) {
            emit("     \(pad(name, 20)) \(pad(String(range), 15)) \(single)")
        }
        row("SMCs", after.smc - before.smc, loop.smc)
        row("EL3 calls", after.el3Calls - before.el3Calls, loop.el3)
        row("TLB invalidations", after.tlbi - before.tlbi, loop.tlbi)
        row("cache lines cleaned", after.cipapaLines - before.cipapaLines, loop.lines)
        emit("     \(pad("time", 20)) \(pad(Self.milliseconds(elapsed), 15)) \(Self.milliseconds(loop.time))")
        return range
    }

    // MARK: 3. The host touches delegated memory

    mutating func hostTouchesDelegatedMemory(_ range: GranuleRange) {
        emit("")
        emit("3. The host reads delegated memory")
        switch machine.memory.read(.nonSecure, pa: range.base, count: 8) {
        case .failure(.protection(let fault)):
            emit(
                "   Non-secure read at \(lowercaseHex(fault.pa.rawValue)): Granule Protection Fault (\(fault.kind.protocolName), "
                    + "level \(fault.level), GPCSC \(lowercaseHex(UInt64(fault.gpcsc))))")
            expect(fault.kind == .gpf, "the host takes a GPF")
        default:
            expect(false, "the host's read of delegated memory faults")
        }
    }

    // MARK: 4. A realm

    struct Realm {
        var rd: PhysicalAddress
        var rttRoot: PhysicalAddress
        var rtt2: PhysicalAddress
        var rtt3: PhysicalAddress
        var data: PhysicalAddress
        var rec: PhysicalAddress
        var pages: [PhysicalAddress]
        var ipa: UInt64
    }

    static let pattern: [UInt8] = Array("realm secret from swift-rmm demo ".utf8)

    mutating func call(_ fid: FunctionID, _ x: UInt64...) -> SROOutcome {
        var arguments = SMCArguments(fid.rawValue)
        for (i, value) in x.enumerated() { arguments[i + 1] = value }
        return host.execute(arguments)
    }

    mutating func succeeded(_ outcome: SROOutcome, _ what: String) {
        expect(
            outcome.status == .success, "\(what) succeeds (got \(outcome.status.map { "\($0.name)" } ?? "no answer"))")
    }

    mutating func buildRealm() throws -> Realm {
        emit("")
        emit("4. A realm built from delegated granules")
        guard let ns = host.allocator.allocate(granules: 2), let pages = host.allocator.allocate(granules: 6) else {
            expect(false, "the host allocator has pages")
            throw DemoError("out of host memory")
        }
        let params = ns[0]
        let source = ns[1]
        let realm = Realm(
            rd: pages[0], rttRoot: pages[1], rtt2: pages[2], rtt3: pages[3], data: pages[4], rec: pages[5],
            pages: pages, ipa: 0x4000_0000)
        for page in pages { expect(host.delegatePage(page).succeeded, "delegating \(lowercaseHex(page.rawValue))") }
        var bytes: [UInt8] = []
        while bytes.count < Int(granule) { bytes += Self.pattern }
        _ = machine.memory.write(.nonSecure, pa: source, bytes: Array(bytes.prefix(Int(granule))))
        _ = machine.memory.write(.nonSecure, pa: params, bytes: [UInt8](repeating: 0, count: Int(granule)))
        for (offset, value) in [
            (UInt64(0x8), UInt64(39)), (0x18, 1), (0x20, 1), (0x808, realm.rttRoot.rawValue), (0x810, 1), (0x818, 1),
        ] {
            _ = machine.memory.write64(.nonSecure, pa: params + offset, value: value)
        }
        let realmSMCsBefore = counters().smc
        succeeded(call(.realmCreate, realm.rd.rawValue, params.rawValue), "RMI_REALM_CREATE")
        let realmSMCs = counters().smc - realmSMCsBefore
        let rdAux = granuleCount(in: .rdAux)
        expect(rdAux > 0, "the RD holds auxiliary granules")
        succeeded(call(.rttCreate, realm.rd.rawValue, realm.rtt2.rawValue, realm.ipa, 2), "RMI_RTT_CREATE level 2")
        succeeded(call(.rttCreate, realm.rd.rawValue, realm.rtt3.rawValue, realm.ipa, 3), "RMI_RTT_CREATE level 3")
        succeeded(
            call(.rttDataMapInit, realm.rd.rawValue, realm.data.rawValue, realm.ipa, source.rawValue, 0),
            "RMI_RTT_DATA_MAP_INIT")
        let smcBefore = counters().smc
        let rec = call(.recCreate, realm.rd.rawValue, realm.rec.rawValue, params.rawValue)
        succeeded(rec, "RMI_REC_CREATE")
        let recSMCs = counters().smc - smcBefore
        succeeded(call(.realmActivate, realm.rd.rawValue), "RMI_REALM_ACTIVATE")
        emit(
            "   RMI_REALM_CREATE: RD at \(lowercaseHex(realm.rd.rawValue)), starting RTT at "
                + lowercaseHex(realm.rttRoot.rawValue))
        emit(
            "   The RMM asked for \(rdAux) auxiliary granules for the RD by donation, now RD_AUX "
                + "(\(realmSMCs) SMCs with the stateful operation)")
        emit(
            "   RMI_RTT_CREATE: level 2 at \(lowercaseHex(realm.rtt2.rawValue)), level 3 at "
                + lowercaseHex(realm.rtt3.rawValue))
        emit(
            "   RMI_RTT_DATA_MAP_INIT: \(lowercaseHex(realm.data.rawValue)) holds a copy of the host page, mapped at IPA \(lowercaseHex(realm.ipa))"
        )
        emit(
            "   RMI_REC_CREATE: REC at \(lowercaseHex(realm.rec.rawValue)); the RMM asked for 16 auxiliary granules by donation "
                + "(\(recSMCs) SMCs with the stateful operation)")
        emit("   RMI_REALM_ACTIVATE: the realm is ACTIVE")
        let realmView = (try? machine.memory.read(.realm, pa: realm.data, count: Self.pattern.count).get()) ?? []
        expect(realmView == Self.pattern, "the realm reads its data")
        emit("   The realm reads its DATA granule: \"\(String(decoding: realmView, as: UTF8.self))\"")
        var states: [String] = []
        for (name, pa) in [("RD", realm.rd), ("RTT", realm.rttRoot), ("DATA", realm.data), ("REC", realm.rec)] {
            let inspection = machine.inspect(pa)
            states.append("\(name) \(inspection.state.map { "\($0.name)" } ?? "NONE")/\(inspection.gpi?.name ?? "-")")
        }
        emit("   Granule states (RMM state / GPI): " + states.joined(separator: ", "))
        return realm
    }

    /// The granules the RMM holds in `state`, over all tracked memory.
    func granuleCount(in state: GranuleState) -> UInt64 {
        var count: UInt64 = 0
        machine.rmm.forEachGranuleRun { _, size, info in
            if info.state == state { count += size / granule }
        }
        return count
    }

    mutating func writeMap() {
        guard let svgPath else { return }
        let map = PASMap(machine: machine)
        if FileManager.default.createFile(atPath: svgPath, contents: Data(map.svg().utf8)) {
            emit("   The PAS map at this point is in \(svgPath)")
        } else {
            expect(false, "writing the map to \(svgPath)")
        }
    }

    // MARK: 5. Refused while in use

    mutating func refusedWhileInUse(_ realm: Realm) {
        emit("")
        emit("5. Undelegating a granule the realm uses")
        let outcome = host.undelegate(base: realm.rd, size: granule, onFailure: .report)
        expect(!outcome.succeeded && outcome.status == .errorInput, "undelegating the RD is refused")
        expect(machine.inspect(realm.rd).state == .rd, "the RD is unchanged")
        emit(
            "   RMI_GRANULE_RANGE_UNDELEGATE of the RD: \(outcome.status.map { "\($0.name)" } ?? "?"), nothing moved "
                + "(top \(lowercaseHex(outcome.top.rawValue)) = base); a host that gives up here must leak the page")
    }

    // MARK: 6. Teardown

    mutating func teardown(_ realm: Realm) {
        emit("")
        emit("6. Teardown in order, and the wipe checked")
        succeeded(call(.realmTerminate, realm.rd.rawValue), "RMI_REALM_TERMINATE")
        let unmap = call(.rttDataUnmap, realm.rd.rawValue, realm.ipa, realm.ipa + granule, 1, 0)
        succeeded(unmap, "RMI_RTT_DATA_UNMAP")
        let returned = unmap.answer.flatMap { try? AddressRangeDescriptor(encoding: $0.x2, granule: .size4KB) }
        expect(returned?.base == realm.data, "DATA_UNMAP reports the data granule")
        succeeded(call(.recDestroy, realm.rec.rawValue), "RMI_REC_DESTROY")
        succeeded(call(.rttDestroy, realm.rd.rawValue, realm.ipa, 3), "RMI_RTT_DESTROY level 3")
        succeeded(call(.rttDestroy, realm.rd.rawValue, realm.ipa, 2), "RMI_RTT_DESTROY level 2")
        let rdAux = granuleCount(in: .rdAux)
        succeeded(call(.realmDestroy, realm.rd.rawValue), "RMI_REALM_DESTROY")
        expect(granuleCount(in: .rdAux) == 0, "REALM_DESTROY hands back the RD's auxiliary granules")
        emit(
            "   TERMINATE, DATA_UNMAP (returned \(returned.map { lowercaseHex($0.base.rawValue) } ?? "?")), REC_DESTROY (16 granules reclaimed),"
        )
        emit(
            "   RTT_DESTROY level 3 and 2, REALM_DESTROY (\(rdAux) granules reclaimed, undelegated by the host): every "
                + "object granule is DELEGATED again")
        var undelegated = 0
        for page in realm.pages {
            let outcome = host.undelegateAndRelease(
                GranuleRange(uncheckedBase: page, top: page + granule, granuleSize: .size4KB))
            if outcome.succeeded { undelegated += 1 }
        }
        expect(undelegated == realm.pages.count, "every object granule is undelegated")
        let hostView = (try? machine.memory.read(.nonSecure, pa: realm.data, count: Int(granule)).get()) ?? [1]
        let wiped = hostView.allSatisfy { $0 == 0 }
        expect(wiped, "the data granule reads back as zeros")
        emit(
            "   RANGE_UNDELEGATE of the \(realm.pages.count) granules: all UNDELEGATED; the host reads the old DATA "
                + "granule: \(wiped ? "all zeros, the realm's bytes are gone" : "NOT WIPED")")
    }

    // MARK: 7. The review's edge cases

    mutating func reviewEdgeCases() {
        emit("")
        emit("7. The review's questions, answered by RMIHost")
        let base = host.allocator.allocateBlock(bytes: 16 * granule, alignment: granule)?.base ?? PhysicalAddress(0)
        let empty = host.delegate(base: base, size: 0)
        expect(empty.succeeded && empty.smcCount == 0, "size 0 succeeds without an SMC")
        emit("   size 0: \(empty.succeeded ? "success" : "failure"), \(empty.smcCount) SMCs (like free(NULL))")
        let wrap = host.delegate(base: PhysicalAddress(0xFFFF_FFFF_FFFF_F000), size: 0x2000)
        expect(wrap.failure?.kind == "overflow" && wrap.smcCount == 0, "a wrapping range fails before any SMC")
        emit("   base + size wraps past 2^64: \(wrap.failure?.kind ?? "success"), \(wrap.smcCount) SMCs")
        try? machine.faultInjector.inject(.zeroProgress, count: 1)
        let stuck = host.delegate(base: base, size: 16 * granule)
        expect(stuck.failure?.kind == "no_progress" && stuck.smcCount == 1, "a zero-progress answer ends the loop")
        emit(
            "   an RMM answering SUCCESS without progress: \(stuck.failure?.kind ?? "success") after \(stuck.smcCount) SMC"
        )
        try? machine.faultInjector.inject(.busy, count: 1_000_000)
        var bar = ProgressBar("BUSY storm", total: 1)
        bar.update(0)
        let storm = host.delegate(base: base, size: 16 * granule)
        bar.finish()
        machine.faultInjector.clear()
        expect(storm.failure?.kind == "stalled", "a BUSY storm ends as stalled")
        emit(
            "   an RMM answering RMI_BUSY forever: \(storm.failure?.kind ?? "success") after \(storm.smcCount) SMCs "
                + "(the retry budget), progress \(lowercaseHex(storm.top.rawValue)) = base")
        let ok = host.delegate(base: base, size: 16 * granule)
        expect(ok.succeeded, "the same range delegates once the RMM behaves")
        expect(
            host.undelegateAndRelease(
                GranuleRange(uncheckedBase: base, top: base + 16 * granule, granuleSize: .size4KB)
            ).succeeded, "and comes back")
    }

    // MARK: 8. Clean up and check

    mutating func finish(_ gigabyte: GranuleRange) {
        emit("")
        emit("8. Undelegating the gigabyte and checking the machine")
        let before = counters()
        let outcome = host.undelegateAndRelease(gigabyte)
        expect(outcome.succeeded, "the 1 GiB undelegation succeeds")
        emit(
            "   RMI_GRANULE_RANGE_UNDELEGATE of 1 GiB: \(counters().smc - before.smc) SMC, "
                + "\(byteSize(counters().scrubbedBytes - before.scrubbedBytes)) scrubbed")
        let violations = machine.checkInvariants()
        expect(violations.isEmpty, "the invariant checker finds nothing")
        emit(
            "   Invariant check: \(violations.isEmpty ? "ok" : violations.joined(separator: "; ")) "
                + "(every granule's RMM state agrees with its GPI; refcounts match; GPT blocks are uniform)")
        emit("   Leaked granules: \(host.leakLedger.leakedGranuleCount)")
        emit("")
        emit(
            failures.isEmpty
                ? "Demo complete: every check passed." : "Demo finished with \(failures.count) failed checks.")
    }
}

/// The error the demo throws when it cannot continue.
struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
