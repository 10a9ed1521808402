public import ArgumentParser
import Foundation
import Verification

extension HostHelper: ExpressibleByArgument {}

/// `rmm check host`: explore host helpers against an adversarial RMM.
struct CheckHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Prove host loops terminate: run each helper against every schedule an adversarial RMM can choose.",
        discussion: """
            The adversary answers each range command and stateful-operation step with any answer the specification \
            allows (and, with --forbidden, answers it forbids). Every schedule up to the bounds is run; each run \
            must stay within the stated SMC bound, report exactly the progress the adversary made, touch nothing \
            outside the range, and leave every granule that did not come back in the leak ledger. A violation \
            is told as a story: its shortest schedule, SMC by SMC, with the adversary's answers (marked [forbidden] \
            where the specification forbids them), what the helper reported, and why that breaks a property. The \
            retry budgets are --busy-retries, --blocked-retries and --continuations; the SMC bound follows from \
            them and the range size. The search runs on --jobs threads (the same counts and counterexamples as one), or \
            explores one --shard K/N of the tree and writes a --report for `rmm check merge`. docs/explorer.md \
            explains what the explorer proves, how to read its output, and how to run shards on a batch engine. \
            Exits 1 if any helper has a violation.

            Helpers: delegate, undelegate, rollback, sro (RMIHost), linux-v14-delegate, linux-v14-undelegate \
            (the loop the Linux v14 patch shapes, for comparison: the explorer finds its defects).

            Examples:
              rmm check host
              rmm check host --helper linux-v14-delegate --forbidden
              rmm check host --helper delegate --granules 8 --depth 12 --forbidden
              rmm check host --busy-retries 4 --blocked-retries 2 --continuations 6
              rmm check host --helper delegate --depth 14 --shard 0/4 --report shard-0.json   (then rmm check merge)
              rmm check host --c-library libmyrmi.so --symbol rmi_delegate_range --shape linux-range \
                --operation delegate

            C host code (--c-library, docs/c-host.md): the function runs against the same adversary with the same \
            checks as the Linux loop; a crash or a granule protection fault is a violation with its schedule, and \
            exploration goes on. Bad input (a library that does not load, a missing symbol, a shape that does not \
            match, an access outside the host's memory) exits 2 with one error line.
            """
    )

    @Option(name: .customLong("helper"), help: "A helper to explore (repeatable; default: RMIHost's four).")
    var helpers: [HostHelper] = [.delegate, .undelegate, .rollback, .statefulOperation]

    @Option(help: "Granules in the range.") var granules = 4
    @Option(help: "Choices the adversary makes per schedule.") var depth = 6
    @Option(
        name: .customLong("busy-retries"),
        help: "Retries of a step the RMM answers RMI_BUSY, after the first attempt (RetryPolicy.attemptBudget - 1).")
    var busyRetries = 2
    @Option(
        name: .customLong("blocked-retries"),
        help: "Retries of a step the RMM answers RMI_BLOCKED (RetryPolicy.blockedAttemptBudget - 1).")
    var blockedRetries = 1
    @Option(help: "Operation steps one stateful operation may take (RetryPolicy.continuationBudget).")
    var continuations = 4
    @Flag(help: "Also give answers the specification forbids.") var forbidden = false
    @Option(help: "Instead of every schedule, this many random ones.") var random: Int?
    @Option(help: "Seed for --random.") var seed: UInt64 = 1
    @OptionGroup var scale: ExplorationScaleOptions
    @Option(
        name: .customLong("c-library"),
        help: "A shared library of C host code built with include/swift_rmm_linux.h: explore its --symbol instead.")
    var cLibrary: String?
    @Option(help: "With --c-library: the function to explore.") var symbol: String?
    @Option(help: "With --c-library: linux-range (int NAME(base, size)) or linux-range-out (..., &out_top).")
    var shape: String?
    @Option(help: "With --c-library: delegate (the range starts Non-secure) or undelegate (it starts delegated).")
    var operation: String?

    func validate() throws {
        guard (1...64).contains(granules) else { throw ValidationError("--granules must be 1 to 64") }
        guard (0...24).contains(depth) else { throw ValidationError("--depth must be 0 to 24") }
        guard (0...16).contains(busyRetries) else { throw ValidationError("--busy-retries must be 0 to 16") }
        guard (0...16).contains(blockedRetries) else { throw ValidationError("--blocked-retries must be 0 to 16") }
        guard (1...16).contains(continuations) else { throw ValidationError("--continuations must be 1 to 16") }
        if let random, random <= 0 { throw ValidationError("--random must be positive") }
        if random != nil, scale.shard != nil || scale.report != nil {
            throw ValidationError("--shard and --report are for an exhaustive search; drop --random")
        }
    }

    /// The bounds these options describe.
    var bounds: ExplorationBounds {
        ExplorationBounds(
            granules: granules, choiceDepth: depth, attemptBudget: busyRetries + 1,
            blockedAttemptBudget: blockedRetries + 1, continuationBudget: continuations)
    }

    func run() throws {
        if cLibrary != nil || symbol != nil || shape != nil || operation != nil {
            try runCLibrary()
            return
        }
        let search: ExplorationMode.Search =
            random.map { .random(seed: seed, schedules: $0) } ?? .exhaustive(memoise: true)
        let mode = ExplorationMode(search: search, answers: forbidden ? .includingForbidden : .specCompliant)
        var clean = true
        var entries: [ShardReport.Entry] = []
        for (index, helper) in helpers.enumerated() {
            let (report, entry) = explore(helper, mode: mode)
            if let entry { entries.append(entry) }
            if index > 0 { print() }
            print(Self.render(report))
            if let entry, let note = Self.memoNote(entry.partial, limit: scale.memoLimit) { print(note) }
            clean = clean && report.isClean
        }
        if let path = scale.report {
            let shard = scale.partition().shard ?? ExplorationPartition.Shard(index: 0, count: 1)
            do {
                try ShardReport(shard: shard, entries: entries).json().write(to: URL(fileURLWithPath: path))
            } catch {
                throw ValidationError("--report: cannot write \(path): \(error.localizedDescription)")
            }
        }
        if !clean { throw ExitCode.failure }
    }

    /// Random search runs on one thread (its runs follow one generator); exhaustive search is partitioned into
    /// subtrees over `--jobs` threads, or one `--shard`. The entry is what `--report` writes.
    private func explore(_ helper: HostHelper, mode: ExplorationMode) -> (ExplorationReport, ShardReport.Entry?) {
        guard case .exhaustive(let memoise) = mode.search else {
            var bar = ProgressBar(helper.rawValue, total: 1000)
            defer { bar.finish() }
            let report = Explorer.run(helper: helper, bounds: bounds, mode: mode) { progress in
                bar.update(Int(progress.fractionDone * 1000))
            }
            return (report, nil)
        }
        let bar = SharedProgressBar(ProgressBar(helper.rawValue, total: 1000))
        defer { bar.finish() }
        let clock = ContinuousClock()
        let start = clock.now
        let partition = scale.partition()
        let partial = Explorer.explorePartitioned(
            helper: helper, bounds: bounds, memoise: memoise, answers: mode.answers, partition: partition
        ) { fraction in bar.update(Int(fraction * 1000)) }
        let elapsed = clock.now - start
        let entry = ShardReport.Entry(
            helper: helper, bounds: bounds, answers: mode.answers, memoise: memoise,
            splitDepth: partition.splitDepth, partial: partial,
            elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return (
            ExplorationReport(helper: helper, bounds: bounds, mode: mode, partial: partial, elapsed: elapsed), entry
        )
    }

    /// Said when the memo table was full: the counts then include runs explored again.
    static func memoNote(_ partial: PartialExploration, limit: Int) -> String? {
        guard partial.memoEvictions > 0 else { return nil }
        return "  memo: \(partial.memoEvictions) choice points forgotten to stay within --memo-limit \(limit) MB; "
            + "their subtrees were explored again when met again (the counts include those runs)"
    }

    /// A helper's summary, then each counterexample as a story.
    static func render(_ report: ExplorationReport) -> String {
        var lines = HostExplorationSummary.lines(report)
        for (index, violation) in report.violations.enumerated() {
            lines.append("")
            lines += CounterexampleStory.lines(
                violation, number: index + 1, of: report.violations.count,
                runs: report.violatingRuns[violation.key] ?? 0, helper: report.helper)
        }
        return lines.joined(separator: "\n")
    }
}
