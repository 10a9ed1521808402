import Verification

/// The summary `rmm check host` prints above a helper's counterexamples: what was explored, under which budgets
/// (by the names of their options), the SMC bound and where it comes from, and what the search cost.
enum HostExplorationSummary {
    /// The lines of the summary, unindented first line then two-space indented facts.
    static func lines(_ report: ExplorationReport) -> [String] {
        let bounds = report.bounds
        let search =
            switch report.mode.search {
            case .exhaustive(let memoise): memoise ? "every schedule (memoised)" : "every schedule"
            case .random(let seed, let schedules): "\(schedules) random schedules (seed \(seed))"
            }
        let answers =
            report.mode.answers == .specCompliant
            ? "answers the specification allows" : "answers the specification allows and forbids (--forbidden)"
        var lines = [
            "helper \(report.helper.rawValue) (\(helperDescription(report.helper, granules: bounds.granules)))",
            "  explored: \(search), up to \(bounds.choiceDepth) chosen answers each (--depth), \(answers)",
            "  budgets: --busy-retries \(bounds.attemptBudget - 1), --blocked-retries "
                + "\(bounds.blockedAttemptBudget - 1), --continuations \(bounds.continuationBudget)"
                + (report.helper.isLinuxV14 ? " (the Linux loop has none of its own)" : ""),
            "  SMC bound \(report.smcBound): \(smcBoundExplanation(report.helper, bounds: bounds))",
        ]
        let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
        var cost = "  ran \(report.schedulesRun) schedules"
        if report.schedulesPruned > 0 || report.distinctChoicePoints > 0 {
            cost +=
                " (\(report.schedulesPruned) cut short at a choice point explored before; "
                + "\(report.distinctChoicePoints) distinct choice points)"
        }
        cost += ", \(report.smcsAnswered) SMCs, in \(String(format2: seconds)) s"
        lines.append(cost)
        lines.append(
            report.violations.isEmpty
                ? "  result: no violation"
                : "  result: \(report.violations.count) kind\(report.violations.count == 1 ? "" : "s") of violation")
        return lines
    }

    /// What the helper does to the range, in a few words.
    static func helperDescription(_ helper: HostHelper, granules: Int) -> String {
        let range = "a \(granules)-granule range"
        return switch helper {
        case .delegate: "HostRMI.delegate of \(range) that starts Non-secure"
        case .undelegate: "HostRMI.undelegate of \(range) that starts delegated"
        case .rollback: "HostRMI.delegate of \(range), then HostRMI.rollback of whatever it delegated"
        case .statefulOperation: "HostRMI.execute driving a memory-transferring stateful operation to its end"
        case .trackingSet:
            "HostRMI.execute driving RMI_GRANULE_TRACKING_SET to FINE, its metadata donated as one DELEGATED run"
        case .linuxV14Delegate: "the Linux v14 rmi_delegate_range loop over \(range) that starts Non-secure"
        case .linuxV14Undelegate: "the Linux v14 rmi_undelegate_range loop over \(range) that starts delegated"
        }
    }

    /// Where the SMC bound comes from, in one line.
    static func smcBoundExplanation(_ helper: HostHelper, bounds: ExplorationBounds) -> String {
        let attempts = bounds.attemptBudget
        let continuations = bounds.continuationBudget
        let range =
            "each RMI_SUCCESS moves at least one of the \(bounds.granules) granules, each step takes at most "
            + "\(attempts) SMCs (1 + --busy-retries), and an RMI_INCOMPLETE adds at most \(continuations) "
            + "continuation steps and one cancel step"
        return switch helper {
        case .delegate, .undelegate, .linuxV14Delegate, .linuxV14Undelegate:
            "\(bounds.granules) x \(attempts) x (\(continuations) + 2): \(range)"
        case .rollback:
            "2 x \(bounds.granules) x \(attempts) x (\(continuations) + 2), a delegation and a rollback of at most "
                + "the same range: \(range)"
        case .statefulOperation, .trackingSet:
            "\(attempts) SMCs to start, at most \(continuations) operation steps of \(attempts) SMCs each plus "
                + "the one-granule range calls that feed donations and take back reclaims, and \(attempts) to cancel"
        }
    }
}
