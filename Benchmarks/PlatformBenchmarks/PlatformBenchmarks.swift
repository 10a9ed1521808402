import Benchmark
import CCAArch
import CCAPlatform
import Foundation
import MachineHost

// Simulated physical memory: accesses through the granule protection check against plain memcpy, wiping against
// memset, and what a terabyte of DRAM costs the host.

private let kibibyte = 1 << 10
private let mebibyte = 1 << 20
private let gibibyte: UInt64 = 1 << 30
private let dramBase = PhysicalAddress(0x10_0000_0000)
/// The simulated DRAM's own resident memory, in MiB (the process's peak counts the GPT and the RMM too).
private let simulatedResident = BenchmarkMetric.custom(
    "simulated DRAM resident (MiB)", polarity: .prefersSmaller, useScalingFactor: false)

/// A machine with `dramGiB` GiB of conventional DRAM at 64 GiB, in a `bits`-bit physical address space.
private func makeMachine(dramGiB: UInt64, bits: Int = 40) -> Machine {
    let configuration = PlatformConfiguration(
        physicalAddressBits: bits, dramRegions: [MemoryRegion(name: "DRAM", base: dramBase, size: dramGiB * gibibyte)],
        cpuCount: 1)
    do {
        return try Machine(configuration: configuration)
    } catch {
        fatalError("benchmark machine rejected: \(error)")
    }
}

private func expectSuccess<T>(_ result: Result<T, MemoryFault>) {
    if case .failure(let fault) = result { fatalError("benchmark access faulted: \(fault)") }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(5), maxIterations: 10_000)

    let machine = makeMachine(dramGiB: 2)
    let memory = machine.memory
    let accessBytes = 64 * kibibyte
    // 1,024 accesses per iteration, over 64 MiB of written memory, so both sides leave the cache alike.
    let span = 64 * mebibyte
    let accesses = span / accessBytes

    let source = UnsafeMutableRawBufferPointer.allocate(byteCount: span, alignment: 4096)
    source.initializeMemory(as: UInt8.self, repeating: 0x5A)
    let destination = UnsafeMutableRawBufferPointer.allocate(byteCount: accessBytes, alignment: 4096)
    destination.initializeMemory(as: UInt8.self, repeating: 0)
    for offset in stride(from: 0, to: span, by: accessBytes) {
        expectSuccess(
            memory.write(
                .nonSecure, pa: dramBase + UInt64(offset),
                from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + accessBytes])))
    }
    // Leaked on purpose: the buffers live as long as the benchmark process.
    let sourceAddress = UInt(bitPattern: source.baseAddress)
    let destinationAddress = UInt(bitPattern: destination.baseAddress)
    func sourceBuffer() -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: sourceAddress), count: span)
    }
    func destinationBuffer() -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(
            start: UnsafeMutableRawPointer(bitPattern: destinationAddress), count: accessBytes)
    }

    Benchmark("Memory: 1,024 checked 64 KiB Non-secure reads") { _ in
        let into = destinationBuffer()
        for index in 0..<accesses {
            expectSuccess(memory.read(.nonSecure, pa: dramBase + UInt64(index * accessBytes), into: into))
        }
        blackHole(into[0])
    }

    Benchmark("Baseline: 1,024 memcpy of 64 KiB (reads)") { _ in
        let into = destinationBuffer()
        let from = sourceBuffer()
        for index in 0..<accesses {
            into.baseAddress!.copyMemory(from: from.baseAddress! + index * accessBytes, byteCount: accessBytes)
        }
        blackHole(into[0])
    }

    Benchmark("Memory: 1,024 checked 64 KiB Non-secure writes") { _ in
        let from = UnsafeRawBufferPointer(destinationBuffer())
        for index in 0..<accesses {
            expectSuccess(memory.write(.nonSecure, pa: dramBase + UInt64(index * accessBytes), from: from))
        }
    }

    Benchmark("Baseline: 1,024 memcpy of 64 KiB (writes)") { _ in
        let from = destinationBuffer()
        let into = sourceBuffer()
        for index in 0..<accesses {
            (into.baseAddress! + index * accessBytes).copyMemory(from: from.baseAddress!, byteCount: accessBytes)
        }
        blackHole(into[0])
    }

    // Wiping: 64 MiB written before each wipe (outside the measurement), and 64 MiB never written.
    let wipeBase = dramBase + gibibyte
    let wipeBytes = UInt64(span)
    Benchmark("Memory: wipe 64 MiB of written memory") { benchmark in
        for offset in stride(from: 0, to: span, by: accessBytes) {
            expectSuccess(
                memory.write(
                    .nonSecure, pa: wipeBase + UInt64(offset),
                    from: UnsafeRawBufferPointer(rebasing: sourceBuffer()[offset..<offset + accessBytes])))
        }
        benchmark.startMeasurement()
        expectSuccess(memory.zero(.nonSecure, pa: wipeBase, byteCount: wipeBytes))
        benchmark.stopMeasurement()
    }

    Benchmark("Memory: wipe 64 MiB never written") { _ in
        expectSuccess(memory.zero(.nonSecure, pa: wipeBase + gibibyte / 2, byteCount: wipeBytes))
    }

    Benchmark("Baseline: memset 64 MiB of written memory") { benchmark in
        let buffer = sourceBuffer()
        buffer.initializeMemory(as: UInt8.self, repeating: 0x5A)
        benchmark.startMeasurement()
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        benchmark.stopMeasurement()
        blackHole(buffer[span - 1])
    }

    // A terabyte of DRAM (PA 42 bits), 1 GiB of it written and delegated: resident bytes of the process and of the
    // simulated DRAM.
    Benchmark(
        "Memory: 1 TiB DRAM, 1 GiB written and delegated",
        configuration: .init(metrics: [.wallClock, .peakMemoryResident, simulatedResident], maxIterations: 3)
    ) { benchmark in
        let terabyte = makeMachine(dramGiB: 1024, bits: 42)
        let host = terabyte.host()
        do { try host.initialize() } catch { fatalError("bring-up failed: \(error)") }
        let chunk = UnsafeRawBufferPointer(sourceBuffer())
        for offset in stride(from: UInt64(0), to: gibibyte, by: span) {
            expectSuccess(terabyte.memory.write(.nonSecure, pa: dramBase + offset, from: chunk))
        }
        let outcome = host.delegate(base: dramBase, size: gibibyte)
        guard outcome.succeeded else { fatalError("delegation failed: \(outcome.description)") }
        benchmark.measurement(simulatedResident, Int(terabyte.memory.memory.residentBytes() >> 20))
    }
}
