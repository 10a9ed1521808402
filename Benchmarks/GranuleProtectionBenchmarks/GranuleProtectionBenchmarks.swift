import Benchmark
import CCAArch
import GranuleProtection

private let gibibyte: UInt64 = 1 << 30
private let granulesPerGiB: UInt64 = gibibyte >> 12

/// A 1 TB (PPS 40) GPT with 4 KB granules and 1 GB L0 regions, the first `granularGiB` GB granule-protected NS.
private func makeGPT(granularGiB: UInt64, options: GPTOptions = GPTOptions()) -> GranuleProtectionTable {
    do {
        return try GranuleProtectionTable(
            gpccr: GPCCR(pps: .bits40, pgs: .size4KB, l0gptsz: .size1GB),
            regions: [
                .granular(
                    try GranuleRange(base: PhysicalAddress(0), size: granularGiB * gibibyte), initialGPI: .nonSecure)
            ],
            defaultGPI: .nonSecure, l1Base: PhysicalAddress(0x100_0000_0000 - 0x1_0000_0000), options: options)
    } catch {
        fatalError("benchmark GPT layout rejected: \(error)")
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], maxDuration: .seconds(10),
        maxIterations: 50)

    // 64 GB of fine-grained memory, delegated and undelegated in 1 GB runs: 2 x 16,777,216 granule transitions.
    Benchmark("GPT delegate+undelegate 64 GiB in 1 GiB runs", configuration: .init(scalingFactor: .one)) {
        benchmark in
        let gpt = makeGPT(granularGiB: 64)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var tlbi: UInt64 = 0
            for region in 0..<UInt64(64) {
                let base = PhysicalAddress(region * gibibyte)
                tlbi += gpt.delegate(base, count: granulesPerGiB).maintenance.tlbiByPA
                tlbi += gpt.undelegate(base, count: granulesPerGiB).maintenance.tlbiByPA
            }
            blackHole(tlbi)
        }
    }

    // The baseline: the same work one granule per call, as the legacy GTSI interface forces, over 1 GB.
    Benchmark("GPT delegate+undelegate 1 GiB one granule at a time") { benchmark in
        let gpt = makeGPT(granularGiB: 1)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var tlbi: UInt64 = 0
            for granule in 0..<granulesPerGiB {
                tlbi += gpt.delegate(PhysicalAddress(granule << 12), count: 1).maintenance.tlbiByPA
            }
            for granule in 0..<granulesPerGiB {
                tlbi += gpt.undelegate(PhysicalAddress(granule << 12), count: 1).maintenance.tlbiByPA
            }
            blackHole(tlbi)
        }
    }

    // One granule flipping back and forth inside a 512 MB block, as a host delegating and undelegating one page
    // at a time does: the fuse policy decides whether each flip rewrites one L1 word or thousands. The custom
    // metrics are the GPT's own accounting, per transition (8,192 transitions per iteration).
    let pingPongPairs = 4096
    let perTransition = { (name: String) in
        BenchmarkMetric.custom(name, polarity: .prefersSmaller, useScalingFactor: false)
    }
    Benchmark(
        "GPT one-granule delegate+undelegate ping-pong inside a 512 MB block (4,096 pairs)",
        configuration: .init(
            metrics: [
                .wallClock, .cpuTotal, .mallocCountTotal, perTransition("L1 word writes per transition"),
                perTransition("TLBI per transition"),
            ])
    ) { benchmark in
        let gpt = makeGPT(granularGiB: 1)
        let pa = PhysicalAddress(300 << 20 | 0x5000)
        var total = GPTMaintenance.none
        benchmark.startMeasurement()
        for _ in 0..<pingPongPairs {
            total += gpt.delegate(pa, count: 1).maintenance
            total += gpt.undelegate(pa, count: 1).maintenance
        }
        benchmark.stopMeasurement()
        let transitions = UInt64(2 * pingPongPairs)
        benchmark.measurement(
            .custom("L1 word writes per transition", useScalingFactor: false),
            Int(total.l1DescriptorWrites / transitions))
        benchmark.measurement(
            .custom("TLBI per transition", useScalingFactor: false), Int(total.tlbiByPA / transitions))
    }

    // The same 1 GB as one run each way, for a like-for-like comparison with the loop above.
    Benchmark("GPT delegate+undelegate 1 GiB as one run") { benchmark in
        let gpt = makeGPT(granularGiB: 1)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(gpt.delegate(PhysicalAddress(0), count: granulesPerGiB))
            blackHole(gpt.undelegate(PhysicalAddress(0), count: granulesPerGiB))
        }
    }

    // Fusing off: every L1 word written is a whole Granules word (sixteen GPIs per store).
    Benchmark("GPT delegate+undelegate 1 GiB as one run, fusing off (whole L1 words)") { benchmark in
        let gpt = makeGPT(granularGiB: 1, options: GPTOptions(largestContiguousBlock: nil))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(gpt.delegate(PhysicalAddress(0), count: granulesPerGiB))
            blackHole(gpt.undelegate(PhysicalAddress(0), count: granulesPerGiB))
        }
    }

    // L1 memory: a 1 TB layout fully granule-protected (1024 tables) against one with 64 GB protected.
    Benchmark("GPT build 1 TiB layout, all granule-protected", configuration: .init(maxIterations: 5)) {
        benchmark in
        for _ in benchmark.scaledIterations {
            let gpt = makeGPT(granularGiB: 1024)
            precondition(gpt.l1MemoryBytes == 1024 * 128 * 1024, "128 KiB of L1 per GiB")
            blackHole(gpt)
        }
    }

    Benchmark("GPT build 1 TiB layout, 64 GiB granule-protected") { benchmark in
        for _ in benchmark.scaledIterations {
            let gpt = makeGPT(granularGiB: 64)
            precondition(gpt.l1MemoryBytes == 64 * 128 * 1024, "nothing for block-mapped memory")
            blackHole(gpt)
        }
    }

    // The check on the access path: lock-free, two atomic loads.
    Benchmark("GPT check, 1M accesses", configuration: .init(scalingFactor: .mega)) { benchmark in
        let gpt = makeGPT(granularGiB: 64)
        _ = gpt.delegate(PhysicalAddress(0x1000), count: 4096)
        var address: UInt64 = 0x1000
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            address = (address &* 6_364_136_223_846_793_005 &+ 1) & (64 * gibibyte - 1) & ~0xFFF
            blackHole(gpt.check(PhysicalAddress(address), accessedBy: .realm))
        }
    }
}
