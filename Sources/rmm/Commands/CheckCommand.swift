import ArgumentParser
import CCAPlatform
import Foundation
import RMM
import Verification

/// `rmm check`: machine-checked answers to the review's questions.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Fuzz the RMM, stress it from several CPUs, or explore host loops against an adversarial RMM.",
        subcommands: [
            CheckHostCommand.self, CheckFuzzCommand.self, CheckStressCommand.self, CheckInterleavingsCommand.self,
            CheckMergeCommand.self,
        ]
    )
}

/// `rmm check fuzz`.
struct CheckFuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Send random and structure-aware SMCs to the real RMM and check every answer.",
        discussion: """
            Each call must answer a status its command may give; a failure must change nothing; the machine's \
            invariants must hold. A failure prints the seed, the call's index and the simplest register file that \
            still fails. Exits 1 if anything failed.

            With --input, each file is instead a program of the libFuzzer target (Fuzz/, docs/fuzzing.md): a \
            corpus file or a crash file, run with the same checks after every step; --verbose prints every step. \
            --write-seeds writes the seed corpus, one file per scenario, and --write-dictionary the libFuzzer \
            dictionary.

            Examples:
              rmm check fuzz
              rmm check fuzz --iterations 100000 --seed 7
              rmm check fuzz --input crash-0123abcd --verbose
              rmm check fuzz --write-seeds Fuzz/corpus
            """
    )

    @Option(help: "Calls per seed.") var iterations = 10_000
    @Option(help: "The seed (the run is reproducible from it).") var seed: UInt64 = 1
    @Flag(
        name: .customLong("host-l1-tables"),
        help: "The host creates the L1 GPT tables at bring-up, so the calls can fold and re-create them.")
    var hostL1Tables = false
    @Option(
        name: .customLong("el3-max-granules"),
        help: "EL3 moves at most N granules per GPI change (2 MiB tracking regions, so COARSE units move in pieces).")
    var el3MaxGranules: UInt64?
    @Flag(name: .customLong("el3-busy"), help: "Before one call in eight, make EL3 answer its next GPI change BUSY.")
    var el3Busy = false
    @Option(
        name: .customLong("input"), parsing: .upToNextOption,
        help: "Inputs of the libFuzzer target (corpus or crash files) to run instead.")
    var inputs: [String] = []
    @Flag(help: "With --input, print every step.") var verbose = false
    @Option(name: .customLong("write-seeds"), help: "Write the seed corpus into this directory, then stop.")
    var seedDirectory: String?
    @Option(name: .customLong("write-dictionary"), help: "Write the libFuzzer dictionary into this file, then stop.")
    var dictionaryFile: String?

    func validate() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        guard el3MaxGranules != 0 else { throw ValidationError("--el3-max-granules must be at least 1") }
    }

    func run() throws {
        if let seedDirectory {
            try FileManager.default.createDirectory(atPath: seedDirectory, withIntermediateDirectories: true)
            for (name, program) in FuzzSeeds.all {
                let path = (seedDirectory as NSString).appendingPathComponent(name)
                try Data(program.encoded).write(to: URL(fileURLWithPath: path))
            }
            print("rmm check fuzz: \(FuzzSeeds.all.count) seeds written to \(seedDirectory)")
            return
        }
        if let dictionaryFile {
            try Data(FuzzDictionary.text.utf8).write(to: URL(fileURLWithPath: dictionaryFile))
            print("rmm check fuzz: dictionary written to \(dictionaryFile)")
            return
        }
        if !inputs.isEmpty { return try runInputs() }
        var bar = ProgressBar("fuzzing", total: iterations)
        let fuzzer = SMCFuzzer(
            seed: seed, hostCreatedL1Tables: hostL1Tables, el3MaxGranules: el3MaxGranules, el3Busy: el3Busy)
        let report = try fuzzer.run(iterations: iterations) {
            bar.update($0)
        }
        bar.finish()
        let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
        print(
            "rmm check fuzz: seed \(seed), \(report.iterations) calls in \(String(format2: seconds)) s "
                + "(\(Int(Double(report.iterations) / max(seconds, 1e-9))) calls/s), "
                + "\(report.violations.count) failures")
        for violation in report.violations { print("  \(violation)") }
        if !report.violations.isEmpty { throw ExitCode.failure }
    }
}

extension CheckFuzzCommand {
    /// `--input`: each file as a `FuzzProgram`.
    func runInputs() throws {
        var failed = 0
        for path in inputs {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            let program = FuzzProgram(decoding: Array(data))
            let outcome = try program.run(trace: verbose ? { print("  \($0): \($1)") } : nil)
            if let violation = outcome.violation {
                failed += 1
                print("\(path): FAILED at \(violation)")
            } else {
                print("\(path): passed, \(outcome.stepsRun) steps")
            }
        }
        if failed > 0 { throw ExitCode.failure }
    }
}

/// `rmm check stress`.
struct CheckStressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "Race range commands and realm operations from several CPUs on real threads.",
        discussion: """
            Every answer is checked as it arrives and the invariant checker runs whenever all CPUs have joined. \
            Exits 1 if anything failed.

            Examples:
              rmm check stress
              rmm check stress --cpus 8 --rounds 50 --calls 2000
            """
    )

    @Option(help: "CPUs racing.") var cpus = 4
    @Option(help: "Rounds (the invariant checker runs after each).") var rounds = 20
    @Option(help: "Calls per CPU per round.") var calls = 1_000
    @Option(help: "The seed.") var seed: UInt64 = 1
    @Option(
        name: .customLong("el3-max-granules"),
        help: "EL3 moves at most N granules per GPI change; the CPUs also race a COARSE unit moving in pieces.")
    var el3MaxGranules: UInt64?
    @Flag(name: .customLong("el3-busy"), help: "Before one call in sixteen, make EL3 answer its next GPI change BUSY.")
    var el3Busy = false
    @Option(
        name: .customLong("lock-contention"),
        help: ArgumentHelp(
            "What a range command does when the first granule of its run is locked: busy (default) or spin (wait).",
            valueName: "choice"))
    var lockContention = "busy"

    func validate() throws {
        guard (1...64).contains(cpus) else { throw ValidationError("--cpus must be 1 to 64") }
        guard LockContention(name: lockContention) != nil else {
            throw ValidationError("--lock-contention must be busy or spin, not '\(lockContention)'")
        }
        guard rounds > 0, calls > 0 else { throw ValidationError("--rounds and --calls must be positive") }
        guard el3MaxGranules != 0 else { throw ValidationError("--el3-max-granules must be at least 1") }
    }

    func run() throws {
        try CrashReports.nonInteractive()
        var bar = ProgressBar("stress", total: rounds)
        let stress = ConcurrencyStress(
            seed: seed, cpus: cpus, el3MaxGranules: el3MaxGranules, el3Busy: el3Busy,
            lockContention: LockContention(name: lockContention) ?? .busy)
        let report = try stress.run(
            rounds: rounds, callsPerCPU: calls, progress: { bar.update($0) },
            onFirmwareFailure: { lines in
                // The firmware is about to trap: say what every CPU was doing, and end without a crash report.
                let report = (["", "rmm check stress: seed \(seed): FAILED"] + lines.map { "  " + $0 }).joined(
                    separator: "\n")
                FileHandle.standardOutput.write(Data((report + "\n").utf8))
                Foundation.exit(1)
            })
        bar.finish()
        print("rmm check stress: \(cpus) CPUs, \(report.calls) calls, \(report.violations.count) failures")
        for violation in report.violations.prefix(20) { print("  \(violation)") }
        for line in report.lastCalls { print("  \(line)") }
        if !report.violations.isEmpty { throw ExitCode.failure }
    }
}
