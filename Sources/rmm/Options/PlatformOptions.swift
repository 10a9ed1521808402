import ArgumentParser
import CCAArch
import CCAPlatform
import MachineHost
import RMIHost
import RMM

/// The platform options every command that builds a machine shares (docs/serve-protocol.md, "Platform options").
struct PlatformOptions: ParsableArguments {
    @Option(
        name: .customLong("dram"),
        help: ArgumentHelp(
            "A DRAM region BASE:SIZE, e.g. 0x80000000:2GiB (repeatable; replaces the default list).",
            valueName: "base:size"))
    var dram: [String] = []

    @Option(
        name: .customLong("mmio"),
        help: ArgumentHelp(
            "A device (MMIO) region BASE:SIZE (repeatable; replaces the default).", valueName: "base:size"))
    var mmio: [String] = []

    @Option(
        name: .customLong("dev-ncoh"),
        help: ArgumentHelp(
            "An assignable non-coherent device memory bank BASE:SIZE (DEV_NCOH; repeatable): tracked and delegable.",
            valueName: "base:size"))
    var devNCoh: [String] = []

    @Option(
        name: .customLong("dev-coh"),
        help: ArgumentHelp(
            "An assignable coherent device memory bank BASE:SIZE (DEV_COH; repeatable): tracked and delegable.",
            valueName: "base:size"))
    var devCoh: [String] = []

    @Option(name: .customLong("pa-bits"), help: "Physical address size in bits: 32, 36, 40, 42, 44, 48 or 52.")
    var paBits: Int?

    @Option(name: .customLong("l0gptsz"), help: "log2 of the region one L0 GPT entry covers: 30, 34, 36 or 39.")
    var l0gptsz: Int?

    @Option(name: .customLong("cpus"), help: "Number of CPUs (1 to 64).")
    var cpus: Int?

    @Option(name: .customLong("seed"), help: "Seed for every random choice.")
    var seed: UInt64?

    @Option(name: .customLong("budget"), help: "Granules a range command moves at most per SMC (default 262144).")
    var budget: UInt64?

    @Option(
        name: .customLong("el3-max-granules"),
        help: "EL3 moves at most N granules per GPI change (default: no limit); COARSE units then move in pieces.")
    var el3MaxGranules: UInt64?

    @Option(
        name: .customLong("sro-contexts"),
        help: "Stateful operation contexts the RMM keeps per CPU, 1 to 64 (default 4).")
    var sroContexts: Int?

    @Flag(
        name: .customLong("strict-range-state"),
        help: "A granule already in the destination state stops a range command (the 2.0-bet2 reading).")
    var strictRangeState = false

    @Flag(
        name: .customLong("host-l1-tables"),
        help: "DRAM regions start as GPT Blocks; the host creates their L1 tables with RMI_GPT_L1_CREATE.")
    var hostL1Tables = false

    @Option(
        name: .customLong("tracking-region"),
        help: ArgumentHelp(
            "The tracking region size the host bring-up configures: 1GiB (default) or 2MiB for 4 KiB granules.",
            valueName: "size"))
    var trackingRegion: String?

    @Option(
        name: .customLong("tracking-metadata"),
        help: ArgumentHelp(
            "Who supplies the RMM's tracking metadata: preallocated (default; every region FINE at activation) or "
                + "donated (regions start COARSE or NONE; TRACKING_SET to FINE asks the host for it).",
            valueName: "source"))
    var trackingMetadata: String?

    @Option(
        name: .customLong("lock-contention"),
        help: ArgumentHelp(
            "What a range command does when the first granule of its run is locked by another CPU: busy (default; "
                + "answer RMI_BUSY) or spin (wait for the lock).",
            valueName: "choice"))
    var lockContention: String?

    @Flag(name: .customLong("activate"), help: "Run the host bring-up sequence before anything else.")
    var activate = false

    @Flag(
        name: .customLong("host-view"),
        help: "Also map DRAM as the host's view for C host code: granules the host may not access are inaccessible.")
    var hostView = false

    /// The configuration these options describe, validated.
    func configuration() throws(ValidationError) -> PlatformConfiguration {
        var configuration = PlatformConfiguration.default
        do {
            if !dram.isEmpty { configuration.dramRegions = try PlatformValueParser.parseMemoryRegions(dram) }
            if !mmio.isEmpty { configuration.mmioRegions = try PlatformValueParser.parseMMIORegions(mmio) }
            configuration.dramRegions +=
                try PlatformValueParser.parseMemoryRegions(devNCoh, category: .deviceNonCoherent)
                + PlatformValueParser.parseMemoryRegions(devCoh, category: .deviceCoherent)
            if let trackingRegion {
                configuration.trackingRegionSize = try PlatformValueParser.parseValue(trackingRegion)
            }
        } catch {
            throw ValidationError("\(error)")
        }
        if let trackingMetadata {
            guard let source = TrackingMetadataSource(name: trackingMetadata) else {
                throw ValidationError(
                    "--tracking-metadata must be preallocated or donated, not '\(trackingMetadata)'")
            }
            configuration.trackingMetadata = source
        }
        if let lockContention {
            guard let choice = LockContention(name: lockContention) else {
                throw ValidationError("--lock-contention must be busy or spin, not '\(lockContention)'")
            }
            configuration.lockContention = choice
        }
        if let paBits { configuration.physicalAddressBits = paBits }
        if let l0gptsz { configuration.l0GPTSizeBits = l0gptsz }
        if let cpus { configuration.cpuCount = cpus }
        if let seed { configuration.seed = seed }
        if let budget { configuration.rangeWorkBudget = budget }
        if let el3MaxGranules { configuration.el3MaxGranulesPerCall = el3MaxGranules }
        if let sroContexts { configuration.operationContextsPerCPU = sroContexts }
        configuration.strictRangeState = strictRangeState
        configuration.hostCreatedL1Tables = hostL1Tables
        configuration.hostView = hostView
        do {
            try configuration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return configuration
    }

    func validate() throws {
        _ = try configuration()
    }

    /// A machine built from these options and the host library on its CPU 0, brought up if `--activate` was
    /// given. The host is the one the caller keeps: its leak ledger and delegation record live there.
    func machine() throws -> (Machine, HostRMI) {
        let machine: Machine
        do {
            machine = try Machine(configuration: try configuration())
        } catch let error as MachineError {
            throw ValidationError(error.description)
        }
        let host = machine.host()
        if activate {
            do {
                try host.initialize()
            } catch {
                throw ValidationError("host bring-up failed: \(error.description)")
            }
        }
        return (machine, host)
    }
}
