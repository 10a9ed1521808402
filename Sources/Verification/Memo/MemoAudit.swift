import CCAArch

/// Checks the memo's key against the search it would cut, on small bounds: explores every schedule without the
/// memo and groups the paths that reach each choice point by the point's key. The memo is sound on these bounds when
/// all paths with one key have the same subtree below them: the same runs from that point on (every SMC with its
/// answer, and the end-of-run violations). A key with two different subtrees is a cut the memo would make wrongly:
/// which path reached it first would change what is explored below it.
struct MemoAudit {
    /// Distinct keys of choice points, over all passes.
    var keys = 0
    /// Keys reached by more than one path.
    var sharedKeys = 0
    /// Keys reached by paths whose subtrees differ.
    var unsoundKeys = 0

    /// Audits `helper`'s key within `bounds`, every pass of the iterative deepening (`key` replaces the memo's
    /// key, to show that the audit catches one that leaves something out).
    static func run(
        helper: HostHelper, bounds: ExplorationBounds, answers: AnswerRules,
        key: ((AdversarialRMM, SMCArguments) -> Fingerprint)? = nil
    ) -> MemoAudit {
        var audit = MemoAudit()
        for depth in 0...bounds.choiceDepth {
            // Per key, per path reaching it: the runs below and an order-free sum of their digests.
            var subtrees: [Fingerprint: [Int: (runs: Int, digest: Int)]] = [:]
            let scheduler = ExhaustiveScheduler(depth: depth)
            repeat {
                _ = Explorer.runOnce(
                    helper: helper, bounds: bounds, rules: answers, scheduler: scheduler, memo: nil,
                    audit: { rmm, endOfRun in
                        let steps = unsafe rmm.steps
                        for (key, smcsBefore) in rmm.keyLog ?? [] {
                            var path = Hasher()
                            for step in steps[..<smcsBefore] { path.combine(step) }
                            var future = Hasher()
                            for step in steps[smcsBefore...] { future.combine(step) }
                            for violation in endOfRun { future.combine(violation.key) }
                            let pathDigest = path.finalize()
                            let known = subtrees[key, default: [:]][pathDigest, default: (0, 0)]
                            subtrees[key, default: [:]][pathDigest] = (
                                known.runs + 1, known.digest &+ future.finalize()
                            )
                        }
                    }, auditKey: key)
            } while scheduler.advance()
            for paths in subtrees.values {
                audit.keys += 1
                guard paths.count > 1, let first = paths.values.first else { continue }
                audit.sharedKeys += 1
                if paths.values.contains(where: { $0.runs != first.runs || $0.digest != first.digest }) {
                    audit.unsoundKeys += 1
                }
            }
        }
        return audit
    }
}
