import ArgumentParser
import Testing
import Verification

@testable import rmm

@Suite("rmm check host: output for people")
struct CheckHostTests {
    @Test("the retry budgets are named options, shown by name in the summary, and the SMC bound follows from them")
    func budgetsByName() throws {
        let command = try CheckHostCommand.parse([
            "--helper", "delegate", "--depth", "1", "--busy-retries", "4", "--blocked-retries", "2",
            "--continuations", "6",
        ])
        #expect(command.bounds.attemptBudget == 5)
        #expect(command.bounds.blockedAttemptBudget == 3)
        #expect(command.bounds.continuationBudget == 6)
        let report = Explorer.run(
            helper: .delegate, bounds: command.bounds, mode: ExplorationMode(search: .exhaustive(memoise: true)))
        let text = CheckHostCommand.render(report)
        #expect(text.contains("budgets: --busy-retries 4, --blocked-retries 2, --continuations 6"), "\(text)")
        #expect(text.contains("SMC bound 160: 4 x 5 x (6 + 2): each RMI_SUCCESS moves at least one"), "\(text)")
        #expect(!text.contains("A=") && !text.contains("B=") && !text.contains("C="))
    }

    @Test("the defaults are the budgets the explorer always used: A=3 B=2 C=4")
    func defaults() throws {
        let bounds = try CheckHostCommand.parse([]).bounds
        #expect(bounds == ExplorationBounds())
    }

    @Test(
        "budgets out of range are refused with the option's name",
        arguments: [
            (["--busy-retries", "-1"], "--busy-retries"), (["--blocked-retries", "17"], "--blocked-retries"),
            (["--continuations", "0"], "--continuations"),
        ])
    func budgetValidation(arguments: [String], name: String) {
        #expect(throws: (any Error).self) { try CheckHostCommand.parse(arguments) }
        let message = CheckHostCommand.message(for: CheckHostCommand.validationFailure(arguments))
        #expect(message.contains(name), "\(message)")
    }

    @Test("a Linux counterexample reads as a story: each SMC, the answer marked [forbidden], the outcome, the defect")
    func linuxStory() throws {
        let report = Explorer.run(
            helper: .linuxV14Delegate, bounds: ExplorationBounds(choiceDepth: 2),
            mode: ExplorationMode(search: .exhaustive(memoise: true), answers: .includingForbidden))
        let text = CheckHostCommand.render(report)
        #expect(text.contains("1. the host calls RMI_GRANULE_RANGE_DELEGATE(base 0x80000000, top 0x80004000)"))
        #expect(
            text.contains("the RMM answers RMI_SUCCESS out_top=0x80005000  [forbidden: out_top lies beyond top]"),
            "\(text)")
        #expect(
            text.contains(
                "outcome: rmi_delegate_range returned RMI_SUCCESS, which its caller reads as "
                    + "[0x80000000, 0x80004000) delegated, but the RMM delegated nothing"))
        #expect(!text.contains("[0x80000000, 0x80000000)"), "no empty range is printed as a range")
        #expect(text.contains("2-73. the host repeats that call 72 more times and gets the same answer each time"))
        let stories = text.components(separatedBy: "\ncounterexample ").dropFirst()
        #expect(stories.count == report.violations.count && !stories.isEmpty)
        for story in stories {
            #expect(story.contains("  why it is a violation: "))
            #expect(story.contains("  the loop's defect: "), "every Linux violation has its defect explained: \(story)")
        }
    }

    @Test("answers the specification allows are never marked forbidden")
    func compliantAnswersUnmarked() {
        let report = Explorer.run(
            helper: .linuxV14Delegate, bounds: ExplorationBounds(choiceDepth: 2),
            mode: ExplorationMode(search: .exhaustive(memoise: true)))
        #expect(!report.isClean)
        #expect(!CheckHostCommand.render(report).contains("forbidden"))
        #expect(report.violations.allSatisfy { $0.schedule.allSatisfy { !$0.forbidden } })
    }
}

extension CheckHostCommand {
    /// The error parsing `arguments` throws.
    static func validationFailure(_ arguments: [String]) -> any Error {
        do {
            _ = try parse(arguments)
        } catch {
            return error
        }
        return ValidationError("parsed")
    }
}
