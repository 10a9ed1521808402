public import CCAArch
public import RMIHost

/// The host helper an exploration runs against the adversary.
public enum HostHelper: String, CaseIterable, Hashable, Sendable {
    /// `HostRMI.delegate(base:size:)` of the whole range (initially Non-secure).
    case delegate
    /// `HostRMI.undelegate(base:size:onFailure: .leak)` of the whole range (initially delegated).
    case undelegate
    /// `HostRMI.delegate(base:size:)`, then `HostRMI.rollback(_:)` of its outcome: the review's half-delegated range.
    case rollback
    /// `HostRMI.execute(_:transfersMemory: true)` of a memory-transferring command: the generic SRO driver,
    /// donations (delegating the memory first when asked), reclaims and cancellation included.
    case statefulOperation = "sro"
    /// `HostRMI.execute(_:transfersMemory: true)` of RMI_GRANULE_TRACKING_SET to FINE with host-supplied tracking
    /// metadata (bet3.md section 3): the same driver, asked for one contiguous, naturally aligned run of DELEGATED
    /// granules, and handing it back by reclaim when the operation fails or is cancelled.
    case trackingSet = "tracking-set"
    /// `LinuxV14Host.delegateRange(phys:size:)`.
    case linuxV14Delegate = "linux-v14-delegate"
    /// `LinuxV14Host.undelegateRange(phys:size:)`.
    case linuxV14Undelegate = "linux-v14-undelegate"

    /// Whether this is the Linux v14 reference loop rather than RMIHost.
    public var isLinuxV14: Bool { self == .linuxV14Delegate || self == .linuxV14Undelegate }

    /// Whether the helper drives a memory-transferring stateful operation (in the spare memory, not the range).
    var drivesOperation: Bool { self == .statefulOperation || self == .trackingSet }

    /// Whether the range starts delegated (the helper undelegates it).
    var startsDelegated: Bool { self == .undelegate || self == .linuxV14Undelegate }
}

/// What the exploration's stateful operation initiates: REC_CREATE, a memory-transferring command (sro.md
/// section 2). The adversary answers it as an abstract operation that may ask for memory, hand it back, and be
/// cancelled; nothing REC-specific is modelled.
public enum ExplorationTarget {
    public static let transferCommand = FunctionID.recCreate
    /// What the `tracking-set` helper initiates: RMI_GRANULE_TRACKING_SET(trackingRegion, CONVENTIONAL, FINE),
    /// answered as the same abstract operation, its donations contiguous and DELEGATED.
    public static let trackingCommand = FunctionID.granuleTrackingSet
    /// The region the `tracking-set` helper makes FINE (only its address is passed; the adversary models no region).
    public static let trackingRegion: UInt64 = 0x4000_0000
}

/// How far an exploration goes, and the budgets of the host under test.
///
/// Small budgets on purpose: the point is the loop logic, and every retry a budget allows is another level of the
/// search tree.
public struct ExplorationBounds: Hashable, Sendable {
    /// Granules in the range under test.
    public var granules: Int
    /// Choice points per schedule (the adversary answers stationarily after them).
    public var choiceDepth: Int
    /// `RetryPolicy.attemptBudget` (A).
    public var attemptBudget: Int
    /// `RetryPolicy.blockedAttemptBudget` (B).
    public var blockedAttemptBudget: Int
    /// `RetryPolicy.continuationBudget` (C).
    public var continuationBudget: Int
    /// Spare granules for the host's allocator (donations and the list page).
    public var spareGranules: Int

    public init(
        granules: Int = 4, choiceDepth: Int = 6, attemptBudget: Int = 3, blockedAttemptBudget: Int = 2,
        continuationBudget: Int = 4, spareGranules: Int = 4
    ) {
        precondition(granules >= 1 && choiceDepth >= 0 && spareGranules >= 1, "bounds out of range")
        self.granules = granules
        self.choiceDepth = choiceDepth
        self.attemptBudget = attemptBudget
        self.blockedAttemptBudget = blockedAttemptBudget
        self.continuationBudget = continuationBudget
        self.spareGranules = spareGranules
    }

    /// The host's retry policy (yield does nothing: the explorer runs on one thread).
    public var retryPolicy: RetryPolicy {
        RetryPolicy(
            attemptBudget: attemptBudget, blockedAttemptBudget: blockedAttemptBudget, spinsBeforeYield: 0,
            continuationBudget: continuationBudget, yield: {})
    }

    /// Most granules one donation request of the adversary asks for (R).
    static let largestDonation = 2

    /// SMCs one range call of `n` granules may issue: `n * A * (C + 2)`.
    ///
    /// Each SUCCESS must advance at least one granule, so the loop makes at most `n` iterations (the last may be
    /// the failing one). An iteration is one step of at most A SMCs, and, if the answer is RMI_INCOMPLETE, at most
    /// C operation steps of at most A SMCs each, plus one RMI_OP_CANCEL step of at most A SMCs.
    public func rangeBound(granules n: Int) -> Int { n * attemptBudget * (continuationBudget + 2) }

    /// The SMC bound the explorer holds `helper` to, derived from the budgets and the range size.
    ///
    /// - delegate, undelegate, and the Linux loops: `rangeBound(n) = n * A * (C + 2)`.
    /// - rollback: a delegation and an undelegation of at most the same range, `2 * n * A * (C + 2)`.
    /// - sro: `A + C * (A + max(2R, P) * rangeBound(1)) + A`: the initiating step; at most C operation steps, each
    ///   one SMC step plus, for a donation, delegating up to R offered granules and undelegating up to R
    ///   (rolled back, or not consumed), or, for a reclaim, undelegating up to P handed-back granules (each a
    ///   one-granule range call); and one RMI_OP_CANCEL step. R = 2 (largest request), P = spare granules.
    public func smcBound(for helper: HostHelper) -> Int {
        let a = attemptBudget
        let c = continuationBudget
        switch helper {
        case .delegate, .undelegate, .linuxV14Delegate, .linuxV14Undelegate: return rangeBound(granules: granules)
        case .rollback: return 2 * rangeBound(granules: granules)
        case .statefulOperation, .trackingSet:
            let perStep = a + Swift.max(2 * Self.largestDonation, spareGranules) * rangeBound(granules: 1)
            return a + c * perStep + a
        }
    }

    /// e.g. `4 granules, 6 choices, A=3 B=2 C=4, 4 spare granules`.
    public var description: String {
        "\(granules) granules, \(choiceDepth) choices, A=\(attemptBudget) B=\(blockedAttemptBudget) "
            + "C=\(continuationBudget), \(spareGranules) spare granules"
    }
}

/// How schedules are chosen, and which answers are allowed.
public struct ExplorationMode: Hashable, Sendable {
    /// The search strategy.
    public enum Search: Hashable, Sendable {
        /// Every choice sequence up to the depth bound, by depth-first search. With `memoise`, a choice point
        /// equivalent to one explored before is cut (see `Explorer`).
        case exhaustive(memoise: Bool)
        /// `schedules` runs with choices drawn from SplitMix64 seeded with `seed`.
        case random(seed: UInt64, schedules: Int)
    }

    public var search: Search
    public var answers: AnswerRules

    public init(search: Search = .exhaustive(memoise: false), answers: AnswerRules = .specCompliant) {
        self.search = search
        self.answers = answers
    }
}

/// A property a run broke.
public struct Violation: Sendable, CustomStringConvertible {
    /// Which check failed.
    public enum Kind: String, CaseIterable, Hashable, Sendable, Comparable {
        /// (a) The helper issued more SMCs than the stated bound (for the Linux loop: it would not return).
        case smcBoundExceeded = "smc-bound-exceeded"
        /// (b) The progress the helper reports is not the prefix the adversary actually moved (or cannot be known).
        case progressMismatch = "progress-mismatch"
        /// (c) A call named memory outside the helper's range.
        case outsideRange = "outside-range"
        /// (d) The leak ledger is not exactly the set of granules that failed to come back.
        case leakMismatch = "leak-mismatch"
        /// A call the SRO protocol forbids at that point.
        case protocolMisuse = "protocol-misuse"
        /// The helper reported a stateful operation's end that is not what the RMM did.
        case operationMisreported = "operation-misreported"
        /// C host code crashed: a signal (SIGABRT, SIGFPE, SIGILL, SIGTRAP) or a BUG_ON.
        case crash
        /// C host code accessed memory the host may not access (a granule not Non-secure): a granule protection
        /// fault, as a kernel oops would report it.
        case granuleProtectionFault = "granule-protection-fault"

        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// A kind and a cause: what the report keeps one shortest schedule for.
    public struct Key: Hashable, Sendable, Comparable {
        public let kind: Kind
        public let cause: String

        public static func < (lhs: Key, rhs: Key) -> Bool { (lhs.kind, lhs.cause) < (rhs.kind, rhs.cause) }
    }

    public let kind: Kind
    /// The kind and cause.
    public var key: Key { Key(kind: kind, cause: cause) }
    /// What exactly went wrong.
    public let detail: String
    /// Every SMC of the run, as answered.
    public let schedule: [ScheduleStep]

    /// What distinguishes violations of one kind: for an exceeded SMC bound, the answer the run ended up repeating
    /// (`RMI_BUSY`, `RMI_BLOCKED`, `RMI_SUCCESS with out_top == base`, ...), so that each way of never returning is
    /// reported with its own shortest schedule; empty for the other kinds.
    public var cause: String {
        if kind == .crash || kind == .granuleProtectionFault { return detail }
        guard kind == .smcBoundExceeded, let last = schedule.last else { return "" }
        if case .progress(let outTop) = last.answer, outTop == last.arguments.x1 {
            return "RMI_SUCCESS with out_top == base"
        }
        if case .refuse(let status) = last.answer { return "\(status.name)" }
        if case .incomplete = last.answer { return "RMI_INCOMPLETE" }
        return "\(last.answer)"
    }

    /// Answers the scheduler chose: the schedule's length.
    public var choiceCount: Int { schedule.count { $0.chosen } }

    /// The violation and its schedule, one SMC per line; the stationary tail after the last choice is shortened.
    public var description: String {
        let title = cause.isEmpty ? kind.rawValue : "\(kind.rawValue) (\(cause))"
        var lines = ["\(title): \(detail)", "  schedule (\(choiceCount) chosen answers, \(schedule.count) SMCs):"]
        let lastChoice = schedule.lastIndex { $0.chosen } ?? -1
        let shown = Swift.min(schedule.count, Swift.max(lastChoice + 1, 0) + 3)
        for (index, step) in schedule.prefix(shown).enumerated() { lines.append("  \(index + 1). \(step)") }
        if shown < schedule.count { lines.append("  ... \(schedule.count - shown) more SMCs answered the same way") }
        return lines.joined(separator: "\n")
    }
}

/// A progress report during an exploration.
public struct ExplorationProgress: Sendable {
    /// The share of the whole exploration done, from 0 to 1; it never decreases from one report to the next.
    public let fractionDone: Double
    public let schedulesRun: Int
    public let violations: Int
    public let elapsed: Duration
}

/// How far an exploration is, as `ExplorationProgress.fractionDone` counts it (`Explorer.run` says why): pass d of
/// the iterative deepening weighs 2^d and is done as far as its scheduler says; a random search is one pass.
struct ExplorationShare {
    private let totalWeight: Double
    private var passesDone = 0.0
    private var passWeight = 1.0
    private var withinPass: () -> Double = { 0 }

    init(_ search: ExplorationMode.Search, choiceDepth: Int) {
        totalWeight =
            switch search {
            case .exhaustive: Double((1 << UInt64(choiceDepth + 1)) - 1)
            case .random: 1
            }
    }

    /// Starts the pass at `depth` (0 for a random search's one pass); `withinPass` tells how far into it the search is.
    mutating func startPass(depth: Int, withinPass: @escaping () -> Double) {
        passWeight = Double(UInt64(1) << UInt64(depth))
        self.withinPass = withinPass
    }

    /// Ends the current pass: its whole weight is done.
    mutating func endPass() { passesDone += passWeight }

    /// The share done, from 0 to 1.
    var fractionDone: Double { Swift.min(1, (passesDone + passWeight * withinPass()) / totalWeight) }
}

/// What an exploration found.
public struct ExplorationReport: Sendable, CustomStringConvertible {
    public let helper: HostHelper
    public let bounds: ExplorationBounds
    public let mode: ExplorationMode
    /// The SMC bound the helper was held to.
    public let smcBound: Int
    /// Runs executed (for exhaustive search: at every depth of the iterative deepening, 0 to the depth bound).
    public let schedulesRun: Int
    /// Runs cut at an already explored choice point (memoisation only).
    public let schedulesPruned: Int
    /// Distinct choice points recorded (memoisation only; 0 otherwise).
    public let distinctChoicePoints: Int
    /// SMCs the adversary answered, over all runs.
    public let smcsAnswered: Int
    public let elapsed: Duration
    /// The shortest violating schedule found for each kind (and cause) of violation, sorted.
    public let violations: [Violation]
    /// How many runs showed each kind and cause (for exhaustive search: at the full depth).
    public let violatingRuns: [Violation.Key: Int]

    /// Whether no run broke any property.
    public var isClean: Bool { violations.isEmpty }

    /// Runs per second of wall-clock time.
    public var schedulesPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(schedulesRun) / seconds : 0
    }

    /// A summary line per fact, then each violation with its shortest schedule.
    public var description: String {
        let search =
            switch mode.search {
            case .exhaustive(let memoise): memoise ? "exhaustive, memoised" : "exhaustive"
            case .random(let seed, let schedules): "random (seed \(seed), \(schedules) schedules)"
            }
        var lines = [
            "helper \(helper.rawValue): \(search), \(mode.answers), \(bounds.description)",
            "SMC bound \(smcBound); \(schedulesRun) schedules (\(schedulesPruned) pruned, \(distinctChoicePoints) "
                + "distinct choice points), \(smcsAnswered) SMCs in \(elapsed), "
                + "\(Int(schedulesPerSecond)) schedules/s",
            violations.isEmpty ? "no violation" : "\(violations.count) kinds of violation",
        ]
        for violation in violations {
            lines.append("[\(violatingRuns[violation.key] ?? 0) runs] " + violation.description)
        }
        return lines.joined(separator: "\n")
    }
}
