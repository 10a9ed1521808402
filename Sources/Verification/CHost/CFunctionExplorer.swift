import CCAArch
import CHostRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an exploration of a C function found.
public struct CExplorationReport: Sendable {
    /// `NAME(base, size)` or `NAME(base, size, &out_top)`.
    public let call: String
    public let shape: CHostFunction.Shape
    public let operation: CHostFunction.Operation
    public let bounds: ExplorationBounds
    public let mode: ExplorationMode
    /// The SMC bound the function was held to (the same as RMIHost's delegate over the same range).
    public let smcBound: Int
    public let schedulesRun: Int
    /// SMCs the adversary answered, over all runs.
    public let smcsAnswered: Int
    public let elapsed: Duration
    /// The shortest violating schedule of each kind (and cause), sorted.
    public let violations: [Violation]
    /// How many runs showed each kind and cause (for exhaustive search: at the full depth).
    public let violatingRuns: [Violation.Key: Int]
    /// Each WARN site (`file:line: text`) and the runs in which it fired, sorted by site.
    public let warnings: [(site: String, runs: Int)]

    /// Whether no run broke any property (WARNs are reported, not violations).
    public var isClean: Bool { violations.isEmpty }

    /// Runs per second of wall-clock time.
    public var schedulesPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(schedulesRun) / seconds : 0
    }
}

/// Runs a C range function (`rmm check host --c-library`) against every schedule of the adversarial RMM, with
/// the checks `Explorer` makes for the Linux loop: termination within the SMC bound, exact progress, no address
/// outside the range, leaks (for the status-only shape, which keeps no ledger a caller could see). Besides, a
/// crash (a signal or BUG_ON) and an access to memory the host may not touch (a granule protection fault) are
/// violations with their schedules, and the exploration goes on after them.
///
/// Each call runs guarded (CHostRuntime): a function that keeps calling the RMM is stopped at the SMC bound, one
/// that loops without calling it is stopped by a watchdog, a crash ends only that call. Memoisation is never
/// used: C code may keep state the explorer cannot see (statics, counters over the whole call), so the argument
/// that makes memoisation sound for RMIHost's helpers does not hold.
///
/// Bad input is thrown, not reported: a function whose shape does not match (it writes through an out_top it was
/// not given, or never writes the one it was given), or that touches memory that is not the host's.
public enum CFunctionExplorer {
    /// The watchdog period: a call that spends one to two periods without calling back is stopped.
    public static let watchdogMilliseconds: UInt32 = 1000
    /// What `*out_top` holds before the call, to tell whether the function wrote it: not granule aligned, so no
    /// correct function leaves it there.
    static let outTopSentinel: UInt64 = 0x0BAD_0BAD_0BAD_0BAD

    /// Explores `function` within `bounds`; `progress` is called every 4096 runs.
    public static func run(
        _ function: CHostFunction, bounds: ExplorationBounds, mode: ExplorationMode = ExplorationMode(),
        progress: ((ExplorationProgress) -> Void)? = nil
    ) throws(CHostError) -> CExplorationReport {
        let clock = ContinuousClock()
        let start = clock.now
        let layout = ModelLayout(rangeGranules: bounds.granules, spareGranules: bounds.spareGranules)
        let context = CHostCallContext(arena: try CHostArena(layout: layout))
        let bound = bounds.rangeBound(granules: bounds.granules)
        context.smcCap = bound + 1
        let status = chr_thread_begin(watchdogMilliseconds)
        guard status == 0 else { throw .runtime(errno: status) }
        defer { chr_thread_end() }

        var collector = Explorer.Collector()
        var warnings: [String: Int] = [:]
        var runs = 0
        var smcs = 0
        var firstRun = true
        var share = ExplorationShare(mode.search, choiceDepth: bounds.choiceDepth)
        func one(_ scheduler: any Scheduler) throws(CHostError) {
            let result = try runOnce(
                function, layout: layout, bound: bound, rules: mode.answers, scheduler: scheduler, context: context,
                firstRun: firstRun)
            firstRun = false
            runs += 1
            smcs += result.smcs
            for violation in result.violations { collector.add(violation) }
            for site in Set(context.warnings) { warnings[site, default: 0] += 1 }
            if runs % 4096 == 0, let progress {
                progress(
                    ExplorationProgress(
                        fractionDone: share.fractionDone,
                        schedulesRun: runs, violations: collector.shortest.count,
                        elapsed: clock.now - start))
            }
        }
        switch mode.search {
        case .exhaustive:
            // Iterative deepening, as Explorer: the first depth that shows a kind of violation gives its shortest
            // schedule; the run counts reported are those of the full depth.
            for depth in 0...bounds.choiceDepth {
                let scheduler = ExhaustiveScheduler(depth: depth)
                collector.runs = [:]
                if depth == bounds.choiceDepth { warnings = [:] }
                share.startPass(depth: depth) { scheduler.fractionExplored }
                repeat { try one(scheduler) } while scheduler.advance()
                share.endPass()
            }
        case .random(let seed, let schedules):
            let scheduler = RandomScheduler(seed: seed, depth: bounds.choiceDepth)
            share.startPass(depth: 0) { Double(runs) / Double(Swift.max(schedules, 1)) }
            for _ in 0..<schedules {
                scheduler.startRun()
                try one(scheduler)
            }
        }
        return CExplorationReport(
            call: function.callDescription, shape: function.shape, operation: function.operation, bounds: bounds,
            mode: mode, smcBound: bound, schedulesRun: runs, smcsAnswered: smcs, elapsed: clock.now - start,
            violations: collector.shortest.values.sorted { $0.key < $1.key }, violatingRuns: collector.runs,
            warnings: warnings.sorted { $0.key < $1.key }.map { (site: $0.key, runs: $0.value) })
    }

    /// One run: a fresh adversary, the guarded call, the checks.
    static func runOnce(
        _ function: CHostFunction, layout: ModelLayout, bound: Int, rules: AnswerRules, scheduler: any Scheduler,
        context: CHostCallContext, firstRun: Bool
    ) throws(CHostError) -> Explorer.RunResult {
        let delegating = function.operation == .delegate
        let rmm = AdversarialRMM(
            layout: layout, rules: rules, allowedRegion: .range, scheduler: scheduler, memory: ModelMemory(),
            rangeState: delegating ? .undelegated : .delegated)
        rmm.beginAdversarialPhase()
        context.rmm = rmm
        context.warnings.removeAll(keepingCapacity: true)
        unsafe context.arena.reset(states: rmm.state.granules)
        defer { context.rmm = nil }

        let base = layout.rangeBase.rawValue
        let size = UInt64(layout.rangeGranules) * layout.granule
        var outTop = outTopSentinel
        var outcome = unsafe chr_outcome()
        var callbacks = unsafe context.callbacks
        let end = unsafe withUnsafeMutablePointer(to: &outTop) { outTopPointer in
            let third =
                unsafe function.shape == .linuxRangeOut
                ? outTopPointer : chr_poison_page().assumingMemoryBound(to: UInt64.self)
            return unsafe chr_call_range(function.pointer.address, &callbacks, base, size, third, &outcome)
        }

        var run = Run(rmm: rmm, layout: layout, bound: bound)
        switch chr_end(rawValue: UInt32(bitPattern: end)) {
        case CHR_RETURNED:
            run.commonChecks(returned: true)
            if function.shape == .linuxRangeOut, outTop == outTopSentinel, firstRun {
                throw .shapeMismatch(
                    symbol: function.symbol,
                    detail: unsafe "given an out_top pointer, it returned \(outcome.ret) without writing *out_top even "
                        + "when the RMM answered every call cooperatively; is it a linux-range function?")
            }
            unsafe run.endOfRun += returnedChecks(function, ret: outcome.ret, outTop: outTop, run: run)
        case CHR_STOPPED:
            run.commonChecks(returned: false)
        case CHR_TIMEOUT:
            unsafe run.violations.append(
                run.violation(
                    .smcBoundExceeded,
                    "\(function.symbol) ran for over \(watchdogMilliseconds) ms without calling the RMM after "
                        + "\(rmm.steps.count) SMC\(rmm.steps.count == 1 ? "" : "s"): it would not return"))
        case CHR_BUG:
            let file = unsafe outcome.file.map { unsafe String(cString: $0) } ?? "?"
            let text = unsafe withUnsafeBytes(of: outcome.text) {
                unsafe String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            run.violations.append(run.violation(.crash, unsafe "\(text) fired at \(file):\(outcome.line)"))
        default:
            unsafe try signalled(function, outcome: outcome, run: &run, context: context)
        }
        for touch in unsafe rmm.outsideTouches.prefix(1)
        where !run.violations.contains(where: { $0.kind == .outsideRange }) {
            run.violations.append(run.violation(.outsideRange, touch))
        }
        return unsafe Explorer.RunResult(
            violations: run.violations + run.endOfRun, pruned: false, smcs: rmm.steps.count)
    }

    /// (b) and (d) for a call that returned.
    private static func returnedChecks(
        _ function: CHostFunction, ret: Int32, outTop: UInt64, run: Run
    ) -> [Violation] {
        let layout = run.layout
        let n = layout.rangeGranules
        let delegating = function.operation == .delegate
        let destination: ModelGranuleState = delegating ? .delegated : .undelegated
        switch function.shape {
        case .linuxRange:
            // Only a status comes back: a caller can read it only as all (0) or nothing (anything else).
            let what = "\(function.symbol) returned \(ret)"
            var found = run.progressCheck(
                reportedGranules: ret == 0 ? n : 0, destination: destination, limit: n,
                claim: "\(what), which its caller reads as")
            if !delegating { found += run.leakCheck(ledger: [], what: "\(what) and keeps no leak ledger") }
            return found
        case .linuxRangeOut:
            let base = layout.rangeBase.rawValue
            let top = layout.rangeTop.rawValue
            guard outTop != outTopSentinel else {
                return [
                    run.violation(
                        .progressMismatch,
                        "\(function.symbol) returned \(ret) without writing *out_top: its caller reads garbage")
                ]
            }
            guard outTop >= base, outTop <= top, (outTop - base) % layout.granule == 0 else {
                return [
                    run.violation(
                        .progressMismatch,
                        "\(function.symbol) returned \(ret) with *out_top = \(run.hex(outTop)), which is not a "
                            + "granule boundary of [\(run.hex(base)), \(run.hex(top)))")
                ]
            }
            return run.progressCheck(
                reportedGranules: Int((outTop - base) / layout.granule), destination: destination, limit: n,
                claim: "\(function.symbol) returned \(ret) with *out_top = \(run.hex(outTop)), which says")
        }
    }

    /// A call that ended in a signal: a granule protection fault, a shape mismatch, an access outside the host's
    /// memory (thrown: bad input), or a crash.
    private static func signalled(
        _ function: CHostFunction, outcome: chr_outcome, run: inout Run, context: CHostCallContext
    ) throws(CHostError) {
        let address = unsafe outcome.fault_address
        let memoryFault = unsafe outcome.signal == SIGSEGV || outcome.signal == SIGBUS
        if memoryFault, let pa = context.arena.physicalAddress(ofFault: address) {
            let state = run.layout.index(of: pa & ~(run.layout.granule - 1)).map { unsafe run.rmm.state.granules[$0] }
            run.violations.append(
                run.violation(
                    .granuleProtectionFault,
                    "\(function.symbol) accessed PA \(run.hex(pa)), a granule the RMM holds "
                        + "(\(state.map { "\($0)" } ?? "not Non-secure")): Unable to handle kernel paging request, "
                        + "granule protection fault at PA \(run.hex(pa))"))
            return
        }
        let poison = unsafe UInt64(UInt(bitPattern: chr_poison_page()))
        if memoryFault, address >= poison, address < poison + 4096 {
            throw .shapeMismatch(
                symbol: function.symbol,
                detail: "it wrote through a third argument, but the shape linux-range has none; "
                    + "use --shape linux-range-out")
        }
        if memoryFault {
            throw unsafe .outsideHostMemory(symbol: function.symbol, address: address, schedule: run.rmm.steps)
        }
        run.violations.append(
            run.violation(.crash, unsafe "\(function.symbol) was killed by \(signalName(outcome.signal))"))
    }

    /// `SIGABRT`, `SIGFPE`, ... for the signals the runtime catches.
    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGABRT: "SIGABRT (abort)"
        case SIGFPE: "SIGFPE (arithmetic fault)"
        case SIGILL: "SIGILL (illegal instruction, e.g. __builtin_trap)"
        case SIGTRAP: "SIGTRAP"
        case SIGSEGV: "SIGSEGV"
        case SIGBUS: "SIGBUS"
        default: "signal \(signal)"
        }
    }
}
