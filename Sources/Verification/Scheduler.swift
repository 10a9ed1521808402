import CCAPlatform

/// Chooses among the answers the adversary may give, one choice point at a time.
///
/// A choice point is an SMC with more than one allowed answer. A schedule is the sequence of indexes chosen; once
/// a scheduler returns `nil` the schedule is over and the adversary turns stationary (see `AdversarialRMM`).
public protocol Scheduler: AnyObject {
    /// The index, in `0..<count` (`count` > 1), of the answer to give; `nil` when the schedule has no more choices.
    func choose(among count: Int) -> Int?
    /// Whether the next choice point lies beyond everything explored so far (only exhaustive search has such
    /// points; memoisation is consulted there and only there).
    var nextChoiceIsFresh: Bool { get }
    /// Cuts the subtree at the next choice point: an equivalent state was explored already. The rest of the run
    /// makes no choice, and the run's results are to be discarded.
    func pruneHere()
    /// Whether the current run was pruned.
    var pruned: Bool { get }
}

/// Picks uniformly at random among the allowed answers for the first `depth` choice points of each run.
public final class RandomScheduler: Scheduler {
    private var generator: SplitMix64
    private let depth: Int
    private var position = 0
    /// The indexes chosen in the current run.
    public private(set) var choices: [Int] = []

    public init(seed: UInt64, depth: Int) {
        generator = SplitMix64(seed: seed)
        self.depth = depth
    }

    public func choose(among count: Int) -> Int? {
        guard position < depth else { return nil }
        position += 1
        let index = Int(generator.next() % UInt64(count))
        choices.append(index)
        return index
    }

    public var nextChoiceIsFresh: Bool { false }
    public func pruneHere() {}
    public var pruned: Bool { false }

    /// Starts the next run; the generator carries on, so a seed fixes the whole sequence of runs.
    public func startRun() {
        position = 0
        choices = []
    }
}

/// Enumerates every choice sequence up to `depth` choice points, each exactly once, by depth-first search.
///
/// Each run replays the current prefix, then takes answer 0 at every fresh choice point (recording how many
/// answers it had). `advance()` then moves to the next sequence in lexicographic order: the deepest choice point
/// with an untried answer is incremented and everything after it forgotten. Because the host and the adversary
/// are deterministic, replaying a prefix reaches the same choice points with the same answer counts (checked).
public final class ExhaustiveScheduler: Scheduler {
    /// Choice points allowed per run.
    public let depth: Int
    private var prefix: [Int] = []
    private var counts: [Int] = []
    private var position = 0
    public private(set) var pruned = false

    public init(depth: Int) {
        precondition(depth >= 0, "depth cannot be negative")
        self.depth = depth
    }

    public func choose(among count: Int) -> Int? {
        guard !pruned, position < depth else { return nil }
        defer { position += 1 }
        if position < prefix.count {
            precondition(counts[position] == count, "replay diverged: the run under test is not deterministic")
            return prefix[position]
        }
        prefix.append(0)
        counts.append(count)
        return 0
    }

    public var nextChoiceIsFresh: Bool { !pruned && position >= prefix.count && position < depth }

    public func pruneHere() { pruned = true }

    /// The choice sequence of the current run.
    public var choices: [Int] { Array(prefix.prefix(position)) }

    /// The share of the search tree explored before the current run, from 0 to 1: each choice point splits its
    /// share evenly among its answers, and the runs go in lexicographic order, so this never decreases.
    public var fractionExplored: Double {
        var fraction = 0.0
        var share = 1.0
        for (choice, count) in zip(prefix, counts) {
            share /= Double(count)
            fraction += Double(choice) * share
        }
        return fraction
    }

    /// Moves to the next sequence; `false` when every sequence has been run.
    public func advance() -> Bool {
        position = 0
        pruned = false
        while let last = prefix.last, let count = counts.last {
            if last + 1 < count {
                prefix[prefix.count - 1] = last + 1
                return true
            }
            prefix.removeLast()
            counts.removeLast()
        }
        return false
    }
}
