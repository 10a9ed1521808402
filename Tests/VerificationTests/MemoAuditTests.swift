import Testing

@testable import Verification

@Suite("MemoAudit: the memo key determines the subtree below it")
struct MemoAuditTests {
    private func audit(_ helper: HostHelper, granules: Int = 3, depth: Int) -> MemoAudit {
        MemoAudit.run(
            helper: helper, bounds: ExplorationBounds(granules: granules, choiceDepth: depth),
            answers: .includingForbidden)
    }

    /// Every path that reaches a choice point with a given key has the same runs below it, so cutting the second
    /// one loses nothing. Keys shared by several paths are what the memo cuts: the test needs some.
    @Test(arguments: [HostHelper.delegate, .undelegate, .rollback, .linuxV14Delegate])
    func everyPathToAKeyHasTheSameSubtree(_ helper: HostHelper) {
        let result = audit(helper, depth: 4)
        #expect(result.sharedKeys > 0)
        #expect(result.unsoundKeys == 0)
    }

    /// The SRO driver holds the answers of the memory-transferring operation across model changes (it serves a
    /// refused donation by giving the memory back, then cancels; an accepted one by giving back the rest, then
    /// continues), and its stationary tail used to remember answers from states the model left: both made paths
    /// with one key differ below it, and the counts of a search depend on which path came first.
    @Test func everyPathToAKeyHasTheSameSubtreeForTheSRODriver() {
        let result = audit(.statefulOperation, depth: 6)
        #expect(result.sharedKeys > 0)
        #expect(result.unsoundKeys == 0)
    }

    /// The audit sees an unsound key: without the transfer operation's answers and the recent calls' arguments, the
    /// key is the state, the SMC index and the choices alone, which many paths with different futures share.
    @Test func aKeyThatLeavesOutTheRecentAnswersIsCaught() {
        let result = MemoAudit.run(
            helper: .delegate, bounds: ExplorationBounds(granules: 3, choiceDepth: 3), answers: .includingForbidden,
            key: { rmm, _ in rmm.stateFingerprint() })
        #expect(result.unsoundKeys > 0)
    }
}
