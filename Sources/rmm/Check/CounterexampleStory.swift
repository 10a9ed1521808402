import CCAArch
import Verification

/// A counterexample of `rmm check host` told as a story: each SMC the host issued and the adversary's answer
/// (marked [forbidden] where the specification forbids it, with the reason), the outcome the helper reported, why
/// that breaks a property, and for the Linux loop the defect behind it.
enum CounterexampleStory {
    /// The story's lines, each indented by two spaces; `number` and `of` count the helper's counterexamples.
    static func lines(_ violation: Violation, number: Int, of total: Int, runs: Int, helper: HostHelper) -> [String] {
        let chosen = violation.choiceCount
        let smcs = violation.schedule.count
        var lines = [
            "counterexample \(number) of \(total): \(title(violation)), seen in \(runs) run\(runs == 1 ? "" : "s")",
            "  the shortest schedule has \(chosen) chosen answer\(chosen == 1 ? "" : "s") and \(smcs) "
                + "SMC\(smcs == 1 ? "" : "s"):",
        ]
        var index = 0
        let steps = violation.schedule
        while index < steps.count {
            let step = steps[index]
            var repeats = 0
            while index + repeats + 1 < steps.count, isRepeat(steps[index + repeats + 1], of: step) { repeats += 1 }
            lines.append("  \(index + 1). the host calls \(call(step.arguments))")
            lines.append("     the RMM answers \(step.answer)\(mark(step))\(how(step))")
            if repeats > 0 {
                lines.append(
                    "  \(index + 2)-\(index + 1 + repeats). the host repeats that call \(repeats) more "
                        + "time\(repeats == 1 ? "" : "s") and gets the same answer each time")
            }
            index += 1 + repeats
        }
        lines.append("  outcome: \(violation.detail)")
        lines.append("  why it is a violation: \(reason(violation.kind))")
        if helper.isLinuxV14, let defect = LinuxLoopDefect.sentence(for: violation.key) {
            lines.append("  the loop's defect: \(defect)")
        }
        return lines
    }

    /// The kind, with the repeated answer for an exceeded SMC bound.
    static func title(_ violation: Violation) -> String {
        violation.cause.isEmpty ? violation.kind.rawValue : "\(violation.kind.rawValue) (\(violation.cause))"
    }

    /// A later step that only repeats `step`: same call, same answer, and not a choice of the schedule.
    private static func isRepeat(_ later: ScheduleStep, of step: ScheduleStep) -> Bool {
        !later.chosen && later.arguments == step.arguments && later.answer == step.answer
            && later.forbidden == step.forbidden
    }

    /// `RMI_GRANULE_RANGE_DELEGATE(base 0x80000000, top 0x80004000)`, or the FID and X1, X2 of another call.
    static func call(_ arguments: SMCArguments) -> String {
        let id = FunctionID(dispatching: arguments.x0)
        let name = id.rmiCommand.map { "\($0.name)" } ?? "SMC 0x\(String(arguments.x0, radix: 16))"
        let x1 = "0x" + String(arguments.x1, radix: 16)
        let x2 = "0x" + String(arguments.x2, radix: 16)
        switch id {
        case .granuleRangeDelegate, .granuleRangeUndelegate: return "\(name)(base \(x1), top \(x2))"
        case .opContinue, .opCancel: return "\(name)(handle \(x1))"
        case .opMemDonate, .opMemReclaim: return "\(name)(handle \(x1), list \(x2))"
        default: return "\(name)(\(x1), \(x2))"
        }
    }

    /// ` [forbidden: why]` for an answer the specification forbids, otherwise nothing.
    static func mark(_ step: ScheduleStep) -> String {
        guard step.forbidden else { return "" }
        return "  [forbidden: \(forbiddenReason(step))]"
    }

    /// Why the specification forbids `step`'s answer.
    static func forbiddenReason(_ step: ScheduleStep) -> String {
        let id = FunctionID(step.arguments.x0)
        let isRange = id == .granuleRangeDelegate || id == .granuleRangeUndelegate
        switch step.answer {
        case .progress(let outTop) where outTop & 0xFFF != 0:
            return "out_top is not granule aligned"
        case .progress(let outTop) where isRange && outTop <= step.arguments.x1:
            return "RMI_SUCCESS must move at least one granule, so out_top must be above base"
        case .progress(let outTop) where isRange && outTop > step.arguments.x2:
            return "out_top lies beyond top"
        case .progress:
            return "out_top must lie above the operation's cursor and no further than its top"
        case .refuse(let status), .finish(let status), .failAndReclaim(let status):
            return "0x\(String(status.rawValue, radix: 16)) is not a status the specification defines"
        case .requestDonation:
            return "this command may not ask the host for memory"
        case .reservedMemoryRequest:
            return "memory request type 3 is reserved"
        default:
            return "the specification does not allow this answer here"
        }
    }

    /// How the answer was picked: by the schedule among several, or forced.
    private static func how(_ step: ScheduleStep) -> String {
        if step.chosen { return " (the schedule's choice among \(step.alternatives) allowed answers)" }
        return step.alternatives > 1 ? " (repeating its earlier answer)" : " (the only answer allowed)"
    }

    /// The property a kind of violation breaks, in one sentence.
    static func reason(_ kind: Violation.Kind) -> String {
        switch kind {
        case .smcBoundExceeded:
            "a helper must return within the SMC bound whatever the RMM answers; this one did not."
        case .progressMismatch:
            "the progress a helper reports must be exactly the part of the range the RMM moved, or its caller acts "
                + "on memory that is in the other state."
        case .outsideRange:
            "a helper may name only the memory it was given."
        case .leakMismatch:
            "every granule that did not come back must be on the leak ledger, and no granule that did."
        case .protocolMisuse:
            "the host called an operation command that the pending stateful operation does not accept at that point."
        case .operationMisreported:
            "the end the host reports for a stateful operation must be the end the RMM gave it."
        case .crash:
            "host code must not crash whatever the RMM answers; in a kernel this is an oops or a panic."
        case .granuleProtectionFault:
            "the host may touch only Non-secure memory; an access to a granule the RMM holds is a granule protection "
                + "fault, which kills the kernel."
        }
    }
}
