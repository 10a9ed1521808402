import CCAArch
import RMIHost
import Testing

@testable import Verification

func explore(
    _ helper: HostHelper, granules: Int = 2, depth: Int = 2, answers: AnswerRules = .specCompliant,
    memoise: Bool = false
) -> ExplorationReport {
    Explorer.run(
        helper: helper, bounds: ExplorationBounds(granules: granules, choiceDepth: depth),
        mode: ExplorationMode(search: .exhaustive(memoise: memoise), answers: answers))
}

extension ExplorationReport {
    func violation(_ kind: Violation.Kind, cause: String = "") -> Violation? {
        violations.first { $0.kind == kind && $0.cause == cause }
    }

    /// The kinds of the properties the Linux v14 loop breaks: never returning, and misreporting progress.
    var loopDefects: [Violation] {
        violations.filter { $0.kind == .smcBoundExceeded || $0.kind == .progressMismatch }
    }
}

@Suite("Explorer: the Linux v14 loop")
struct LinuxV14Tests {
    @Test func aZeroProgressSuccessMakesTheLoopSpinAndOneAnswerShowsIt() throws {
        let report = explore(.linuxV14Delegate, answers: .includingForbidden)
        let spin = try #require(report.violation(.smcBoundExceeded, cause: "RMI_SUCCESS with out_top == base"))
        #expect(spin.choiceCount == 1)
        #expect(spin.schedule.first?.answer == .progress(outTop: layout.rangeBase.rawValue))
        #expect(spin.schedule.count == report.smcBound + 1)
    }

    @Test func anRMMThatStaysBusyMakesTheLoopRetryForeverAndOneAnswerShowsIt() throws {
        let report = explore(.linuxV14Delegate)
        let busy = try #require(report.violation(.smcBoundExceeded, cause: "RMI_BUSY"))
        #expect(busy.choiceCount == 1)
        #expect(busy.schedule.allSatisfy { $0.answer == .refuse(.busy) })
        #expect(report.violation(.smcBoundExceeded, cause: "RMI_BLOCKED")?.choiceCount == 1)
    }

    @Test func aFailureAfterAPartialSuccessLeavesAPrefixTheCallerCannotKnowAndTwoAnswersShowIt() throws {
        let report = explore(.linuxV14Delegate)
        let half = try #require(report.violation(.progressMismatch))
        #expect(half.choiceCount == 2)
        #expect(half.schedule.first?.answer == .progress(outTop: layout.rangeBase.rawValue + granule))
        #expect(half.schedule.count == 2)
    }

    @Test func anUndelegationThatGoesIncompleteIsReturnedAsAnErrorAndLeaksSilently() throws {
        let report = explore(.linuxV14Undelegate)
        let leak = try #require(report.violation(.leakMismatch))
        #expect(leak.choiceCount == 1)
        #expect(leak.schedule.first?.answer == .incomplete(canCancel: false))
    }
}

@Suite("Explorer: RMIHost")
struct RMIHostExplorationTests {
    @Test(arguments: [HostHelper.delegate, .undelegate])
    func theRangeHelpersHaveNoViolationEvenAgainstForbiddenAnswers(_ helper: HostHelper) {
        let report = explore(helper, granules: 3, depth: 5, answers: .includingForbidden, memoise: true)
        #expect(report.isClean, "\(report)")
        #expect(report.schedulesRun > 1000)
    }

    @Test(arguments: [HostHelper.rollback, .statefulOperation])
    func theRollbackAndTheSRODriverAlwaysReturnWithinTheBoundAndReportExactProgress(_ helper: HostHelper) {
        let report = explore(helper, granules: 2, depth: 4, answers: .includingForbidden, memoise: true)
        #expect(report.loopDefects.isEmpty, "\(report)")
        #expect(report.violation(.outsideRange) == nil && report.violation(.protocolMisuse) == nil)
        #expect(report.violation(.operationMisreported) == nil)
    }

    @Test("the SRO driver serving TRACKING_SET's contiguous DELEGATED donation always returns, reports and accounts")
    func theTrackingSetDonationAndItsReclaimAreExploredClean() {
        let report = explore(.trackingSet, granules: 2, depth: 4, answers: .includingForbidden, memoise: true)
        #expect(report.loopDefects.isEmpty, "\(report)")
        #expect(report.violation(.outsideRange) == nil && report.violation(.protocolMisuse) == nil)
        #expect(report.violation(.operationMisreported) == nil && report.violation(.leakMismatch) == nil)
        #expect(report.schedulesRun > 100)
        let bounds = ExplorationBounds()
        #expect(bounds.smcBound(for: .trackingSet) == bounds.smcBound(for: .statefulOperation))
    }

    /// Found by the explorer: `serveDonation` freed the unfinished suffix of a failed delegation of donated memory
    /// even when that delegation went RMI_INCOMPLETE and was abandoned (a BUSY storm on RMI_OP_CONTINUE, or the
    /// continuation budget), while the RMM still held the suffix PARTIAL. The driver now quarantines it.
    @Test func theSRODriverQuarantinesMemoryHeldByAnAbandonedDelegation() {
        let report = explore(.statefulOperation, depth: 3)
        #expect(report.violation(.leakMismatch) == nil, "\(report)")
    }

    /// Found by the explorer: a delegation whose RMI_INCOMPLETE was abandoned reported the prefix before the held
    /// run, but the run stayed PARTIAL under a handle the outcome did not carry; rollback could not reach it and
    /// nothing recorded it. The outcome now names the operation and its range is quarantined.
    @Test func anAbandonedDelegationQuarantinesTheGranulesItMayHold() {
        let report = explore(.rollback, depth: 2)
        #expect(report.violation(.leakMismatch) == nil, "\(report)")
    }
}

@Suite("Explorer")
struct ExplorerTests {
    @Test func exhaustiveSearchRunsOneScheduleForEveryChoiceSequenceAtEveryDepth() {
        // One granule, compliant answers: the first call has 8 answers (SUCCESS to top, BUSY, BLOCKED, two
        // INCOMPLETE, three errors); only BUSY and BLOCKED lead to a second choice point, again with 8.
        // Depth 0: 1 run; depth 1: 8; depth 2: 6 + 2 x 8 = 22.
        let report = explore(.linuxV14Delegate, granules: 1, depth: 2)
        #expect(report.schedulesRun == 1 + 8 + 22)
    }

    @Test(arguments: [HostHelper.linuxV14Delegate, .linuxV14Undelegate, .rollback])
    func memoisationFindsTheSameShortestViolationsAsTheFullSearch(_ helper: HostHelper) {
        let full = explore(helper, depth: 3, answers: .includingForbidden)
        let memoised = explore(helper, depth: 3, answers: .includingForbidden, memoise: true)
        #expect(full.violations.map(\.key) == memoised.violations.map(\.key))
        #expect(full.violations.map(\.choiceCount) == memoised.violations.map(\.choiceCount))
        #expect(memoised.schedulesRun <= full.schedulesRun)
    }

    @Test func randomExplorationIsDeterministicForASeed() {
        func sample(_ seed: UInt64) -> ExplorationReport {
            Explorer.run(
                helper: .linuxV14Delegate, bounds: ExplorationBounds(granules: 4, choiceDepth: 2),
                mode: ExplorationMode(search: .random(seed: seed, schedules: 300), answers: .includingForbidden))
        }
        let first = sample(7)
        let second = sample(7)
        #expect(first.smcsAnswered == second.smcsAnswered)
        #expect(first.violations.map(\.description) == second.violations.map(\.description))
        #expect(first.violations.contains { $0.kind == .smcBoundExceeded })
        #expect(first.schedulesRun == 300)
    }

    @Test func theSMCBoundFollowsTheStatedFormula() {
        let bounds = ExplorationBounds(
            granules: 8, attemptBudget: 3, blockedAttemptBudget: 2, continuationBudget: 4, spareGranules: 4)
        #expect(bounds.smcBound(for: .delegate) == 8 * 3 * 6)
        #expect(bounds.smcBound(for: .rollback) == 2 * 8 * 3 * 6)
        #expect(bounds.smcBound(for: .statefulOperation) == 3 + 4 * (3 + 4 * 18) + 3)
    }

    @Test func aReportSummarisesCountsAndPrintsEachShortestSchedule() {
        let report = explore(.linuxV14Delegate)
        #expect(report.description.contains("SMC bound \(report.smcBound)"))
        #expect(report.description.contains("RMI_GRANULE_RANGE_DELEGATE(0x80000000, 0x80002000) -> RMI_BUSY"))
        #expect(!report.isClean)
    }
}

@Suite("Explorer: resources")
struct ExplorerResourceTests {
    @Test func aRunsModelAndHostAreFreedWhenTheRunEnds() {
        weak var weakAdversary: AdversarialRMM?
        weak var weakHost: HostRMI?
        do {
            let layout = ModelLayout(rangeGranules: 2, spareGranules: 2)
            let memory = ModelMemory()
            let rmm = AdversarialRMM(
                layout: layout, rules: .specCompliant, allowedRegion: .range, scheduler: FixedScheduler(),
                memory: memory, rangeState: .undelegated)
            let host = Explorer.makeHost(for: rmm, memory: memory, bounds: ExplorationBounds(granules: 2))
            #expect(!rmm.hostDigest().isEmpty)
            weakAdversary = rmm
            weakHost = host
        }
        #expect(weakAdversary == nil)
        #expect(weakHost == nil)
    }
}
