import ArgumentParser
import FirmwareSync
import Verification

/// `rmm check interleavings`.
struct CheckInterleavingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interleavings",
        abstract: "Run small concurrent scenarios under every interleaving of the RMM's shared-memory steps.",
        discussion: """
            The CPUs of each scenario run as cooperative tasks that switch only where the RMM or EL3 touches \
            shared memory (granule words, tracking regions, operation contexts, L1 directory entries, GPT locks), \
            and the checker chooses every switch: all interleavings with at most --preemptions preemptions \
            (exhaustive, the default), or --random N of them chosen by PCT from --seed. After each: no deadlock, \
            no failed consistency check, the machine's invariants, legal statuses and the scenario's own checks. \
            A failure prints the interleaving and a schedule that --replay runs again exactly. Exits 1 on a \
            failure.

            Scenarios:
            \(InterleavingScenario.all.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n"))

            Examples:
              rmm check interleavings
              rmm check interleavings --scenario lost-reference --preemptions 3
              rmm check interleavings --random 2000 --seed 7
            """
    )

    @Option(help: "One scenario (default: all of them).") var scenario: String?
    @Option(help: "Preemptions allowed per interleaving in exhaustive search.") var preemptions = 2
    @Option(help: "Random interleavings (PCT) per scenario instead of exhaustive search.") var random: Int?
    @Option(help: "The seed of --random.") var seed: UInt64 = 1
    @Option(help: "Priority change points of --random (PCT's bug depth).") var depth = 3
    @Option(help: "Replay one interleaving: the schedule a failure printed (needs --scenario).") var replay: String?
    @Option(
        name: .customLong("el3-max-granules"),
        help: "EL3 moves at most N granules per GPI change in every scenario (coarse-partial keeps its own, 256).")
    var el3MaxGranules: UInt64?

    func validate() throws {
        guard schedulingPointsAreCompiled else {
            throw ValidationError(
                "this build compiles the RMM's scheduling points out (release builds do, so that they cost nothing); "
                    + "run a debug build: swift run rmm check interleavings")
        }
        if let scenario, InterleavingScenario.named(scenario) == nil {
            throw ValidationError(
                "unknown scenario '\(scenario)' (known: \(InterleavingScenario.all.map(\.name).joined(separator: ", ")))"
            )
        }
        guard (0...8).contains(preemptions) else { throw ValidationError("--preemptions must be 0 to 8") }
        if let random { guard random > 0 else { throw ValidationError("--random must be positive") } }
        guard (1...8).contains(depth) else { throw ValidationError("--depth must be 1 to 8") }
        guard el3MaxGranules != 0 else { throw ValidationError("--el3-max-granules must be at least 1") }
        if let replay {
            guard scenario != nil else { throw ValidationError("--replay needs --scenario") }
            guard InterleavingSchedule.parse(replay) != nil else {
                throw ValidationError("--replay takes the schedule a failure printed, such as 0*11,1*5,0*3")
            }
        }
    }

    func run() throws {
        let chosen = scenario.flatMap { InterleavingScenario.named($0) }.map { [$0] } ?? InterleavingScenario.all
        let scenarios = el3MaxGranules.map { limit in chosen.map { $0.withEL3MaxGranules(limit) } } ?? chosen
        var failed = false
        for scenario in scenarios {
            let checker = InterleavingChecker(scenario: scenario, preemptionBound: preemptions)
            var bar = ProgressBar(scenario.name, total: 1000)
            let report: InterleavingReport
            if let replay {
                report = checker.replay(InterleavingSchedule.parse(replay) ?? [])
            } else if let random {
                report = checker.sample(runs: random, seed: seed, depth: depth) { _, done in
                    bar.update(Int(done * 1000))
                }
            } else {
                report = checker.explore { _, done in bar.update(Int(done * 1000)) }
            }
            bar.finish()
            let mode =
                replay != nil
                ? "replayed"
                : random != nil ? "random (PCT, depth \(depth), seed \(seed))" : "≤ \(preemptions) preemptions"
            let rate = report.interleavings > 1 ? ", \(Int(report.interleavingsPerSecond)) per second" : ""
            let outcome = report.violation == nil ? (report.exhaustive ? "all passed" : "passed") : "FAILED"
            print(
                "\(scenario.name): \(report.interleavings) interleaving\(report.interleavings == 1 ? "" : "s") "
                    + "(\(mode)\(rate)): \(outcome)")
            if let violation = report.violation {
                print(violation.description)
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }
}
