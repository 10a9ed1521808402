import CCAArch
import Testing

@testable import Verification

@Suite("Explorer: partitioned into subtrees")
struct PartitionedExplorerTests {
    private func partitioned(
        _ helper: HostHelper, granules: Int = 3, depth: Int = 4, answers: AnswerRules = .includingForbidden,
        memoise: Bool = true, partition: ExplorationPartition
    ) -> PartialExploration {
        Explorer.explorePartitioned(
            helper: helper, bounds: ExplorationBounds(granules: granules, choiceDepth: depth), memoise: memoise,
            answers: answers, partition: partition)
    }

    private func sequential(
        _ helper: HostHelper, granules: Int = 3, depth: Int = 4, answers: AnswerRules = .includingForbidden,
        memoise: Bool = true
    ) -> ExplorationReport {
        Explorer.run(
            helper: helper, bounds: ExplorationBounds(granules: granules, choiceDepth: depth),
            mode: ExplorationMode(search: .exhaustive(memoise: memoise), answers: answers))
    }

    @Test(arguments: [HostHelper.linuxV14Delegate, .linuxV14Undelegate, .delegate, .rollback])
    func oneJobIsExactlyTheSearchOfRun(_ helper: HostHelper) {
        let whole = sequential(helper)
        let parts = partitioned(helper, partition: ExplorationPartition(jobs: 1))
        #expect(parts.schedulesRun == whole.schedulesRun)
        #expect(parts.schedulesPruned == whole.schedulesPruned)
        #expect(parts.smcsAnswered == whole.smcsAnswered)
        #expect(parts.distinctChoicePoints == whole.distinctChoicePoints)
        #expect(parts.violatingRuns == whole.violatingRuns)
        let shortest = parts.shortest.values.map(\.violation).sorted { $0.key < $1.key }
        #expect(shortest.map(\.description) == whole.violations.map(\.description))
    }

    @Test(arguments: [HostHelper.linuxV14Delegate, .linuxV14Undelegate, .undelegate])
    func moreJobsReportTheSameCountsAndTheSameShortestSchedules(_ helper: HostHelper) {
        let one = partitioned(helper, partition: ExplorationPartition(jobs: 1))
        let three = partitioned(helper, partition: ExplorationPartition(jobs: 3, splitDepth: 1))
        #expect(three.schedulesRun == one.schedulesRun)
        #expect(three.schedulesPruned == one.schedulesPruned)
        #expect(three.smcsAnswered == one.smcsAnswered)
        #expect(three.violatingRuns == one.violatingRuns)
        #expect(
            three.shortest.mapValues(\.violation.description) == one.shortest.mapValues(\.violation.description))
    }

    /// One job, each pass's subtrees taken last to first: an order more jobs can end up in, made deterministic.
    private func lastSubtreeFirst(_ helper: HostHelper, granules: Int, depth: Int) -> PartialExploration {
        let bounds = ExplorationBounds(granules: granules, choiceDepth: depth)
        var total = PartialExploration()
        for pass in 0...depth {
            let memo = NodeMemo()
            var result = PartialExploration()
            let parts = Explorer.splitPass(
                helper: helper, bounds: bounds, answers: .includingForbidden, depth: pass,
                splitDepth: Swift.min(2, pass), memo: memo)
            for (number, part) in parts.enumerated().reversed() {
                switch part {
                case .subtree(let root):
                    result.merge(
                        Explorer.exploreSubtree(
                            helper: helper, bounds: bounds, depth: pass, root: root, number: number, memo: memo,
                            answers: .includingForbidden))
                case .run(let run):
                    result.record(run, at: SearchPosition(pass: pass, subtree: number, run: 0))
                }
            }
            total.merge(result)
        }
        return total
    }

    /// The SRO driver's counts used to depend on the order (a few runs in ten thousand): the memo's key left out
    /// answers the driver still acts on after the model has changed, and the stationary tail remembered answers of
    /// states the model had left. Whole, in two shards merged, and with the subtrees in reverse order.
    @Test func theSRODriversCountsAreTheSameForOneAndTwoJobs() {
        let one = partitioned(.statefulOperation, granules: 4, depth: 6, partition: ExplorationPartition(jobs: 1))
        let reversed = lastSubtreeFirst(.statefulOperation, granules: 4, depth: 6)
        #expect(reversed.schedulesRun == one.schedulesRun)
        #expect(reversed.schedulesPruned == one.schedulesPruned)
        #expect(reversed.smcsAnswered == one.smcsAnswered)
        for _ in 0..<3 {
            let two = partitioned(.statefulOperation, granules: 4, depth: 6, partition: ExplorationPartition(jobs: 2))
            #expect(two.schedulesRun == one.schedulesRun)
            #expect(two.schedulesPruned == one.schedulesPruned)
            #expect(two.smcsAnswered == one.smcsAnswered)
            #expect(two.distinctChoicePoints == one.distinctChoicePoints)
        }
        var shardsOneJob = PartialExploration()
        var shardsTwoJobs = PartialExploration()
        for index in 0..<2 {
            let shard = ExplorationPartition.Shard(index: index, count: 2)
            shardsOneJob.merge(
                partitioned(
                    .statefulOperation, granules: 4, depth: 6, partition: ExplorationPartition(jobs: 1, shard: shard)))
            shardsTwoJobs.merge(
                partitioned(
                    .statefulOperation, granules: 4, depth: 6, partition: ExplorationPartition(jobs: 2, shard: shard)))
        }
        #expect(shardsTwoJobs.schedulesRun == shardsOneJob.schedulesRun)
        #expect(shardsTwoJobs.schedulesPruned == shardsOneJob.schedulesPruned)
        #expect(shardsTwoJobs.smcsAnswered == shardsOneJob.smcsAnswered)
    }

    @Test func withoutMemoTheShardsRunsAddUpToTheWholeTree() {
        let whole = partitioned(.linuxV14Delegate, memoise: false, partition: ExplorationPartition())
        var merged = PartialExploration()
        for index in 0..<3 {
            merged.merge(
                partitioned(
                    .linuxV14Delegate, memoise: false,
                    partition: ExplorationPartition(shard: ExplorationPartition.Shard(index: index, count: 3))))
        }
        #expect(merged.schedulesRun == whole.schedulesRun)
        #expect(merged.smcsAnswered == whole.smcsAnswered)
        #expect(merged.violatingRuns == whole.violatingRuns)
        #expect(merged.shortest.mapValues(\.violation.description) == whole.shortest.mapValues(\.violation.description))
    }

    @Test func memoisedShardsMergedGiveTheSameVerdictAndLengths() {
        let whole = partitioned(.linuxV14Undelegate, partition: ExplorationPartition())
        var merged = PartialExploration()
        for index in 0..<2 {
            merged.merge(
                partitioned(
                    .linuxV14Undelegate,
                    partition: ExplorationPartition(shard: ExplorationPartition.Shard(index: index, count: 2))))
        }
        #expect(merged.schedulesRun >= whole.schedulesRun)
        #expect(Set(merged.shortest.keys) == Set(whole.shortest.keys))
        for (key, found) in whole.shortest {
            #expect(merged.shortest[key]?.violation.choiceCount == found.violation.choiceCount)
            #expect(merged.shortest[key]?.violation.schedule.count == found.violation.schedule.count)
        }
    }

    @Test func ofTwoEquallyShortViolationsTheEarlierInSearchOrderIsKept() {
        let short = Violation(kind: .progressMismatch, detail: "later", schedule: [])
        let same = Violation(kind: .progressMismatch, detail: "earlier", schedule: [])
        var result = PartialExploration()
        result.offer(short, at: SearchPosition(pass: 1, subtree: 4, run: 0))
        result.offer(same, at: SearchPosition(pass: 1, subtree: 2, run: 9))
        #expect(result.shortest[short.key]?.violation.detail == "earlier")
        result.offer(short, at: SearchPosition(pass: 1, subtree: 3, run: 0))
        #expect(result.shortest[short.key]?.violation.detail == "earlier")
    }
}

@Suite("SubtreeScheduler")
struct SubtreeSchedulerTests {
    @Test func itEnumeratesOnlyTheSequencesBelowItsRoot() {
        // A tree with 3 answers at every choice point, 3 deep; the subtree below [2].
        let scheduler = SubtreeScheduler(depth: 3, root: [2])
        var sequences: [[Int]] = []
        repeat {
            for _ in 0..<3 { _ = scheduler.choose(among: 3) }
            sequences.append(scheduler.choices)
        } while scheduler.advance()
        #expect(sequences.count == 9)
        #expect(sequences.allSatisfy { $0.first == 2 && $0.count == 3 })
        #expect(sequences == sequences.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(scheduler.runIndex == 8)
    }

    @Test func aRootOnlyRunIsOneRun() {
        let scheduler = SubtreeScheduler(depth: 2, root: [1, 0])
        #expect(scheduler.choose(among: 2) == 1)
        #expect(scheduler.choose(among: 4) == 0)
        #expect(scheduler.choose(among: 4) == nil)
        #expect(!scheduler.advance())
    }
}
