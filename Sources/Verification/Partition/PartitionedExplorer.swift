import Foundation
import Synchronization

/// Which part of the schedule tree an exhaustive exploration covers, and how many threads explore it.
///
/// Each pass of the iterative deepening is cut at `splitDepth` choice points into subtrees, numbered in the order
/// a depth-first search meets them. Threads take the subtrees in that order from one queue and share the pass's
/// memo table. One job is then exactly `Explorer.run`'s search. With more jobs the runs go in another order, and
/// what does not depend on the order is the same: whether a choice point is cut depends only on whether its key
/// was seen, and every key reachable is seen once, so the counts of runs, cut runs, SMCs and choice points are the
/// same (as long as the memo never has to forget: see `NodeMemo`). Which of several equally short schedules shows
/// a violation does depend on the order, so when jobs > 1 find violations the passes up to the longest of them
/// are searched again on one thread and its shortest schedules are reported: the ones one job reports.
///
/// A shard explores every N-th subtree of each pass with a memo of its own (machines do not share one), so the
/// shards' runs add up to more than one job's: merged, they give the same verdict and violations of the same
/// lengths, with the earliest schedule in search order among those the shards found.
public struct ExplorationPartition: Hashable, Sendable {
    /// One shard of `count`: the subtrees whose number is `index` modulo `count` (round robin, so that each shard
    /// gets a share of the expensive and of the cheap ones).
    public struct Shard: Hashable, Sendable {
        public let index: Int
        public let count: Int

        public init(index: Int, count: Int) {
            precondition(count >= 1 && (0..<count).contains(index), "a shard is K/N with 0 <= K < N")
            self.index = index
            self.count = count
        }
    }

    /// Threads exploring subtrees at once.
    public var jobs: Int
    /// `nil` for the whole tree.
    public var shard: Shard?
    /// Choice points above the subtrees (2 by default: tens to hundreds of subtrees per pass).
    public var splitDepth: Int
    /// The memo table's limit, in bytes (one table per pass, freed after it).
    public var memoByteLimit: Int

    public init(jobs: Int = 1, shard: Shard? = nil, splitDepth: Int = 2, memoByteLimit: Int = 128 << 20) {
        precondition(jobs >= 1 && splitDepth >= 0, "at least one job, and a split depth of at least 0")
        self.jobs = jobs
        self.shard = shard
        self.splitDepth = splitDepth
        self.memoByteLimit = memoByteLimit
    }
}

/// Where a violating run lies in the order of a depth-first search: the tie-break between schedules of the same
/// length, so that every partition of the tree picks the same one.
public struct SearchPosition: Hashable, Sendable, Comparable {
    /// The pass of the iterative deepening (its choice depth).
    public let pass: Int
    /// The subtree, numbered in search order within the pass.
    public let subtree: Int
    /// The run within the subtree.
    public let run: Int

    public init(pass: Int, subtree: Int, run: Int) {
        self.pass = pass
        self.subtree = subtree
        self.run = run
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.pass, lhs.subtree, lhs.run) < (rhs.pass, rhs.subtree, rhs.run)
    }
}

/// Everything a partitioned exploration (or one shard of it) found, in a form that merges: counts add up, and of
/// two shortest violations of one kind the one with fewer choices, then fewer SMCs, then earlier in search order
/// wins.
public struct PartialExploration: Sendable {
    public var schedulesRun = 0
    public var schedulesPruned = 0
    public var distinctChoicePoints = 0
    public var memoEvictions = 0
    public var smcsAnswered = 0
    /// Subtrees explored, over all passes.
    public var subtrees = 0
    /// The shortest violation of each kind, with where the search met it.
    public var shortest: [Violation.Key: (violation: Violation, position: SearchPosition)] = [:]
    /// Runs of the full-depth pass that showed each kind.
    public var violatingRuns: [Violation.Key: Int] = [:]

    public init() {}

    /// Keeps `violation` if it is shorter (or as short and earlier) than the one known of its kind.
    mutating func offer(_ violation: Violation, at position: SearchPosition) {
        if let known = shortest[violation.key],
            (known.violation.choiceCount, known.violation.schedule.count, known.position)
                <= (violation.choiceCount, violation.schedule.count, position)
        {
            return
        }
        shortest[violation.key] = (violation, position)
    }

    /// Counts one run and offers its violations.
    mutating func record(_ run: Explorer.RunResult, at position: SearchPosition) {
        schedulesRun += 1
        if run.pruned { schedulesPruned += 1 }
        smcsAnswered += run.smcs
        for violation in run.violations {
            violatingRuns[violation.key, default: 0] += 1
            offer(violation, at: position)
        }
    }

    /// Adds `other`'s counts and violations (shards of one exploration, or subtrees of one pass).
    public mutating func merge(_ other: PartialExploration) {
        schedulesRun += other.schedulesRun
        schedulesPruned += other.schedulesPruned
        distinctChoicePoints += other.distinctChoicePoints
        memoEvictions += other.memoEvictions
        smcsAnswered += other.smcsAnswered
        subtrees += other.subtrees
        for (violation, position) in other.shortest.values { offer(violation, at: position) }
        for (key, runs) in other.violatingRuns { violatingRuns[key, default: 0] += runs }
    }
}

extension Explorer {
    /// Explores `helper` exhaustively over `partition`'s share of the schedule tree, on `partition.jobs` threads.
    ///
    /// The subtrees of each pass go to the threads from one queue, in search order, each thread taking the next
    /// one when it has finished its last: with tens to hundreds of subtrees per pass no thread waits while work
    /// remains, except over a pass's last subtrees. `progress` gets the share of subtrees done.
    public static func explorePartitioned(
        helper: HostHelper, bounds: ExplorationBounds, memoise: Bool, answers: AnswerRules,
        partition: ExplorationPartition, progress: (@Sendable (Double) -> Void)? = nil
    ) -> PartialExploration {
        var total = PartialExploration()
        let passes = Array(0...bounds.choiceDepth)
        for depth in passes {
            let memo = memoise ? NodeMemo(byteLimit: partition.memoByteLimit) : nil
            // The pass's first choice points, with the same memo: a point there is seen first in search order, as
            // in `run`, whatever the jobs.
            var pass = PartialExploration()
            var roots: [(number: Int, root: [Int])] = []
            for (number, part) in splitPass(
                helper: helper, bounds: bounds, answers: answers, depth: depth,
                splitDepth: Swift.min(partition.splitDepth, depth), memo: memo
            ).enumerated() where partition.shard.map({ number % $0.count == $0.index }) ?? true {
                switch part {
                case .subtree(let root): roots.append((number, root))
                case .run(let run):
                    pass.subtrees += 1
                    pass.record(run, at: SearchPosition(pass: depth, subtree: number, run: 0))
                }
            }
            let shared = PassState(subtrees: roots.count)
            let subtreeRoots = roots
            let work: @Sendable () -> Void = {
                while true {
                    // Relaxed: the counter only hands out numbers; each subtree's result is published under the mutex.
                    let index = shared.next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < subtreeRoots.count else { return }
                    let result = exploreSubtree(
                        helper: helper, bounds: bounds, depth: depth, root: subtreeRoots[index].root,
                        number: subtreeRoots[index].number, memo: memo, answers: answers)
                    shared.results.withLock { $0[index] = result }
                    let finished = shared.done.wrappingAdd(1, ordering: .relaxed).newValue
                    progress?((Double(depth) + Double(finished) / Double(subtreeRoots.count)) / Double(passes.count))
                }
            }
            runOnThreads(Swift.min(partition.jobs, Swift.max(subtreeRoots.count, 1)), work)
            for result in shared.results.withLock({ $0 }) { if let result { pass.merge(result) } }
            pass.distinctChoicePoints = memo?.count ?? 0
            pass.memoEvictions = memo?.evictions ?? 0
            // Counts of violating runs are those of the full-depth pass, as in `run`.
            if depth < bounds.choiceDepth { pass.violatingRuns = [:] }
            total.merge(pass)
        }
        if partition.jobs > 1, partition.shard == nil,
            let longest = total.shortest.values.map(\.violation.choiceCount).max()
        {
            total.shortest = firstShortest(
                helper: helper, bounds: bounds, memoise: memoise, answers: answers, throughDepth: longest)
        }
        return total
    }

    /// The shortest violations one job finds in the passes up to `throughDepth`: the same search, on one thread.
    static func firstShortest(
        helper: HostHelper, bounds: ExplorationBounds, memoise: Bool, answers: AnswerRules, throughDepth: Int
    ) -> [Violation.Key: (violation: Violation, position: SearchPosition)] {
        var shallow = bounds
        shallow.choiceDepth = throughDepth
        return explorePartitioned(
            helper: helper, bounds: shallow, memoise: memoise, answers: answers, partition: ExplorationPartition()
        ).shortest
    }

    /// A part of a pass: a subtree below a root of `splitDepth` choices, or a run that made fewer choices (it
    /// ended, or the memo cut it) and is a part on its own.
    enum PassPart {
        case subtree(root: [Int])
        case run(RunResult)
    }

    /// The parts of a pass of depth `depth` cut at `splitDepth` choice points, in search order: the runs of a
    /// search `splitDepth` deep, with `memo` consulted at those first choice points as the whole search would.
    static func splitPass(
        helper: HostHelper, bounds: ExplorationBounds, answers: AnswerRules, depth: Int, splitDepth: Int,
        memo: NodeMemo?
    ) -> [PassPart] {
        let scheduler = ExhaustiveScheduler(depth: splitDepth)
        var parts: [PassPart] = []
        repeat {
            let run = runOnce(helper: helper, bounds: bounds, rules: answers, scheduler: scheduler, memo: memo)
            let choices = scheduler.choices
            // A run that used every choice of the split continues deeper in its subtree; the others are complete.
            if choices.count == splitDepth && !run.pruned && splitDepth < depth {
                parts.append(.subtree(root: choices))
            } else {
                parts.append(.run(run))
            }
        } while scheduler.advance()
        return parts
    }

    /// One subtree of one pass, by depth-first search, with the pass's memo.
    static func exploreSubtree(
        helper: HostHelper, bounds: ExplorationBounds, depth: Int, root: [Int], number: Int, memo: NodeMemo?,
        answers: AnswerRules
    ) -> PartialExploration {
        let scheduler = SubtreeScheduler(depth: depth, root: root)
        var result = PartialExploration()
        result.subtrees = 1
        repeat {
            let run = runOnce(helper: helper, bounds: bounds, rules: answers, scheduler: scheduler, memo: memo)
            result.record(run, at: SearchPosition(pass: depth, subtree: number, run: scheduler.runIndex))
        } while scheduler.advance()
        return result
    }

    /// Runs `work` on `count` threads (the calling one among them) and returns when all have finished.
    private static func runOnThreads(_ count: Int, _ work: @escaping @Sendable () -> Void) {
        let finished = DispatchSemaphore(value: 0)
        for _ in 1..<Swift.max(count, 1) {
            let thread = Thread {
                work()
                finished.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        work()
        for _ in 1..<Swift.max(count, 1) { finished.wait() }
    }
}

/// What the threads of one pass share: the next subtree to take, how many are done, and their results by number.
private final class PassState: Sendable {
    let next = Atomic(0)
    let done = Atomic(0)
    let results: Mutex<[PartialExploration?]>

    init(subtrees: Int) { results = Mutex([PartialExploration?](repeating: nil, count: subtrees)) }
}

extension ExplorationReport {
    /// The report of a partitioned exploration (or of merged shards).
    public init(
        helper: HostHelper, bounds: ExplorationBounds, mode: ExplorationMode, partial: PartialExploration,
        elapsed: Duration
    ) {
        self.init(
            helper: helper, bounds: bounds, mode: mode, smcBound: bounds.smcBound(for: helper),
            schedulesRun: partial.schedulesRun, schedulesPruned: partial.schedulesPruned,
            distinctChoicePoints: partial.distinctChoicePoints, smcsAnswered: partial.smcsAnswered,
            elapsed: elapsed, violations: partial.shortest.values.map(\.violation).sorted { $0.key < $1.key },
            violatingRuns: partial.violatingRuns)
    }
}
