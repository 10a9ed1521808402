import CCAArch
import CCAPlatform
import Synchronization

/// A granule protection check over a per-granule map of GPIs: granules not in the map have `defaultGPI`.
final class MapChecker: GranuleProtectionChecking {
    private let granuleBytes: UInt64
    private let defaultGPI: GPI
    private let gpis = Mutex<[UInt64: GPI]>([:])
    private let checks = Atomic<Int>(0)

    init(granuleBytes: UInt64 = 4096, defaultGPI: GPI = .nonSecure) {
        self.granuleBytes = granuleBytes
        self.defaultGPI = defaultGPI
    }

    func set(_ pa: UInt64, to gpi: GPI) {
        gpis.withLock { $0[pa & ~(granuleBytes - 1)] = gpi }
    }

    /// The number of checks made so far.
    var checkCount: Int { checks.load(ordering: .relaxed) }  // Relaxed: read after the accesses have joined.

    func check(_ pa: PhysicalAddress, accessedBy state: SecurityState) -> GPCFault? {
        checks.add(1, ordering: .relaxed)  // Relaxed: a statistic for the tests.
        let gpi = gpis.withLock { $0[pa.rawValue & ~(granuleBytes - 1)] } ?? defaultGPI
        return gpi.permits(state) ? nil : GPCFault(pa: pa, kind: .gpf, level: 1, accessedBy: state)
    }
}

/// An SMC service that records what it was given and answers a fixed word in X0.
final class RecordingService: SMCService {
    struct Call: Hashable {
        var arguments: SMCArguments
        var cpu: Int
        var caller: SecurityState
    }

    let answer: UInt64
    private let calls = Mutex<[Call]>([])

    init(answer: UInt64) { self.answer = answer }

    var received: [Call] { calls.withLock { $0 } }

    func handle(_ call: SMCArguments, cpu: Int, caller: SecurityState) -> SMCReturn {
        calls.withLock { $0.append(Call(arguments: call, cpu: cpu, caller: caller)) }
        return SMCReturn(answer, call.x1)
    }
}

/// A platform of `dram` regions on a 48-bit PA with no device regions.
func platform(_ dram: [MemoryRegion], physicalAddressBits: Int = 48) -> PlatformConfiguration {
    PlatformConfiguration(physicalAddressBits: physicalAddressBits, dramRegions: dram)
}

extension Result {
    /// The failure, or `nil` on success.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }

    /// The success value, or `nil` on failure.
    var value: Success? { try? get() }
}
