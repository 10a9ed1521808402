import Benchmark
import CCAArch
import CCAPlatform
import Dispatch
import MachineHost
import RMIHost

// Range delegation through the full stack: RMIHost issues the SMC, the machine routes it to the RMM on that CPU,
// the RMM tracks the granules and calls EL3, and EL3 rewrites the GPT. Every figure is the model's real work.

private let gibibyte: UInt64 = 1 << 30
private let granule: UInt64 = 4096
private let granulesPerGiB = Int(gibibyte / granule)
/// DRAM starts here: 64 GiB-aligned, so every GiB below is one whole L0 region and one tracking region.
private let dramBase = PhysicalAddress(0x10_0000_0000)

private let smcsPerGiB = BenchmarkMetric.custom("SMCs per GiB", polarity: .prefersSmaller, useScalingFactor: false)
private let el3CallsPerGiB = BenchmarkMetric.custom(
    "EL3 calls per GiB", polarity: .prefersSmaller, useScalingFactor: false)
/// The metrics of a benchmark that reports its SMC and EL3 call counts.
private let countedMetrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, smcsPerGiB, el3CallsPerGiB]

/// A machine with `dramGiB` GiB of conventional DRAM, two CPUs and the default range work budget (1 GiB), brought
/// up by the host library on CPU 0; one host per CPU.
private final class Fixture: Sendable {
    let machine: Machine
    let hosts: [HostRMI]

    init(dramGiB: UInt64) {
        let configuration = PlatformConfiguration(
            physicalAddressBits: 40, dramRegions: [MemoryRegion(name: "DRAM", base: dramBase, size: dramGiB * gibibyte)],
            cpuCount: 2)
        do {
            machine = try Machine(configuration: configuration)
            let first = machine.host(cpu: 0)
            try first.initialize()
            hosts = [first, first.using(MachineConduit(machine: machine, cpu: 1))]
        } catch {
            fatalError("benchmark machine rejected: \(error)")
        }
    }

    func gib(_ index: UInt64) -> PhysicalAddress { dramBase + index * gibibyte }

    /// Runs `body` and reports the SMCs and EL3 calls it cost per GiB moved.
    func counting(_ benchmark: Benchmark, gibMoved: UInt64, _ body: () -> Void) {
        let before = machine.counters.snapshot()
        body()
        let after = machine.counters.snapshot()
        benchmark.measurement(
            .custom("SMCs per GiB", useScalingFactor: false), Int((after.smc - before.smc) / gibMoved))
        benchmark.measurement(
            .custom("EL3 calls per GiB", useScalingFactor: false), Int((after.el3Calls - before.el3Calls) / gibMoved))
    }
}

private func expectMoved(_ outcome: RangeOutcome) {
    guard outcome.succeeded else { fatalError("benchmark range did not move: \(outcome.description)") }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 40)

    let small = Fixture(dramGiB: 2)

    // One SMC at a time, as hosts delegate their RD, RTT and REC pages: the per-call cost of dispatch, granule
    // locking, the scheduling points and the EL3 call. Raw SMCs on CPU 1, in a GiB nothing else uses.
    let pageBase = small.gib(1)
    Benchmark("SMC: 4,096 one-granule delegations then 4,096 undelegations") {
        benchmark in
        for _ in benchmark.scaledIterations {
            for i in 0..<UInt64(4096) {
                let base = (pageBase + i * granule).rawValue
                blackHole(
                    small.machine.smc(
                        SMCArguments(FunctionID.granuleRangeDelegate.rawValue, base, base + granule), cpu: 1))
            }
            for i in 0..<UInt64(4096) {
                let base = (pageBase + i * granule).rawValue
                blackHole(
                    small.machine.smc(
                        SMCArguments(FunctionID.granuleRangeUndelegate.rawValue, base, base + granule), cpu: 1))
            }
        }
    }

    // One granule delegated and undelegated again and again, never written: the GPT's fuse policy (does each
    // flip shatter and re-fuse its 512 MB block?) and the undelegation's scrub (a system call for a granule that
    // only ever held zeros?) are most of what it costs. A granule 768 MiB into the GiB, in a 512 MB block no other
    // benchmark touches.
    let pingPong = (pageBase + 768 * (UInt64(1) << 20)).rawValue
    Benchmark("SMC: one-granule delegate+undelegate ping-pong of one never-written granule (4,096 pairs)") {
        benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<4096 {
                blackHole(
                    small.machine.smc(
                        SMCArguments(FunctionID.granuleRangeDelegate.rawValue, pingPong, pingPong + granule), cpu: 1))
                blackHole(
                    small.machine.smc(
                        SMCArguments(FunctionID.granuleRangeUndelegate.rawValue, pingPong, pingPong + granule),
                        cpu: 1))
            }
        }
    }

    Benchmark("SMC: 8,192 failing calls (undelegate an UNDELEGATED granule)") {
        benchmark in
        let base = pageBase.rawValue
        for _ in benchmark.scaledIterations {
            for _ in 0..<8192 {
                blackHole(
                    small.machine.smc(
                        SMCArguments(FunctionID.granuleRangeUndelegate.rawValue, base, base + granule), cpu: 1))
            }
        }
    }

    // The target: 10 ns per granule or less, at most 4 SMCs and 4 EL3 calls per GiB.
    Benchmark("Full stack: delegate 1 GiB", configuration: .init(metrics: countedMetrics)) { benchmark in
        let host = small.hosts[0]
        small.counting(benchmark, gibMoved: 1) {
            benchmark.startMeasurement()
            expectMoved(host.delegate(base: small.gib(0), size: gibibyte))
            benchmark.stopMeasurement()
        }
        expectMoved(host.undelegate(base: small.gib(0), size: gibibyte))
    }

    Benchmark("Full stack: undelegate 1 GiB (never written)", configuration: .init(metrics: countedMetrics)) {
        benchmark in
        let host = small.hosts[0]
        expectMoved(host.delegate(base: small.gib(0), size: gibibyte))
        small.counting(benchmark, gibMoved: 1) {
            benchmark.startMeasurement()
            expectMoved(host.undelegate(base: small.gib(0), size: gibibyte))
            benchmark.stopMeasurement()
        }
    }

    // Undelegation scrubs: against a memset of the same bytes, with every byte written before delegation.
    let written = 256 * (UInt64(1) << 20)
    let pattern = [UInt8](repeating: 0xA5, count: 1 << 20)
    Benchmark("Full stack: undelegate 256 MiB of written memory") { benchmark in
        let host = small.hosts[0]
        let base = small.gib(1)
        for offset in stride(from: UInt64(0), to: written, by: pattern.count) {
            _ = pattern.withUnsafeBytes { small.machine.memory.write(.nonSecure, pa: base + offset, from: $0) }
        }
        expectMoved(host.delegate(base: base, size: written))
        benchmark.startMeasurement()
        expectMoved(host.undelegate(base: base, size: written))
        benchmark.stopMeasurement()
    }

    Benchmark("Baseline: memset 256 MiB of written memory") { benchmark in
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(written), alignment: 4096)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0xA5)
        benchmark.startMeasurement()
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        benchmark.stopMeasurement()
        blackHole(buffer[Int(written) - 1])
    }

    // The baseline the range interface replaces: one granule per SMC, as Linux's page helpers do.
    Benchmark(
        "Full stack: delegate+undelegate 1 GiB one granule per SMC",
        configuration: .init(metrics: countedMetrics, maxIterations: 5)
    ) {
        benchmark in
        let host = small.hosts[0]
        small.counting(benchmark, gibMoved: 2) {
            for index in 0..<granulesPerGiB { expectMoved(host.delegatePage(small.gib(0) + UInt64(index) * granule)) }
            for index in 0..<granulesPerGiB {
                expectMoved(host.undelegatePage(small.gib(0) + UInt64(index) * granule))
            }
        }
    }

    // Two CPUs on disjoint GiBs against one CPU doing both: the target is at least 1.7x.
    Benchmark("Full stack: delegate+undelegate 2 x 1 GiB on one CPU") { _ in
        for index in 0..<UInt64(2) {
            expectMoved(small.hosts[0].delegate(base: small.gib(index), size: gibibyte))
            expectMoved(small.hosts[0].undelegate(base: small.gib(index), size: gibibyte))
        }
    }

    Benchmark("Full stack: delegate+undelegate 2 x 1 GiB on two CPUs") { _ in
        DispatchQueue.concurrentPerform(iterations: 2) { cpu in
            let base = small.gib(UInt64(cpu))
            expectMoved(small.hosts[cpu].delegate(base: base, size: gibibyte))
            expectMoved(small.hosts[cpu].undelegate(base: base, size: gibibyte))
        }
    }

    // Allocations on the SMC path: raw RANGE_DELEGATE / UNDELEGATE SMCs of one granule, no host library.
    Benchmark(
        "SMC path: 1,000 one-granule delegate+undelegate SMCs",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal])
    ) {
        benchmark in
        let machine = small.machine
        for index in 0..<UInt64(1_000) {
            let base = small.gib(1) + index * granule
            let call = { (function: FunctionID) in
                machine.smc(SMCArguments(function.rawValue, base.rawValue, base.rawValue + granule), cpu: 0)
            }
            blackHole(call(.granuleRangeDelegate))
            blackHole(call(.granuleRangeUndelegate))
        }
    }

    // 64 GiB: one host call each way, 64 SMCs each way at the default budget.
    Benchmark(
        "Full stack: delegate+undelegate 64 GiB", configuration: .init(metrics: countedMetrics, maxIterations: 10)
    ) { benchmark in
        let large = Fixture(dramGiB: 64)
        let host = large.hosts[0]
        large.counting(benchmark, gibMoved: 128) {
            benchmark.startMeasurement()
            expectMoved(host.delegate(base: large.gib(0), size: 64 * gibibyte))
            expectMoved(host.undelegate(base: large.gib(0), size: 64 * gibibyte))
            benchmark.stopMeasurement()
        }
    }
}
