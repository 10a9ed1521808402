public import CCAArch
public import CCAPlatform
import GranuleProtection
import RMM

/// The fuzzers' oracle over one machine: what `rmm check fuzz` and the libFuzzer target (`Fuzz/`) both check after
/// every call.
///
/// - The status is one the command may answer (`AllowedStatuses`); an EL3-only or unknown function ID answers
///   SMCCC NOT_SUPPORTED.
/// - A failure changes nothing: no granule's RMM state or reference count, no GPT descriptor, not the lifecycle.
/// - The host never reads realm bytes: a granule whose GPI turns from Realm to Non-secure (undelegated) holds only
///   zeroes, bar what the command wrote there as its answer; a host read or write that succeeds touches only
///   granules with GPI Non-secure in no state that needs GPI Realm, and changes no state. (L1 table memory is
///   Root, not Realm: the model's EL3 keeps its descriptors apart, so that memory holds what the host left in it.)
/// - The machine's invariants (`Machine.checkInvariants`), when the caller asks.
public struct SMCOracle: Sendable {
    public let machine: Machine

    public init(machine: Machine) {
        self.machine = machine
    }

    /// What a call is checked against: taken just before it.
    public struct Snapshot: Sendable {
        /// A hash of the RMM's tracking record (every granule's state and reference count, each region's tracking
        /// state, the lifecycle) and of the GPT over DRAM.
        public var fingerprint: UInt64
        /// The GPT over DRAM, one entry per L1 word's sixteen granules, for the scrub check.
        var protection: [GranuleGroupProtection]
        /// The hash of `protection`, part of `fingerprint`.
        var protectionHash: UInt64
        /// The EL3 calls the platform had counted: until the next one, the GPT is as `protection` says.
        var el3Calls: UInt64
    }

    /// How the GPT protects one L1 word's sixteen granules: the word, or where no L1 table covers them, the GPI of
    /// the L0 block (`nil`: malformed or no descriptor).
    enum GranuleGroupProtection: Hashable, Sendable {
        case l1Word(UInt64)
        case block(GPI?)

        /// The GPI of granule `index` (0..<16) of the group; `nil` if the descriptor is malformed.
        func gpi(ofGranule index: Int) -> GPI? {
            switch self {
            case .l1Word(let bits): GPTL1Descriptor(rawValue: bits)?.gpi(ofGranule: index)
            case .block(let gpi): gpi
            }
        }
    }

    /// The GPT over DRAM, one group of sixteen granules (one L1 word's) after another, in address order.
    func protection() -> [GranuleGroupProtection] {
        var groups: [GranuleGroupProtection] = []
        forEachGroupProtection { groups.append($0) }
        return groups
    }

    /// Calls `body` with the protection of every group of sixteen granules of DRAM, in address order.
    private func forEachGroupProtection(_ body: (GranuleGroupProtection) -> Void) {
        // Without an L1 table one L0 descriptor covers the whole L0 region: its GPI is looked up once.
        var block: (l0: Int, gpi: GPI?)?
        for region in machine.configuration.dramRegions {
            machine.gpt.forEachL1DescriptorBits(from: region.base, to: region.base + region.size) { base, bits in
                if let bits { return body(.l1Word(bits)) }
                let l0 = machine.gpt.l0Index(of: base)
                if block?.l0 != l0 { block = (l0 ?? -1, machine.gpt.gpi(at: base)) }
                body(.block(block?.gpi))
            }
        }
    }

    /// Calls `body` with the base of every group of sixteen granules of DRAM, in `protection()` order.
    func forEachGranuleGroup(_ body: (PhysicalAddress) -> Void) {
        for region in machine.configuration.dramRegions {
            machine.gpt.forEachL1DescriptorBits(from: region.base, to: region.base + region.size) { base, _ in
                body(base)
            }
        }
    }

    /// Adds one group's protection to a snapshot's fingerprint.
    private static func combine(_ group: GranuleGroupProtection, into hash: inout WordHash) {
        switch group {
        case .l1Word(let bits): hash.combine(bits)
        case .block(let gpi):
            hash.combine(~0)  // no L1 word has every bit set (nibble 0 would be a reserved GPI)
            hash.combine(UInt64(gpi?.rawValue ?? 0xFF))
        }
    }

    /// The machine's state before a call.
    public func snapshot() -> Snapshot {
        let el3Calls = machine.counters.el3CallCount()
        let protection = protection()
        var hash = WordHash()
        for group in protection { Self.combine(group, into: &hash) }
        return Snapshot(
            fingerprint: fingerprint(protectionHash: hash.value), protection: protection, protectionHash: hash.value,
            el3Calls: el3Calls)
    }

    /// The fingerprint of the tracking record now with the GPT's hash `protectionHash`.
    private func fingerprint(protectionHash: UInt64) -> UInt64 {
        var hash = WordHash(seed: machine.rmm.trackingFingerprint())
        hash.combine(protectionHash)
        return hash.value
    }

    /// The machine's state now, after a call from `previous`, with as little work as nothing changing allows (most
    /// fuzzed calls fail and change nothing). The GPT changes only inside an EL3 call, which the platform's router
    /// counts (the RMM cannot reach EL3 another way), so without one its hash is `previous`'s; with one it is
    /// hashed in one walk, and its groups are gathered again only when the hash moved. The tracking record is
    /// hashed every time.
    public func snapshot(after previous: Snapshot) -> Snapshot {
        var now = previous
        now.el3Calls = machine.counters.el3CallCount()
        if now.el3Calls != previous.el3Calls {
            var hash = WordHash()
            forEachGroupProtection { Self.combine($0, into: &hash) }
            now.protectionHash = hash.value
            if now.protectionHash != previous.protectionHash { now.protection = protection() }
        }
        now.fingerprint = fingerprint(protectionHash: now.protectionHash)
        return now
    }

    /// When the machine's invariant checker runs after a call (it costs a walk of every granule and RTT).
    public enum InvariantCheck: Sendable {
        case always, never
        /// When the call changed a granule's state or reference count, a GPT descriptor or the lifecycle.
        case whenChanged
    }

    /// What is wrong with `answer` to the host SMC `call` made after `before`, or `nil`.
    public func check(
        _ call: SMCArguments, answer: SMCReturn, before: Snapshot, invariants: InvariantCheck
    ) -> String? {
        var state = before
        return check(call, answer: answer, advancing: &state, invariants: invariants)
    }

    /// What is wrong with `answer` to the host SMC `call` made after `state`, or `nil`; `state` becomes the
    /// state after the call, the next call's "before" (a fuzzer that passes it on takes one snapshot per call,
    /// not two).
    public func check(
        _ call: SMCArguments, answer: SMCReturn, advancing state: inout Snapshot, invariants: InvariantCheck
    ) -> String? {
        let before = state
        let after = snapshot(after: before)
        state = after
        // The function as the dispatcher sees it: W0, the SVE hint cleared (bits 63:32 of X0 are ignored).
        let fid = FunctionID(dispatching: call.x0)
        let status = RMIResult(rawValue: answer.x0).status
        if let allowed = AllowedStatuses.allowed(fid) {
            if !allowed.contains(status) {
                return "\(status.name) is not an answer \(fid.rmiCommand.map { "\($0.name)" } ?? "it") may give"
            }
        } else if fid.isStandardSecureSMC64
            && ((0x400...0x4FF).contains(fid.functionNumber) || (0x1B0...0x1CF).contains(fid.functionNumber))
        {
            if answer != .notSupported { return "an EL3 ID answered the host" }
        } else if answer != .notSupported {
            return "an unknown function ID did not answer SMCCC NOT_SUPPORTED"
        }
        let changed = after.fingerprint != before.fingerprint
        if AllowedStatuses.failureChangesNothing(fid, status) && AllowedStatuses.allowed(fid) != nil && changed {
            return "the command failed with \(status.name) but changed the machine"
        }
        // Only a call that changed a GPT descriptor (or a granule's state) can have exposed a granule.
        if changed,
            let unscrubbed = firstUnscrubbedGranule(leaving: before, for: after, output: Self.hostOutput(of: call))
        {
            return "granule 0x\(String(unscrubbed.rawValue, radix: 16)) became Non-secure with realm bytes in it"
        }
        let checking =
            switch invariants {
            case .always: true
            case .never: false
            case .whenChanged: changed
            }
        if checking, let broken = machine.checkInvariants().first {
            return "invariant: \(broken)"
        }
        return nil
    }

    /// The host memory a command writes its answer into (OP_MEM_RECLAIM's list, RTT_DATA_UNMAP's LIST output,
    /// RMM_CONFIG_GET's page), whose bytes are the host's even in a granule the same call hands back.
    static func hostOutput(of call: SMCArguments) -> Range<UInt64>? {
        func bytes(_ base: UInt64, _ count: UInt64) -> Range<UInt64>? {
            let (end, overflow) = base.addingReportingOverflow(min(count, 1 << 20))
            return overflow ? nil : base..<end
        }
        switch FunctionID(dispatching: call.x0) {
        case .opMemReclaim: return bytes(call.x2, call.x3 &* 8)
        case .rttDataUnmap: return call.x4 & 3 == 2 ? bytes(call.x5, (call.x4 >> 2 & 0x3FFF) * 8) : nil
        case .rmmConfigGet: return bytes(call.x1, 16)
        default: return nil
        }
    }

    /// The first granule of DRAM that had GPI Realm in `before`, has GPI Non-secure in `after` (taken now) and holds a non-zero byte
    /// outside `output`. Only the groups whose GPT entry changed are looked at. (A granule the RMM holds in the Realm
    /// world has GPI Realm: the invariant checker holds every state that needs it to it, PARTIAL mid-undelegation
    /// included.)
    func firstUnscrubbedGranule(
        leaving before: Snapshot, for after: Snapshot, output: Range<UInt64>?
    )
        -> PhysicalAddress?
    {
        let granule = machine.configuration.granuleSize.bytes
        let now = after.protection
        var group = 0
        var found: PhysicalAddress?
        forEachGranuleGroup { base in
            defer { group += 1 }
            guard found == nil, group < before.protection.count, group < now.count,
                before.protection[group] != now[group]
            else { return }
            for index in 0..<16 where before.protection[group].gpi(ofGranule: index) == .realm {
                let pa = base + UInt64(index) * granule
                guard now[group].gpi(ofGranule: index) == .nonSecure,
                    holdsNonZeroByte(pa, byteCount: granule, outside: output)
                else { continue }
                found = pa
                return
            }
        }
        return found
    }

    /// Whether `[pa, pa + byteCount)` of DRAM holds a non-zero byte outside `output`, read in place (memory never
    /// written is not even read); `false` where it is not DRAM.
    func holdsNonZeroByte(_ pa: PhysicalAddress, byteCount: UInt64, outside output: Range<UInt64>?) -> Bool {
        let end = pa.rawValue + byteCount
        var cursor = pa.rawValue
        while cursor < end,
            case .success(let found?) = machine.memory.memory.firstNonZeroByte(
                PhysicalAddress(cursor), byteCount: end - cursor)
        {
            guard let output, output.contains(found.rawValue) else { return true }
            cursor = output.upperBound
        }
        return false
    }

    /// What is wrong with a host (Non-secure) access of `count` bytes at `pa` made after `before`, or `nil`: an
    /// access changes no granule's state and no GPT descriptor, and one that succeeds touches only granules with GPI
    /// Non-secure that the RMM holds in no state needing GPI Realm (UNDELEGATED, untracked, or mid-operation:
    /// PARTIAL, or GPT_L1 memory whose table EL3 has folded, waiting to be reclaimed).
    public func checkHostAccess(pa: PhysicalAddress, count: Int, succeeded: Bool, before: Snapshot) -> String? {
        var state = before
        return checkHostAccess(pa: pa, count: count, succeeded: succeeded, advancing: &state)
    }

    /// `checkHostAccess(pa:count:succeeded:before:)` from `state`, which becomes the state after the access.
    public func checkHostAccess(
        pa: PhysicalAddress, count: Int, succeeded: Bool, advancing state: inout Snapshot
    ) -> String? {
        let before = state
        state = snapshot(after: before)
        if state.fingerprint != before.fingerprint { return "a host access changed the RMM's or EL3's state" }
        guard succeeded, count > 0 else { return nil }
        let granule = machine.configuration.granuleSize.bytes
        // An access that succeeded lies in DRAM, so its end does not wrap.
        let end = pa.rawValue + UInt64(count)
        var cursor = pa.alignedDown(to: granule)
        while cursor.rawValue < end {
            let seen = machine.inspect(cursor)
            if let state = seen.state, state.requiresRealmGPI {
                return "the host reached 0x\(String(cursor.rawValue, radix: 16)), a \(state.name) granule"
            }
            if seen.gpi != .nonSecure {
                return
                    "the host reached 0x\(String(cursor.rawValue, radix: 16)), whose GPI is \(seen.gpi?.name ?? "none")"
            }
            cursor = cursor + granule
        }
        return nil
    }
}
