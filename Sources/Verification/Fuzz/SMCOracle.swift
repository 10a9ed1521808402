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
        /// A hash of every granule's RMM state and reference count, every GPT L1 descriptor and the lifecycle.
        public var fingerprint: UInt64
        /// The runs of granules in the Realm world (base and size): DELEGATED, an object, or PARTIAL with GPI
        /// Realm (mid-undelegation), for the scrub check.
        var realmRuns: [(base: PhysicalAddress, size: UInt64)]
    }

    /// The machine's state before a call.
    public func snapshot() -> Snapshot {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ value: UInt64) {
            hash = (hash ^ value) &* 0x100_0000_01B3
        }
        var realmRuns: [(base: PhysicalAddress, size: UInt64)] = []
        let granule = machine.configuration.granuleSize.bytes
        machine.rmm.forEachGranuleRun { base, size, info in
            mix(base.rawValue)
            mix(size)
            mix(UInt64(info.state.rawValue) << 32 | UInt64(info.refcount))
            // DELEGATED and the object states have GPI Realm (the invariant checker holds them to it).
            if info.state.requiresRealmGPI { realmRuns.append((base, size)) }
            guard info.state == .partial else { return }
            var pa = base
            while pa < base + size {
                if machine.gpt.gpi(at: pa) == .realm { realmRuns.append((pa, granule)) }
                pa = pa + granule
            }
        }
        for region in machine.configuration.dramRegions {
            var pa = region.base.rawValue
            while pa < region.base.rawValue + region.size {
                mix(machine.gpt.l1DescriptorBits(at: PhysicalAddress(pa)) ?? 0)
                pa += 16 << 12
            }
        }
        mix(UInt64(machine.rmm.lifecycleState.rawValue))
        return Snapshot(fingerprint: hash, realmRuns: realmRuns)
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
        let changed = snapshot().fingerprint != before.fingerprint
        if AllowedStatuses.failureChangesNothing(fid, status) && AllowedStatuses.allowed(fid) != nil && changed {
            return "the command failed with \(status.name) but changed the machine"
        }
        // Only a call that changed a GPT descriptor (or a granule's state) can have exposed a granule.
        if changed, let unscrubbed = firstUnscrubbedGranule(leaving: before, output: Self.hostOutput(of: call)) {
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

    /// The first granule that was in the Realm world in `before`, has GPI Non-secure now and holds a non-zero byte
    /// outside `output`.
    func firstUnscrubbedGranule(leaving before: Snapshot, output: Range<UInt64>?) -> PhysicalAddress? {
        let granule = machine.configuration.granuleSize.bytes
        for run in before.realmRuns {
            var pa = run.base
            while pa < run.base + run.size {
                if machine.gpt.gpi(at: pa) == .nonSecure,
                    case .success(let bytes) = machine.memory.memory.rawRead(pa, count: Int(granule)),
                    bytes.indices.contains(where: {
                        bytes[$0] != 0 && output?.contains(pa.rawValue + UInt64($0)) != true
                    })
                {
                    return pa
                }
                pa = pa + granule
            }
        }
        return nil
    }

    /// What is wrong with a host (Non-secure) access of `count` bytes at `pa` made after `before`, or `nil`: an
    /// access changes no granule's state and no GPT descriptor, and one that succeeds touches only granules with GPI
    /// Non-secure that the RMM holds in no state needing GPI Realm (UNDELEGATED, untracked, or mid-operation:
    /// PARTIAL, or GPT_L1 memory whose table EL3 has folded, waiting to be reclaimed).
    public func checkHostAccess(pa: PhysicalAddress, count: Int, succeeded: Bool, before: Snapshot) -> String? {
        if snapshot().fingerprint != before.fingerprint { return "a host access changed the RMM's or EL3's state" }
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
