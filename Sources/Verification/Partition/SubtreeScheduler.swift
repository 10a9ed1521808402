/// Enumerates every choice sequence that starts with `root`, up to `depth` choice points, by depth-first search:
/// one subtree of the schedule tree, the unit of work of a partitioned exploration.
///
/// Like `ExhaustiveScheduler`, but `advance()` never backtracks into `root`: each run replays the root, then the
/// current suffix, then takes answer 0 at every fresh choice point.
final class SubtreeScheduler: Scheduler {
    let depth: Int
    let root: [Int]
    // One thread runs a subtree: no dynamic exclusivity checks on the state every choice touches.
    @exclusivity(unchecked) private var prefix: [Int]
    @exclusivity(unchecked) private var counts: [Int] = []
    @exclusivity(unchecked) private var position = 0
    @exclusivity(unchecked) private var _pruned = false
    /// Whether the current run was pruned.
    var pruned: Bool { unsafe _pruned }
    /// The current run's number in this subtree, from 0: with the subtree's number, it orders runs the way a
    /// depth-first search of the whole tree meets them.
    private(set) var runIndex = 0

    init(depth: Int, root: [Int]) {
        precondition(root.count <= depth, "a subtree's root cannot be deeper than the search")
        self.depth = depth
        self.root = root
        unsafe prefix = root
    }

    func choose(among count: Int) -> Int? {
        guard unsafe !_pruned, unsafe position < depth else { return nil }
        defer { unsafe position += 1 }
        if unsafe position < prefix.count {
            if unsafe position < counts.count {
                unsafe precondition(
                    counts[position] == count, "replay diverged: the run under test is not deterministic")
            } else {
                unsafe counts.append(count)
            }
            return unsafe prefix[position]
        }
        unsafe prefix.append(0)
        unsafe counts.append(count)
        return 0
    }

    var nextChoiceIsFresh: Bool { unsafe !_pruned && position >= prefix.count && position < depth }

    func pruneHere() { unsafe _pruned = true }

    /// The choice sequence of the current run.
    var choices: [Int] { unsafe Array(prefix.prefix(position)) }

    /// Moves to the next sequence of the subtree; `false` when the subtree is done.
    func advance() -> Bool {
        unsafe position = 0
        unsafe _pruned = false
        while unsafe prefix.count > root.count, let last = unsafe prefix.last, let count = unsafe counts.last {
            if last + 1 < count {
                unsafe prefix[prefix.count - 1] = last + 1
                runIndex += 1
                return true
            }
            unsafe prefix.removeLast()
            unsafe counts.removeLast()
        }
        return false
    }
}
