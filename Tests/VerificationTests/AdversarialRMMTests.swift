import CCAArch
import RMIHost
import Testing

@testable import Verification

/// A scheduler that always takes answer `index` (clamped), for driving the adversary by hand.
final class FixedScheduler: Scheduler {
    let index: Int
    init(_ index: Int = 0) { self.index = index }
    func choose(among count: Int) -> Int? { Swift.min(index, count - 1) }
    var nextChoiceIsFresh: Bool { false }
    func pruneHere() {}
    var pruned: Bool { false }
}

/// A scheduler that takes the answers of `script` in turn, then has no more choices (the stationary tail).
final class ScriptedScheduler: Scheduler {
    private var script: [Int]
    init(_ script: [Int]) { self.script = script }
    func choose(among count: Int) -> Int? { script.isEmpty ? nil : script.removeFirst() }
    var nextChoiceIsFresh: Bool { false }
    func pruneHere() {}
    var pruned: Bool { false }
}

let layout = ModelLayout(rangeGranules: 4, spareGranules: 2)
let base = layout.rangeBase.rawValue
let granule: UInt64 = 0x1000

func adversary(
    _ rules: AnswerRules = .specCompliant, rangeState: ModelGranuleState = .undelegated,
    region: AllowedRegion = .range
) -> AdversarialRMM {
    let rmm = AdversarialRMM(
        layout: layout, rules: rules, allowedRegion: region, scheduler: FixedScheduler(), memory: ModelMemory(),
        rangeState: rangeState)
    rmm.beginAdversarialPhase()
    return rmm
}

func delegateCall(_ from: UInt64, _ to: UInt64) -> SMCArguments {
    SMCArguments(FunctionID.granuleRangeDelegate.rawValue, from, to)
}

@Suite("AdversarialRMM")
struct AdversarialRMMTests {
    @Test func aFreshDelegationMaySucceedToAnyBoundaryOrStallOrGoIncompleteOrFailWithAListedError() {
        let answers = adversary().allowedAnswers(delegateCall(base, base + 4 * granule))
        #expect(
            answers == [
                .progress(outTop: base + 4 * granule), .progress(outTop: base + 3 * granule),
                .progress(outTop: base + 2 * granule), .progress(outTop: base + granule), .refuse(.busy),
                .refuse(.blocked), .incomplete(canCancel: false), .incomplete(canCancel: true), .refuse(.errorInput),
                .refuse(.errorTracking), .refuse(.errorGlobal),
            ])
    }

    @Test func forbiddenAnswersAreOfferedOnlyWhenTheRulesIncludeThem() {
        let call = delegateCall(base, base + 2 * granule)
        let compliant = adversary().allowedAnswers(call)
        let hostile = adversary(.includingForbidden).allowedAnswers(call)
        let forbidden: [AdversaryAnswer] = [
            .progress(outTop: base), .progress(outTop: base + 3 * granule), .progress(outTop: base + granule / 2),
            .refuse(AdversarialRMM.undefinedStatus),
            .requestDonation(granules: 1, state: .delegated, canCancel: true),
        ]
        #expect(forbidden.allSatisfy { !compliant.contains($0) })
        #expect(hostile == compliant + forbidden)
    }

    @Test("TRACKING_SET asks for contiguous DELEGATED runs; a run split in two, or misaligned, is refused")
    func aTrackingSetDonationMustBeOneAlignedRun() throws {
        let rmm = AdversarialRMM(
            layout: layout, rules: .specCompliant, allowedRegion: .spare, scheduler: FixedScheduler(),
            memory: ModelMemory(), rangeState: .undelegated, contiguousDonations: true)
        rmm.beginAdversarialPhase()
        let start = rmm.smc(
            SMCArguments(FunctionID.granuleTrackingSet.rawValue, 0x4000_0000, 0, UInt64(TrackingState.fine.rawValue)))
        let request = try #require(OpMemDonateRequest(encoding: start.x2))
        #expect(request.contiguous && request.state == .delegated && request.count == 2)
        // The two spare granules, delegated, offered as two descriptors in reverse order: not one run.
        let spare = layout.spareBase.rawValue
        for pa in [spare, spare + granule] {
            #expect(rmm.smc(delegateCall(pa, pa + granule)).x0 == 0)
        }
        let list = spare + 16 * granule
        let split = [spare + granule, spare].map {
            AddressRangeDescriptor(base: PhysicalAddress($0), blockSize: .level3, count: 1, state: .delegated)
                .encoding(granule: .size4KB)!
        }
        try rmm.memory.writeWords(split, at: PhysicalAddress(list))
        #expect(
            rmm.allowedAnswers(SMCArguments(FunctionID.opMemDonate.rawValue, start.x1, list, 2)) == [
                .refuse(.errorInput)
            ])
        let run = AddressRangeDescriptor(base: PhysicalAddress(spare), blockSize: .level3, count: 2, state: .delegated)
        let word = try #require(run.encoding(granule: .size4KB))
        try rmm.memory.writeWords([word], at: PhysicalAddress(list))
        #expect(
            rmm.allowedAnswers(SMCArguments(FunctionID.opMemDonate.rawValue, start.x1, list, 1)).first == .consume(2))
    }

    @Test func aMisalignedOrEmptyRangeIsRefusedWithErrorInputOnly() {
        let rmm = adversary()
        #expect(rmm.allowedAnswers(delegateCall(base + 1, base + granule)) == [.refuse(.errorInput)])
        #expect(rmm.allowedAnswers(delegateCall(base, base + 0x800)) == [.refuse(.errorInput)])
        #expect(rmm.allowedAnswers(delegateCall(base, base)) == [.refuse(.errorInput)])
    }

    @Test func aLegalPartialSuccessMovesExactlyThePrefix() {
        let rmm = adversary(rangeState: .undelegated)
        let registers = rmm.apply(.progress(outTop: base + 2 * granule), to: delegateCall(base, base + 4 * granule))
        #expect(registers == SMCReturn(0, base + 2 * granule))
        let states = (0..<4).map { rmm.granuleState(at: PhysicalAddress(base + UInt64($0) * granule)) }
        #expect(states == [.delegated, .delegated, .undelegated, .undelegated])
    }

    @Test func aForbiddenSuccessMovesNothing() {
        let rmm = adversary(.includingForbidden)
        _ = rmm.apply(.progress(outTop: base + 5 * granule), to: delegateCall(base, base + 4 * granule))
        #expect(
            (0..<4).allSatisfy { rmm.granuleState(at: PhysicalAddress(base + UInt64($0) * granule)) == .undelegated })
    }

    @Test func aGranuleHeldByAnIncompleteOperationIsAnsweredBlockedOrBusyOnly() {
        let rmm = adversary()
        let registers = rmm.apply(.incomplete(canCancel: false), to: delegateCall(base, base + 2 * granule))
        #expect(RMIResult(rawValue: registers.x0).status == .incomplete)
        #expect(rmm.granuleState(at: PhysicalAddress(base)) == .partial)
        #expect(rmm.allowedAnswers(delegateCall(base, base + 2 * granule)) == [.refuse(.blocked), .refuse(.busy)])
    }

    @Test func continuingARangeOperationMayFinishAtAnyBoundaryOfTheHeldRun() {
        let rmm = adversary()
        let handle = rmm.apply(.incomplete(canCancel: false), to: delegateCall(base, base + 2 * granule)).x1
        let answers = rmm.allowedAnswers(SMCArguments(FunctionID.opContinue.rawValue, handle))
        #expect(
            answers == [
                .progress(outTop: base + 2 * granule), .progress(outTop: base + granule),
                .incomplete(canCancel: false), .refuse(.busy), .finish(.errorInput), .finish(.errorTracking),
            ])
        #expect(rmm.protocolMisuses.isEmpty)
    }

    @Test func aCallOutsideTheHelpersRangeIsRecordedAndRefused() {
        let rmm = adversary()
        let spare = layout.spareBase.rawValue
        #expect(rmm.allowedAnswers(delegateCall(spare, spare + granule)) == [.refuse(.errorInput)])
        #expect(rmm.outsideTouches.count == 1)
        _ = rmm.allowedAnswers(delegateCall(0x1000, 0x2000))
        #expect(rmm.outsideTouches.count == 2)
    }

    @Test func cancellingAnOperationThatCannotBeCancelledIsAProtocolMisuse() {
        let rmm = adversary()
        let handle = rmm.apply(.incomplete(canCancel: false), to: delegateCall(base, base + granule)).x1
        #expect(rmm.allowedAnswers(SMCArguments(FunctionID.opCancel.rawValue, handle)) == [.refuse(.errorInput)])
        #expect(rmm.protocolMisuses.count == 1)
    }

    @Test func aDonationRequestAcceptsOnlyAListOfGranulesInTheRequestedState() throws {
        let memory = ModelMemory()
        let rmm = AdversarialRMM(
            layout: layout, rules: .specCompliant, allowedRegion: .spare, scheduler: FixedScheduler(),
            memory: memory, rangeState: .undelegated)
        rmm.beginAdversarialPhase()
        let start = rmm.apply(
            .requestDonation(granules: 2, state: .undelegated, canCancel: true),
            to: SMCArguments(ExplorationTarget.transferCommand.rawValue))
        let spare = layout.spareBase
        let list = spare + granule
        let entry = AddressRangeDescriptor(base: spare, blockSize: .level3, count: 1, state: .undelegated)
        try memory.writeWords([entry.encoding(granule: .size4KB)!], at: list)
        let donate = SMCArguments(FunctionID.opMemDonate.rawValue, start.x1, list.rawValue, 1)
        #expect(
            rmm.allowedAnswers(donate) == [.consume(1), .consume(0), .refuse(.busy), .refuse(.errorInput)])
        let delegatedEntry = AddressRangeDescriptor(base: spare, blockSize: .level3, count: 1, state: .delegated)
        try memory.writeWords([delegatedEntry.encoding(granule: .size4KB)!], at: list)
        #expect(rmm.allowedAnswers(donate) == [.refuse(.errorInput)])
    }

    // The stationary tail. The calls: A delegates the first granule (answer 1 is RMI_BUSY), C delegates the
    // second and U undelegates it again, which brings the model back to the state A was refused in.

    private func stationaryTailRun(
        _ script: [Int]
    ) -> (rmm: AdversarialRMM, a: SMCArguments, c: SMCArguments, u: SMCArguments) {
        let rmm = AdversarialRMM(
            layout: layout, rules: .specCompliant, allowedRegion: .range, scheduler: ScriptedScheduler(script),
            memory: ModelMemory(), rangeState: .undelegated)
        rmm.beginAdversarialPhase()
        let a = delegateCall(base, base + granule)
        let c = delegateCall(base + granule, base + 2 * granule)
        let u = SMCArguments(FunctionID.granuleRangeUndelegate.rawValue, base + granule, base + 2 * granule)
        return (rmm, a, c, u)
    }

    @Test func theStationaryTailRepeatsAnAnswerGivenSinceTheLastChangeEvenAfterLeavingAndComingBack() {
        let (rmm, a, c, u) = stationaryTailRun([1])
        _ = rmm.smc(a)
        #expect(rmm.steps.last?.answer == .refuse(.busy))
        _ = rmm.smc(a)
        #expect(rmm.steps.last?.answer == .refuse(.busy))
        #expect(rmm.steps.last?.chosen == false)
        // The tail has begun: it remembers what it answers in every state it then leaves and comes back to.
        _ = rmm.smc(c)
        _ = rmm.smc(u)
        #expect(rmm.granuleState(at: PhysicalAddress(base + granule)) == .undelegated)
        _ = rmm.smc(a)
        #expect(rmm.steps.last?.answer == .refuse(.busy))
    }

    /// What the schedule answered in a state the model left before the tail began is forgotten: the tail's memory
    /// is then a function of the memo's key (the calls since the last change), not of the path.
    @Test func theStationaryTailForgetsAnswersOfAStateTheModelLeftBeforeTheTailBegan() {
        let (rmm, a, c, u) = stationaryTailRun([1, 0, 0])
        _ = rmm.smc(a)
        #expect(rmm.steps.last?.answer == .refuse(.busy))
        _ = rmm.smc(c)
        _ = rmm.smc(u)
        _ = rmm.smc(a)
        #expect(rmm.steps.last?.chosen == false)
        #expect(rmm.steps.last?.answer == .progress(outTop: base + granule))
    }
}
