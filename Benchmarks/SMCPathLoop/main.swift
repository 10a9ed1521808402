import CCAArch
import CCAPlatform
import GranuleProtection
import SwiftRMMC

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A long loop of the SMCPathBenchmarks calls, for a profiler: the benchmark harness runs each benchmark for well
// under a second, too short and too mixed for `perf record`. `Benchmarks/flamegraph.sh` runs this.
//
//     SMCPathLoop skipped|pair|c-skipped|c-pair|el3-pair [COUNT]
//
// `skipped`: COUNT RANGE_UNDELEGATE calls of an UNDELEGATED granule (SUCCESS, out_top = top: the cheapest range
// call). `pair`: COUNT one-granule RANGE_DELEGATE + RANGE_UNDELEGATE pairs of one never-written granule. Both through
// `Machine.smc`; the `c-` modes make the same calls through the C interface (`srmm_smc`) on a platform made with
// `srmm_platform_create`. `el3-pair`: the EL3 half of `pair` alone, COUNT pairs of one-granule FIRME_GM_GPI_SET
// calls (to Realm, back to Non-secure) straight into `EL3Service.call`, with the GPT transition and its eager 2 MB
// fuse and shatter. The default platform, activated (`el3-pair`: not, the RMM is not involved); prints the mean
// time per SMC.

let arguments = CommandLine.arguments.dropFirst()
let modes = ["skipped", "pair", "c-skipped", "c-pair", "el3-pair"]
guard let mode = arguments.first, modes.contains(mode) else {
    print("usage: SMCPathLoop skipped|pair|c-skipped|c-pair|el3-pair [COUNT]")
    exit(2)
}
guard let count = arguments.dropFirst().first.map({ Int($0) }) ?? 5_000_000, count > 0 else {
    print("SMCPathLoop: COUNT must be a positive integer")
    exit(2)
}

/// One SMC on CPU 0 through the chosen interface; answers X0. Nonisolated (`@Sendable`): a closure formed in
/// top-level code is main-actor isolated, and calling it through a plain function type checks the executor on every
/// call, which would cost more than the SMC.
let smc: @Sendable (SMCArguments) -> UInt64
if mode.hasPrefix("c-") {
    let options = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
    var created: OpaquePointer?
    guard srmm_options_init(options) == 0, srmm_platform_create(options, &created) == 0, let platform = created else {
        print("SMCPathLoop: srmm_platform_create failed")
        exit(1)
    }
    options.deallocate()
    let handle = UInt(bitPattern: platform)  // an integer, so that the closure may capture it
    smc = { call in
        var input = (call.x0, call.x1, call.x2, call.x3, call.x4, call.x5, call.x6)
        var output: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        withUnsafePointer(to: &input) { xIn in
            withUnsafeMutablePointer(to: &output) { xOut in
                _ = srmm_smc(
                    OpaquePointer(bitPattern: handle), 0, UnsafeRawPointer(xIn).assumingMemoryBound(to: UInt64.self),
                    UnsafeMutableRawPointer(xOut).assumingMemoryBound(to: UInt64.self))
            }
        }
        return output.0
    }
} else {
    let machine: Machine
    do {
        machine = try Machine(configuration: .default)
    } catch {
        print("SMCPathLoop: default platform rejected: \(error)")
        exit(1)
    }
    if mode == "el3-pair" {
        // RANGE_DELEGATE [X1, X2) becomes GPI_SET to Realm, RANGE_UNDELEGATE GPI_SET to Non-secure, and the RMM's
        // activation nothing: EL3's own work for each of the RMM's calls in `pair`.
        let el3 = machine.el3
        smc = { call in
            guard call.x0 != FunctionID.rmmActivate.rawValue else { return 0 }
            let target = call.x0 == FunctionID.granuleRangeDelegate.rawValue ? GPI.realm : GPI.nonSecure
            let gpiSet = SMCArguments(
                EL3FunctionID.gpiSet.rawValue, call.x1, (call.x2 - call.x1) / 4096, UInt64(target.rawValue))
            var maintenance = GPTMaintenance.none
            return el3.call(gpiSet, from: .realm, maintenance: &maintenance).x0
        }
    } else {
        smc = { machine.smc($0).x0 }
    }
}
guard smc(SMCArguments(FunctionID.rmmActivate.rawValue)) == 0 else {
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
let pairs = mode.hasSuffix("pair")
if !pairs {
    for _ in 0..<count where smc(undelegate) != 0 { failures += 1 }
} else {
    for _ in 0..<count {
        if smc(delegate) != 0 { failures += 1 }
        if smc(undelegate) != 0 { failures += 1 }
    }
}
let elapsed = clock.now - start
let calls = pairs ? 2 * count : count
let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
print("\(mode): \(calls) SMCs, \(Int(nanoseconds / Double(calls))) ns per SMC, \(failures) failed")
exit(failures == 0 ? 0 : 1)
