import CCAArch
import CCAPlatform

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A long loop of the SMCPathBenchmarks calls, for a profiler: the benchmark harness runs each benchmark for well
// under a second, too short and too mixed for `perf record`. `Benchmarks/flamegraph.sh` runs this.
//
//     SMCPathLoop skipped|pair [COUNT]
//
// `skipped`: COUNT RANGE_UNDELEGATE calls of an UNDELEGATED granule (SUCCESS, out_top = top: the cheapest range
// call). `pair`: COUNT one-granule RANGE_DELEGATE + RANGE_UNDELEGATE pairs of one never-written granule. The
// default platform, activated; prints the mean time per SMC.

let arguments = CommandLine.arguments.dropFirst()
guard let mode = arguments.first, mode == "skipped" || mode == "pair" else {
    print("usage: SMCPathLoop skipped|pair [COUNT]")
    exit(2)
}
guard let count = arguments.dropFirst().first.map({ Int($0) }) ?? 5_000_000, count > 0 else {
    print("SMCPathLoop: COUNT must be a positive integer")
    exit(2)
}

let machine: Machine
do {
    machine = try Machine(configuration: .default)
} catch {
    print("SMCPathLoop: default platform rejected: \(error)")
    exit(1)
}
guard machine.smc(SMCArguments(FunctionID.rmmActivate.rawValue)).x0 == 0 else {
    print("SMCPathLoop: RMI_RMM_ACTIVATE failed")
    exit(1)
}
let granule: UInt64 = 4096
let base = PhysicalAddress(0x8000_0000 + (1 << 30)).rawValue
let delegate = SMCArguments(FunctionID.granuleRangeDelegate.rawValue, base, base + granule)
let undelegate = SMCArguments(FunctionID.granuleRangeUndelegate.rawValue, base, base + granule)

let clock = ContinuousClock()
let start = clock.now
var failures = 0
if mode == "skipped" {
    for _ in 0..<count where machine.smc(undelegate).x0 != 0 { failures += 1 }
} else {
    for _ in 0..<count {
        if machine.smc(delegate).x0 != 0 { failures += 1 }
        if machine.smc(undelegate).x0 != 0 { failures += 1 }
    }
}
let elapsed = clock.now - start
let calls = mode == "skipped" ? count : 2 * count
let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
print("\(mode): \(calls) SMCs, \(Int(nanoseconds / Double(calls))) ns per SMC, \(failures) failed")
exit(failures == 0 ? 0 : 1)
