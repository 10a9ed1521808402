import CCAPlatform

/// Chooses which CPU takes the next step at each scheduling point of a run.
///
/// `current` is the CPU that reached the point, when it could go on (`nil` when it waits or has finished);
/// `runnable` lists, ascending, every CPU that could take a step (including `current`). Switching away from a
/// runnable `current` is a preemption. Every strategy records the choices it made where it had more than one
/// CPU to choose from: that list, the run's schedule, replays the run exactly.
protocol InterleavingStrategy: AnyObject {
    func startRun()
    func choose(current: Int?, runnable: [Int]) -> Int?
    /// The choices of the current run, one per scheduling point that had more than one runnable CPU.
    var schedule: [Int] { get }
}

extension InterleavingStrategy {
    /// The order a run tries CPUs in at a decision: the current CPU first (no preemption), then the rest.
    static func order(current: Int?, runnable: [Int]) -> [Int] {
        guard let current, runnable.contains(current) else { return runnable }
        return [current] + runnable.filter { $0 != current }
    }
}

/// Every schedule with at most `preemptionBound` preemptions, each exactly once, by depth-first search over the
/// decisions (CHESS's preemption bounding): a run replays the current prefix, then lets the current CPU go on
/// wherever it can; `advance()` moves to the next schedule in lexicographic order.
final class BoundedExhaustiveStrategy: InterleavingStrategy {
    let preemptionBound: Int
    private var prefix: [Int] = []
    private var frames: [Frame] = []
    private var preemptions = 0
    /// The decision at which a replayed prefix met a CPU it could not run.
    private(set) var divergedAt: Int?

    private struct Frame {
        var order: [Int]
        var position: Int
        /// Whether the CPU at the point could have gone on (then every other choice is a preemption).
        var currentRunnable: Bool
        var preemptionsBefore: Int
    }

    init(preemptionBound: Int) { self.preemptionBound = preemptionBound }

    func startRun() {
        frames = []
        preemptions = 0
        divergedAt = nil
    }

    func choose(current: Int?, runnable: [Int]) -> Int? {
        guard runnable.count > 1 else { return runnable.first }
        let order = Self.order(current: current, runnable: runnable)
        let currentRunnable = current.map { runnable.contains($0) } ?? false
        var position = 0
        if frames.count < prefix.count {
            guard let index = order.firstIndex(of: prefix[frames.count]) else {
                divergedAt = frames.count
                return nil
            }
            position = index
        }
        frames.append(
            Frame(order: order, position: position, currentRunnable: currentRunnable, preemptionsBefore: preemptions))
        if currentRunnable && position != 0 { preemptions += 1 }
        return order[position]
    }

    var schedule: [Int] { frames.map { $0.order[$0.position] } }

    /// Moves to the next schedule within the bound; `false` once every one has run.
    func advance() -> Bool {
        while let frame = frames.popLast() {
            var next = frame.position + 1
            if frame.currentRunnable && frame.preemptionsBefore + 1 > preemptionBound { next = frame.order.count }
            if next < frame.order.count {
                prefix = frames.map { $0.order[$0.position] } + [frame.order[next]]
                return true
            }
        }
        return false
    }

    /// How much of the search space lies behind the current schedule, in [0, 1]: each decision weighs its share
    /// of its parent's, so the figure only grows as the search goes on.
    var progress: Double {
        var done = 0.0
        var weight = 1.0
        for frame in frames {
            let options = Double(frame.order.count)
            done += weight * Double(frame.position) / options
            weight /= options
        }
        return done
    }
}

/// Probabilistic concurrency testing (Burckhardt et al., PCT): each CPU gets a random distinct priority, and at
/// `depth - 1` random steps the running CPU's priority drops below all others; the highest-priority runnable CPU
/// always runs. A bug of depth `depth` in a run of `steps` steps is found with probability at least
/// 1 / (cpus * steps^(depth - 1)) per run. Run `n` of a seed is reproducible from (seed, n), and its schedule
/// replays it.
final class PCTStrategy: InterleavingStrategy {
    let cpus: Int
    let depth: Int
    let expectedSteps: Int
    private var random: SplitMix64
    private var priorities: [Int] = []
    private var changePoints: [Int] = []
    private var step = 0
    private var choices: [Int] = []

    init(seed: UInt64, cpus: Int, depth: Int, expectedSteps: Int) {
        self.cpus = cpus
        self.depth = max(1, depth)
        self.expectedSteps = max(1, expectedSteps)
        random = SplitMix64(seed: seed)
    }

    func startRun() {
        // Priorities depth ... depth + cpus - 1, shuffled; change points lower a CPU to 0 ... depth - 2.
        var order = Array(0..<cpus)
        for i in stride(from: cpus - 1, to: 0, by: -1) {
            order.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        priorities = Array(repeating: 0, count: cpus)
        for (rank, cpu) in order.enumerated() { priorities[cpu] = depth + rank }
        changePoints = (0..<(depth - 1)).map { _ in 1 + Int(random.next() % UInt64(expectedSteps)) }
        step = 0
        choices = []
    }

    func choose(current: Int?, runnable: [Int]) -> Int? {
        step += 1
        if let current, let change = changePoints.firstIndex(of: step) { priorities[current] = change }
        guard runnable.count > 1 else { return runnable.first }
        let chosen = runnable.max { priorities[$0] < priorities[$1] }!
        choices.append(chosen)
        return chosen
    }

    var schedule: [Int] { choices }
}

/// Replays a schedule: its choices in order, then the current CPU wherever it can go on.
final class ReplayStrategy: InterleavingStrategy {
    let choices: [Int]
    private var made: [Int] = []
    private(set) var divergedAt: Int?

    init(_ choices: [Int]) { self.choices = choices }

    func startRun() {
        made = []
        divergedAt = nil
    }

    func choose(current: Int?, runnable: [Int]) -> Int? {
        guard runnable.count > 1 else { return runnable.first }
        let chosen: Int
        if made.count < choices.count {
            guard runnable.contains(choices[made.count]) else {
                divergedAt = made.count
                return nil
            }
            chosen = choices[made.count]
        } else {
            chosen = Self.order(current: current, runnable: runnable)[0]
        }
        made.append(chosen)
        return chosen
    }

    var schedule: [Int] { made }
}
