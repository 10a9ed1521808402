import ArgumentParser
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
            prints its shortest schedule. Exits 1 if any helper has a violation.

            Helpers: delegate, undelegate, rollback, sro (RMIHost), linux-v14-delegate, linux-v14-undelegate \
            (the loop the Linux v14 patch shapes, for comparison: the explorer finds its defects).

            Examples:
              rmm check host
              rmm check host --helper linux-v14-delegate --forbidden
              rmm check host --helper delegate --granules 8 --depth 12 --forbidden
            """
    )

    @Option(name: .customLong("helper"), help: "A helper to explore (repeatable; default: RMIHost's four).")
    var helpers: [HostHelper] = [.delegate, .undelegate, .rollback, .statefulOperation]

    @Option(help: "Granules in the range.") var granules = 4
    @Option(help: "Choices the adversary makes per schedule.") var depth = 6
    @Flag(help: "Also give answers the specification forbids.") var forbidden = false
    @Option(help: "Instead of every schedule, this many random ones.") var random: Int?
    @Option(help: "Seed for --random.") var seed: UInt64 = 1

    func validate() throws {
        guard (1...64).contains(granules) else { throw ValidationError("--granules must be 1 to 64") }
        guard (0...24).contains(depth) else { throw ValidationError("--depth must be 0 to 24") }
        if let random, random <= 0 { throw ValidationError("--random must be positive") }
    }

    func run() throws {
        let bounds = ExplorationBounds(granules: granules, choiceDepth: depth)
        let search: ExplorationMode.Search =
            random.map { .random(seed: seed, schedules: $0) } ?? .exhaustive(memoise: true)
        let mode = ExplorationMode(search: search, answers: forbidden ? .includingForbidden : .specCompliant)
        var clean = true
        for helper in helpers {
            var bar = ProgressBar(helper.rawValue, total: 1)
            let report = Explorer.run(helper: helper, bounds: bounds, mode: mode) { progress in
                bar.update(progress.schedulesRun % 100)
            }
            bar.finish()
            print(report.description)
            clean = clean && report.isClean
        }
        if !clean { throw ExitCode.failure }
    }
}
