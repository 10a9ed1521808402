import CCAPlatform
import FirmwareSync

/// What went wrong in one interleaving, and how to get it back.
public struct InterleavingViolation: Sendable, CustomStringConvertible {
    public var scenario: String
    /// What broke, one line each: a deadlock with the lock each CPU waits for, a failed consistency check, a broken
    /// invariant, a status the command may not give.
    public var problems: [String]
    /// The choices that replay the interleaving exactly (`rmm check interleavings --replay`).
    public var schedule: [Int]
    /// Every shared-memory step of the interleaving, in order.
    public var steps: [InterleavingStep]

    /// The schedule as `rmm check interleavings --replay` takes it.
    public var scheduleText: String { InterleavingSchedule.text(schedule) }

    public var description: String {
        var lines = ["scenario \(scenario): \(problems.count) problem\(problems.count == 1 ? "" : "s")"]
        lines += problems.map { "  \($0)" }
        lines.append("  interleaving (\(steps.count) shared-memory steps, a paragraph per stretch of one CPU):")
        lines += Self.narrate(steps).map { "    \($0)" }
        lines.append("  replay: rmm check interleavings --scenario \(scenario) --replay \(scheduleText)")
        return lines.joined(separator: "\n")
    }

    /// The steps as stretches of one CPU running one command: the first and last steps of each, with the count.
    static func narrate(_ steps: [InterleavingStep]) -> [String] {
        var lines: [String] = []
        var start = 0
        while start < steps.count {
            var end = start + 1
            while end < steps.count && steps[end].cpu == steps[start].cpu && steps[end].command == steps[start].command
            {
                end += 1
            }
            let stretch = steps[start..<end]
            lines.append(
                "cpu \(steps[start].cpu) \(steps[start].command) (\(stretch.count) step\(stretch.count == 1 ? "" : "s"))"
            )
            let shown = stretch.count <= 6 ? Array(stretch) : Array(stretch.prefix(2)) + Array(stretch.suffix(3))
            for (i, step) in shown.enumerated() {
                if stretch.count > 6 && i == 2 { lines.append("  ...") }
                lines.append("  " + step.description.split(separator: ":", maxSplits: 1).last!.trimmingSpaces)
            }
            start = end
        }
        return lines
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String { String(drop { $0 == " " }) }
}

/// The result of exploring a scenario.
public struct InterleavingReport: Sendable {
    public var scenario: String
    /// Interleavings run to the end and checked.
    public var interleavings: Int
    /// Whether every interleaving within the bound was explored (exhaustive search that ran out of schedules).
    public var exhaustive: Bool
    public var violation: InterleavingViolation?
    public var elapsed: Duration

    public var interleavingsPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(interleavings) / max(seconds, 1e-9)
    }
}

/// A deterministic interleaving checker for the RMM and EL3, in the manner of loom and shuttle: the machine's
/// CPUs run a scenario as cooperative tasks that switch only at the firmware's shared-memory steps, and the
/// checker chooses every switch. `explore` runs every interleaving with at most `preemptionBound` preemptions
/// (CHESS), `sample` runs random ones with the PCT scheduler, `replay` reruns one schedule. After each run: no
/// deadlock, no failed consistency check, the machine's invariants, the statuses each command may answer, and the
/// scenario's own checks. The first interleaving that breaks any of them ends the search.
public struct InterleavingChecker: Sendable {
    public let scenario: InterleavingScenario
    public let preemptionBound: Int
    /// Steps one run may take before it counts as a livelock.
    public let maxSteps: Int

    public init(scenario: InterleavingScenario, preemptionBound: Int = 2, maxSteps: Int = 100_000) {
        self.scenario = scenario
        self.preemptionBound = preemptionBound
        self.maxSteps = maxSteps
    }

    /// Every interleaving with at most `preemptionBound` preemptions, or until `limit` runs; `progress` gets the
    /// runs so far and the fraction of the search space behind them.
    public func explore(limit: Int = .max, progress: (Int, Double) -> Void = { _, _ in }) -> InterleavingReport {
        let start = ContinuousClock.now
        let strategy = BoundedExhaustiveStrategy(preemptionBound: preemptionBound)
        var runs = 0
        while true {
            let violation = execute(strategy)
            runs += 1
            progress(runs, strategy.progress)
            if let violation {
                return report(runs, exhaustive: false, violation, since: start)
            }
            guard runs < limit else { return report(runs, exhaustive: false, nil, since: start) }
            guard strategy.advance() else { return report(runs, exhaustive: true, nil, since: start) }
        }
    }

    /// `runs` interleavings chosen by PCT with `depth` priority change points, from `seed`.
    public func sample(
        runs: Int, seed: UInt64, depth: Int = 3, progress: (Int, Double) -> Void = { _, _ in }
    ) -> InterleavingReport {
        let start = ContinuousClock.now
        // PCT spreads its change points over the steps of a run: measure a run's length first.
        let probe = ReplayStrategy([])
        let probeSteps = execute(probe, stepsOut: true).steps
        let strategy = PCTStrategy(
            seed: seed, cpus: scenario.cpus, depth: depth, expectedSteps: max(probeSteps, 1))
        for run in 1...max(runs, 1) {
            if let violation = execute(strategy) { return report(run, exhaustive: false, violation, since: start) }
            progress(run, Double(run) / Double(max(runs, 1)))
        }
        return report(max(runs, 1), exhaustive: false, nil, since: start)
    }

    /// Runs the interleaving `schedule` names (then lets each CPU go on wherever it can).
    public func replay(_ schedule: [Int]) -> InterleavingReport {
        let start = ContinuousClock.now
        return report(1, exhaustive: false, execute(ReplayStrategy(schedule)), since: start)
    }

    private func report(
        _ runs: Int, exhaustive: Bool, _ violation: InterleavingViolation?, since start: ContinuousClock.Instant
    ) -> InterleavingReport {
        InterleavingReport(
            scenario: scenario.name, interleavings: runs, exhaustive: exhaustive, violation: violation,
            elapsed: ContinuousClock.now - start)
    }

    private func execute(_ strategy: any InterleavingStrategy) -> InterleavingViolation? {
        execute(strategy, stepsOut: false).violation
    }

    /// One run: a fresh machine, the scenario's preparation, its programs under `strategy`, then every check.
    private func execute(
        _ strategy: any InterleavingStrategy, stepsOut: Bool
    ) -> (violation: InterleavingViolation?, steps: Int) {
        let scheduler = CooperativeScheduler(maxSteps: maxSteps)
        return withExtendedLifetime(scheduler) {
            let machine: Machine
            do {
                machine = try Machine(configuration: scenario.platform, observer: scheduler)
            } catch {
                let problem = "the scenario's platform cannot be built: \(error)"
                return (InterleavingViolation(scenario: scenario.name, problems: [problem], schedule: [], steps: []), 0)
            }
            let mailbox = ScenarioMailbox(scenario.prepare(machine))
            let cpus = (0..<scenario.cpus).map {
                ScenarioCPU(index: $0, machine: machine, scheduler: scheduler, mailbox: mailbox)
            }
            let programs = scenario.programs
            let (end, steps) = scheduler.run(
                programs.indices.map { index in { @Sendable _ in programs[index](cpus[index]) } }, strategy: strategy)
            var problems: [String] = []
            switch end {
            case .completed:
                let calls = cpus.map(\.calls)
                problems += Self.statusProblems(calls)
                problems += machine.checkInvariants()
                problems += scenario.check(machine, calls)
            case .deadlock(let waiting):
                problems.append(
                    "deadlock: "
                        + waiting.keys.sorted().map { "cpu \($0) waits for \(waiting[$0]!)" }.joined(separator: "; "))
            case .preconditionFailure(let cpu, let message, let location):
                problems.append("cpu \(cpu) failed a consistency check at \(location): \(message)")
            case .stepLimit(let cpu, let count):
                problems.append("cpu \(cpu) was still running after \(count) steps (a livelock?)")
            case .nondeterminism(let decision):
                problems.append(
                    "the schedule could not be followed at decision \(decision): the scenario is not deterministic")
            }
            guard !problems.isEmpty else { return (nil, steps.count) }
            return (
                InterleavingViolation(
                    scenario: scenario.name, problems: problems, schedule: strategy.schedule, steps: steps),
                steps.count
            )
        }
    }

    /// Answers a command may not give at all.
    static func statusProblems(_ calls: [[ScenarioCall]]) -> [String] {
        var problems: [String] = []
        for (cpu, made) in calls.enumerated() {
            for call in made {
                guard let allowed = AllowedStatuses.allowed(call.function), !allowed.contains(call.status) else {
                    continue
                }
                let name = call.function.rmiCommand.map { "\($0.name)" } ?? "?"
                problems.append("cpu \(cpu): \(name) answered \(call.status.name), which it may not")
            }
        }
        return problems
    }
}
