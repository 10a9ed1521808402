import Benchmark
import CCAArch
import CCAPlatform
import GranuleProtection
import SwiftRMMC
import Synchronization

// The per-call cost of one small SMC, as hosts delegate their RD, RTT, REC and auxiliary pages one at a time and as
// the fuzzer, the explorer and the interleaving checker issue calls: through the Swift machine (`Machine.smc`) and
// through the C interface (`srmm_smc`), beside a floor measured in the same run. Issue 22's figures.

private let granule: UInt64 = 4096
private let calls = 8192

/// The floor: what one granule's delegation must do at the least, done `calls` times over distinct granules. An
/// atomic lock of the granule's word (compare-and-exchange), the new state stored with the lock released, and the
/// granule's GPI written into its GPT L1 word (sixteen 4-bit GPIs per 64-bit word) with a release store.
private final class Floor: @unchecked Sendable {
    let words: UnsafeMutablePointer<Atomic<UInt64>>
    let l1: UnsafeMutablePointer<Atomic<UInt64>>

    init() {
        words = .allocate(capacity: calls)
        l1 = .allocate(capacity: calls / 16)
        for index in 0..<calls { (words + index).initialize(to: Atomic(0)) }
        for index in 0..<calls / 16 { (l1 + index).initialize(to: Atomic(0x9999_9999_9999_9999)) }
    }

    /// Moves granule `index` to `state` (its word's low byte) and its GPI to `gpi`.
    @inline(never)
    func transition(_ index: Int, to state: UInt64, gpi: UInt64) {
        let word = words[index].load(ordering: .relaxed)
        let locked = word | 1 << 63
        guard words[index].compareExchange(expected: word, desired: locked, ordering: .acquiring).exchanged else {
            return
        }
        let shift = UInt64(index % 16) * 4
        let old = l1[index / 16].load(ordering: .relaxed)
        l1[index / 16].store(old & ~(0xF << shift) | gpi << shift, ordering: .releasing)
        words[index].store(state, ordering: .releasing)
    }
}

/// A platform made through the C interface, activated by SMCs as a C host does.
private final class CPlatform: @unchecked Sendable {
    let handle: OpaquePointer

    init() {
        let options = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
        defer { options.deallocate() }
        var platform: OpaquePointer?
        guard srmm_options_init(options) == 0, srmm_platform_create(options, &platform) == 0, let platform else {
            fatalError("srmm_platform_create failed")
        }
        handle = platform
        guard smc(FunctionID.rmmActivate.rawValue).x0 == 0 else { fatalError("RMI_RMM_ACTIVATE failed") }
    }

    @inline(__always)
    func smc(_ x0: UInt64, _ x1: UInt64 = 0, _ x2: UInt64 = 0) -> (x0: UInt64, x1: UInt64) {
        var input: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (x0, x1, x2, 0, 0, 0, 0)
        var output: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        withUnsafePointer(to: &input) { xIn in
            withUnsafeMutablePointer(to: &output) { xOut in
                _ = srmm_smc(
                    handle, 0, UnsafeRawPointer(xIn).assumingMemoryBound(to: UInt64.self),
                    UnsafeMutableRawPointer(xOut).assumingMemoryBound(to: UInt64.self))
            }
        }
        return (output.0, output.1)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 40)

    let floor = Floor()
    Benchmark("Floor: 8,192 one-granule lock, state store and GPT word updates, then 8,192 back") { benchmark in
        for _ in benchmark.scaledIterations {
            for index in 0..<calls { floor.transition(index, to: 2, gpi: 0xB) }
            for index in 0..<calls { floor.transition(index, to: 1, gpi: 0x9) }
        }
    }

    // The default platform (2 GiB of DRAM at 0x8000_0000), activated; the granules used were never written.
    let machine: Machine
    do {
        machine = try Machine(configuration: .default)
    } catch {
        fatalError("default platform rejected: \(error)")
    }
    guard machine.smc(SMCArguments(FunctionID.rmmActivate.rawValue)).x0 == 0 else { fatalError("activation failed") }
    let base = PhysicalAddress(0x8000_0000 + (1 << 30)).rawValue

    Benchmark("Swift machine: 8,192 RANGE_UNDELEGATE of an UNDELEGATED granule (skipped, out_top = top)") {
        benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<calls {
                blackHole(machine.smc(SMCArguments(FunctionID.granuleRangeUndelegate.rawValue, base, base + granule)))
            }
        }
    }

    Benchmark("Swift machine: 8,192 one-granule RANGE_DELEGATE + RANGE_UNDELEGATE of one granule") { benchmark in
        let delegate = SMCArguments(FunctionID.granuleRangeDelegate.rawValue, base, base + granule)
        let undelegate = SMCArguments(FunctionID.granuleRangeUndelegate.rawValue, base, base + granule)
        for _ in benchmark.scaledIterations {
            for _ in 0..<calls {
                blackHole(machine.smc(delegate))
                blackHole(machine.smc(undelegate))
            }
        }
    }

    // EL3's half of the pair alone: the GPI_SET calls the RMM makes for it, straight into EL3 on a machine of its
    // own (the RMM's view of these granules would go stale), with the GPT transition and its eager 2 MB fuse and
    // shatter.
    let el3Machine: Machine
    do {
        el3Machine = try Machine(configuration: .default)
    } catch {
        fatalError("default platform rejected: \(error)")
    }
    Benchmark("EL3 alone: 8,192 one-granule GPI_SET to Realm + GPI_SET back to Non-secure of one granule") {
        benchmark in
        let toRealm = SMCArguments(EL3FunctionID.gpiSet.rawValue, base, 1, UInt64(GPI.realm.rawValue))
        let toNonSecure = SMCArguments(EL3FunctionID.gpiSet.rawValue, base, 1, UInt64(GPI.nonSecure.rawValue))
        var maintenance = GPTMaintenance.none
        for _ in benchmark.scaledIterations {
            for _ in 0..<calls {
                blackHole(el3Machine.el3.call(toRealm, from: .realm, maintenance: &maintenance))
                blackHole(el3Machine.el3.call(toNonSecure, from: .realm, maintenance: &maintenance))
            }
        }
    }

    let cPlatform = CPlatform()
    Benchmark("C interface: 8,192 RANGE_UNDELEGATE of an UNDELEGATED granule (skipped, out_top = top)") {
        benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<calls {
                blackHole(cPlatform.smc(FunctionID.granuleRangeUndelegate.rawValue, base, base + granule))
            }
        }
    }

    Benchmark("C interface: 8,192 one-granule RANGE_DELEGATE + RANGE_UNDELEGATE of one granule") { benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<calls {
                blackHole(cPlatform.smc(FunctionID.granuleRangeDelegate.rawValue, base, base + granule))
                blackHole(cPlatform.smc(FunctionID.granuleRangeUndelegate.rawValue, base, base + granule))
            }
        }
    }
}
