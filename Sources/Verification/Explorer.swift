import CCAArch
import RMIHost

/// Runs a host helper against every schedule of the adversarial RMM (or a random sample) and checks each run:
///
/// - (a) the helper returns within `ExplorationBounds.smcBound(for:)` SMCs;
/// - (b) the progress it reports (`RangeOutcome.top`) is exactly the prefix the adversary moved from base, and
///   nothing after it moved; a helper that reports only a status (the Linux loop) is read the only way a caller
///   can read it, all or nothing, and fails this check whenever a failure leaves a moved prefix behind;
/// - (c) no call named memory outside the helper's region;
/// - (d) the leak ledger holds exactly the granules that failed to come back (undelegation, rollback), and for
///   the SRO driver every spare granule is accounted for: free and Non-secure, held by the RMM, or leaked;
/// - the SRO protocol was followed (no cancel when not cancellable, no OP_* the operation does not wait for), and
///   a stateful operation reported complete really is.
///
/// The shortest violating schedule of each kind is kept. Exhaustive search explores every schedule, so "shortest"
/// is exact (fewest chosen answers, then fewest SMCs).
///
/// Memoisation (`ExplorationMode.Search.exhaustive(memoise: true)`) cuts a choice point whose key was seen
/// before. The key is the adversary's whole state (granules, pending operation with its step count), the SMC index,
/// the SMC's arguments, the calls since the model state last changed with their answers, what the SRO driver
/// keeps of the memory-transferring operation's calls (`TransferConversation`), the choices made so far, and a
/// digest of the host's own state (leak ledger, delegation record, allocator free map). The argument: the host is
/// deterministic, and each helper's local state is a function of that key. The cursor is in the arguments (or in
/// the pending range operation); the retry counters of the current step, and the continuation steps of the
/// current operation, count answers that changed nothing since the last change (or are in the pending operation);
/// the SRO driver's own loop (the answer it serves, the donation or reclaim answer it is still acting on while it
/// gives memory back, its count of RMI_INCOMPLETE answers, whether it cancelled) is the transfer conversation;
/// the SMC count is in the key; the ledger, record and allocator are digested. The adversary's own future is a
/// function of the key too: its answers depend on its state and the call, and its stationary tail remembers, of
/// the time before it began, only the calls since the last change (see `AdversarialRMM`). With the same key, the
/// futures are identical, so the subtree's end-of-run checks give the same results; checks on the past (outside
/// touches, protocol misuses, and the delegation half of a rollback) are kept even from cut runs. Choices made so
/// far are in the key, so the cut subtree's schedules have the same lengths: shortest stays exact. The argument
/// rests on a property of the helpers, not of the explorer, which is why memoisation is an option, the tests check
/// that both searches report the same violations, and `MemoAudit` checks on small bounds that every path to a key
/// has the same subtree below it.
public enum Explorer {
    /// Explores `helper` within `bounds`; `progress` is called every 4096 runs.
    ///
    /// The share done is counted in explored subtrees: within one pass of the iterative deepening, the runs go in
    /// lexicographic order and each choice point splits its subtree's share evenly among its answers. Each deeper
    /// pass is taken to cost as much as all shallower ones together (pass d weighs 2^d), so the share rises
    /// monotonically across passes.
    public static func run(
        helper: HostHelper, bounds: ExplorationBounds, mode: ExplorationMode = ExplorationMode(),
        progress: ((ExplorationProgress) -> Void)? = nil
    ) -> ExplorationReport {
        let clock = ContinuousClock()
        let start = clock.now
        var collector = Collector()
        var runs = 0
        var pruned = 0
        var smcs = 0
        var memoCount = 0
        var share = ExplorationShare(mode.search, choiceDepth: bounds.choiceDepth)
        func record(_ result: RunResult) {
            runs += 1
            if result.pruned { pruned += 1 }
            smcs += result.smcs
            for violation in result.violations { collector.add(violation) }
            if runs % 4096 == 0, let progress {
                progress(
                    ExplorationProgress(
                        fractionDone: share.fractionDone, schedulesRun: runs, violations: collector.shortest.count,
                        elapsed: clock.now - start))
            }
        }
        switch mode.search {
        case .exhaustive(let memoise):
            // Iterative deepening: the first depth at which a kind of violation shows is its shortest schedule.
            // Deeper levels cannot shorten it (a run with fewer choice points than the depth is the same run at
            // every larger depth), so only the full-depth level's run counts are reported.
            for depth in 0...bounds.choiceDepth {
                let scheduler = ExhaustiveScheduler(depth: depth)
                let memo = memoise ? NodeMemo() : nil
                collector.runs = [:]
                share.startPass(depth: depth) { scheduler.fractionExplored }
                repeat {
                    record(
                        runOnce(helper: helper, bounds: bounds, rules: mode.answers, scheduler: scheduler, memo: memo))
                } while scheduler.advance()
                share.endPass()
                memoCount += memo?.count ?? 0
            }
        case .random(let seed, let schedules):
            let scheduler = RandomScheduler(seed: seed, depth: bounds.choiceDepth)
            share.startPass(depth: 0) { Double(runs) / Double(Swift.max(schedules, 1)) }
            for _ in 0..<schedules {
                scheduler.startRun()
                record(runOnce(helper: helper, bounds: bounds, rules: mode.answers, scheduler: scheduler, memo: nil))
            }
        }
        return ExplorationReport(
            helper: helper, bounds: bounds, mode: mode, smcBound: bounds.smcBound(for: helper), schedulesRun: runs,
            schedulesPruned: pruned, distinctChoicePoints: memoCount, smcsAnswered: smcs,
            elapsed: clock.now - start,
            violations: collector.shortest.values.sorted { $0.key < $1.key }, violatingRuns: collector.runs)
    }

    /// Keeps the shortest violation of each kind.
    struct Collector {
        var shortest: [Violation.Key: Violation] = [:]
        var runs: [Violation.Key: Int] = [:]

        mutating func add(_ violation: Violation) {
            let key = violation.key
            runs[key, default: 0] += 1
            if let known = shortest[key],
                (known.choiceCount, known.schedule.count) <= (violation.choiceCount, violation.schedule.count)
            {
                return
            }
            shortest[key] = violation
        }
    }

    struct RunResult {
        var violations: [Violation]
        var pruned: Bool
        var smcs: Int
    }

    /// One run: a fresh model and host, the helper, the checks. `audit`, when given, gets the run's model (with its
    /// log of choice-point keys, made with `auditKey` if given) and its end-of-run violations.
    static func runOnce(
        helper: HostHelper, bounds: ExplorationBounds, rules: AnswerRules, scheduler: any Scheduler,
        memo: NodeMemo?, audit: ((AdversarialRMM, [Violation]) -> Void)? = nil,
        auditKey: ((AdversarialRMM, SMCArguments) -> Fingerprint)? = nil
    ) -> RunResult {
        let layout = ModelLayout(rangeGranules: bounds.granules, spareGranules: bounds.spareGranules)
        let memory = ModelMemory()
        let rmm = AdversarialRMM(
            layout: layout, rules: rules, allowedRegion: helper.drivesOperation ? .spare : .range,
            scheduler: scheduler, memory: memory, rangeState: helper.startsDelegated ? .delegated : .undelegated,
            contiguousDonations: helper == .trackingSet)
        rmm.memo = memo
        if audit != nil {
            rmm.keyLog = []
            rmm.auditKey = auditKey
        }
        var run = Run(rmm: rmm, layout: layout, bound: bounds.smcBound(for: helper))
        if helper.isLinuxV14 {
            rmm.beginAdversarialPhase()
            run.linux(helper, host: LinuxV14Host(conduit: rmm, smcCap: run.bound + 1))
        } else {
            let host = makeHost(for: rmm, memory: memory, bounds: bounds)
            rmm.beginAdversarialPhase()
            run.rmiHost(helper, host: host)
        }
        if !scheduler.pruned { run.violations += run.endOfRun }
        audit?(rmm, run.endOfRun)
        return unsafe RunResult(violations: run.violations, pruned: scheduler.pruned, smcs: rmm.steps.count)
    }

    /// A host brought up against `rmm`, which then digests the host's state for memoisation.
    ///
    /// The digest captures the host unowned: the host holds the adversary as its conduit, so a strong capture would
    /// be a cycle, and every run's model, host and memory would leak (1 GB for 124,000 runs before it was seen). Not
    /// weak: a weak reference gives the host a side table, which made every retain and release of it slower (2% of
    /// the SRO driver's time). The digest is only asked for during an SMC the host issued, while the host lives.
    static func makeHost(for rmm: AdversarialRMM, memory: ModelMemory, bounds: ExplorationBounds) -> HostRMI {
        let layout = rmm.layout
        let ledger = LeakLedger(granuleSize: layout.granuleSize)
        let allocator = HostPageAllocator(regions: [layout.spare], granuleSize: layout.granuleSize, leakLedger: ledger)
        let host = HostRMI(
            conduit: rmm, memory: memory,
            configuration: HostConfiguration(
                dramRegions: [layout.range, layout.spare], retryPolicy: bounds.retryPolicy),
            allocator: allocator)
        do {
            try host.initialize()
        } catch {
            preconditionFailure("the adversary's bring-up is cooperative, yet bring-up failed: \(error)")
        }
        rmm.hostDigest = { [unowned host] in hostDigest(host, layout: layout) }
        return host
    }

    /// The host state the helpers' futures depend on beyond the SMC arguments.
    static func hostDigest(_ host: HostRMI, layout: ModelLayout) -> [UInt64] {
        var free: UInt64 = 0
        for index in 0..<Swift.min(layout.spareGranules, 64)
        where host.allocator.isFree(PhysicalAddress(layout.address(of: layout.rangeGranules + index))) {
            free |= 1 << UInt64(index)
        }
        let leaked = host.leakLedger.leakedRanges
        let record = host.recordedDelegatedRanges
        // One array, no array per range: this runs at every fresh choice point.
        var digest: [UInt64] = [free, UInt64(2 * leaked.count)]
        digest.reserveCapacity(2 + 2 * (leaked.count + record.count))
        for range in leaked + record {
            digest.append(range.base.rawValue)
            digest.append(range.top.rawValue)
        }
        return digest
    }
}
