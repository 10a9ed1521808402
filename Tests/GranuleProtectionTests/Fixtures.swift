import CCAArch
import GranuleProtection

let KiB: UInt64 = 1 << 10
let MiB: UInt64 = 1 << 20
let GiB: UInt64 = 1 << 30

/// A 64 GB (PPS 36) GPT with 4 KB granules and 1 GB L0 regions: [0, 2 GB) granule-protected NS, [2 GB, 3 GB)
/// a Non-secure Block, everything else a no-access Block.
func makeStandardGPT(
    options: GPTOptions = GPTOptions(), granularGiB: UInt64 = 2, gpccr: GPCCR? = nil
) throws -> GranuleProtectionTable {
    let register = gpccr ?? GPCCR(pps: .bits36, pgs: .size4KB, l0gptsz: .size1GB)
    return try GranuleProtectionTable(
        gpccr: register,
        regions: [
            .granular(try GranuleRange(base: PhysicalAddress(0), size: granularGiB * GiB), initialGPI: .nonSecure),
            .block(try GranuleRange(base: PhysicalAddress(granularGiB * GiB), size: GiB), gpi: .nonSecure),
        ],
        defaultGPI: .noAccess, l1Base: PhysicalAddress(0x8_0000_0000), options: options)
}

/// SplitMix64: a small seeded generator so property tests replay exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
