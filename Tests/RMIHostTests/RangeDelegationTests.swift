import CCAArch
import RMIHost
import Testing

@Suite("Range delegation helpers")
struct RangeDelegationTests {
    let base = dramBase + 0x10_0000
    let delegateID = FunctionID.granuleRangeDelegate
    let undelegateID = FunctionID.granuleRangeUndelegate

    // MARK: Input checks: no SMC

    @Test("size 0 succeeds without issuing an SMC, like free(NULL)", arguments: [true, false])
    func sizeZeroIsANoOp(delegating: Bool) throws {
        let (host, conduit) = try activeHost()
        let outcome = delegating ? host.delegate(base: base, size: 0) : host.undelegate(base: base, size: 0)
        #expect(outcome.succeeded)
        #expect(outcome.top == base)
        #expect(outcome.smcCount == 0)
        #expect(conduit.trace.isEmpty)
    }

    @Test("size 0 succeeds before bring-up too, still without an SMC")
    func sizeZeroBeforeBringUp() {
        let conduit = ScriptedConduit()
        let host = HostRMI(conduit: conduit, memory: MemoryDouble(), configuration: .init(dramRegions: [dram]))
        #expect(host.delegate(base: base, size: 0).succeeded)
        #expect(conduit.trace.isEmpty)
    }

    @Test(
        "a misaligned base or size is rejected as unaligned before any SMC",
        arguments: [(0x8010_0800, page), (0x8010_0000, 0x800), (0x8010_0001, 0), (0x8010_0000, page + 1)]
            as [(
                UInt64, UInt64
            )])
    func unalignedRejected(rawBase: UInt64, size: UInt64) throws {
        let (host, conduit) = try activeHost()
        for outcome in [
            host.delegate(base: PhysicalAddress(rawBase), size: size),
            host.undelegate(base: PhysicalAddress(rawBase), size: size),
        ] {
            #expect(outcome.failure == .unaligned(base: PhysicalAddress(rawBase), size: size))
            #expect(outcome.failure?.kind == "unaligned")
            #expect(outcome.top == PhysicalAddress(rawBase))
            #expect(outcome.smcCount == 0)
        }
        #expect(conduit.trace.isEmpty)
        #expect(host.leakLedger.leakedGranuleCount == 0)
    }

    @Test(
        "a range whose top passes 2^64 is rejected as overflow before any SMC",
        arguments: [(0xFFFF_FFFF_FFFF_F000, 0x2000), (0xFFFF_FFFF_FFFF_F000, 0x1000), (0x1000, 0xFFFF_FFFF_FFFF_F000)]
            as [(UInt64, UInt64)])
    func wrapAroundRejected(rawBase: UInt64, size: UInt64) throws {
        let (host, conduit) = try activeHost()
        let outcome = host.delegate(base: PhysicalAddress(rawBase), size: size)
        #expect(outcome.failure == .overflow(base: PhysicalAddress(rawBase), size: size))
        #expect(outcome.failure?.kind == "overflow")
        #expect(outcome.smcCount == 0)
        #expect(conduit.trace.isEmpty)
    }

    @Test("delegation before bring-up fails as not_initialized without an SMC")
    func notInitialized() {
        let conduit = ScriptedConduit(answers: [rmi(.success, 0x8010_1000)])
        let host = HostRMI(conduit: conduit, memory: MemoryDouble(), configuration: .init(dramRegions: [dram]))
        let outcome = host.delegate(base: base, size: page)
        #expect(outcome.failure == .notInitialized)
        #expect(outcome.failure?.kind == "not_initialized")
        #expect(conduit.trace.isEmpty)
    }

    // MARK: Progress

    @Test("a range moved in several calls re-issues the command from each out_top")
    func multiCallProgress() throws {
        let (host, conduit) = try activeHost()
        let top = base + 4 * page
        conduit.enqueue(answers: [rmi(.success, (base + page).rawValue), rmi(.success, top.rawValue)])
        let outcome = host.delegate(base: base, size: 4 * page)
        #expect(outcome.succeeded)
        #expect(outcome.top == top)
        #expect(outcome.smcCount == 2)
        #expect(
            conduit.trace == [
                call(delegateID, base.rawValue, top.rawValue), call(delegateID, (base + page).rawValue, top.rawValue),
            ])
        #expect(host.isRecordedAsDelegated(base + 3 * page))
        #expect(!host.isRecordedAsDelegated(top))
        #expect(host.recordedDelegatedGranuleCount == 4)
        #expect(host.recordedDelegatedRanges == [try GranuleRange(base: base, size: 4 * page)])
    }

    @Test("a SUCCESS that does not advance ends as no_progress after exactly one SMC")
    func zeroProgressStops() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: Array(repeating: rmi(.success, base.rawValue), count: 5))
        let outcome = host.delegate(base: base, size: 2 * page)
        guard case .noProgress(let bad) = outcome.failure else {
            Issue.record("expected noProgress, got \(String(describing: outcome.failure))")
            return
        }
        #expect(bad.defect == .noAdvance)
        #expect(bad.outTop == base)
        #expect(outcome.failure?.kind == "no_progress")
        #expect(outcome.smcCount == 1)
        #expect(conduit.trace.count == 1)
        #expect(outcome.top == base)
    }

    @Test(
        "an out_top beyond top, below base or misaligned ends as no_progress",
        arguments: [
            (0x8010_3000, BadProgressAnswer.Defect.beyondTop), (0x8010_0800, .misaligned), (0x800F_F000, .belowBase),
        ] as [(UInt64, BadProgressAnswer.Defect)])
    func badOutTopStops(outTop: UInt64, defect: BadProgressAnswer.Defect) throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [rmi(.success, outTop), rmi(.success, (base + 2 * page).rawValue)])
        let outcome = host.undelegate(base: base, size: 2 * page, onFailure: .report)
        #expect(
            outcome.failure
                == .noProgress(
                    BadProgressAnswer(
                        command: undelegateID, base: base, top: base + 2 * page, outTop: PhysicalAddress(outTop),
                        defect: defect)))
        #expect(outcome.smcCount == 1)
        #expect(outcome.top == base)
    }

    @Test("a contract breach after a good step reports the good prefix")
    func breachAfterPrefix() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [rmi(.success, (base + page).rawValue), rmi(.success, (base + page).rawValue)])
        let outcome = host.delegate(base: base, size: 3 * page)
        #expect(outcome.failure?.kind == "no_progress")
        #expect(outcome.top == base + page)
        #expect(outcome.smcCount == 2)
    }

    // MARK: Bounded retries

    @Test("a BUSY storm ends as stalled once the attempt budget is spent, yielding after the spins")
    func busyStorm() throws {
        let yields = YieldCounter()
        let (host, conduit) = try activeHost(policy: testPolicy(attempts: 5, spins: 2, yields: yields))
        conduit.enqueue(answers: Array(repeating: rmi(.busy), count: 50))
        let outcome = host.delegate(base: base, size: page)
        #expect(outcome.failure == .stalled(.busy))
        #expect(outcome.failure?.kind == "stalled")
        #expect(outcome.smcCount == 5)
        #expect(conduit.trace == Array(repeating: call(delegateID, base.rawValue, (base + page).rawValue), count: 5))
        #expect(yields.value == 2)
        #expect(outcome.top == base)
    }

    @Test("a BUSY storm after progress reports the prefix reached")
    func busyAfterProgress() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(attempts: 3))
        conduit.enqueue(answers: [rmi(.success, (base + page).rawValue)] + Array(repeating: rmi(.busy), count: 10))
        let outcome = host.delegate(base: base, size: 2 * page)
        #expect(outcome.failure == .stalled(.busy))
        #expect(outcome.top == base + page)
        #expect(outcome.smcCount == 4)
    }

    @Test("BUSY answers within the budget are retried to success")
    func busyRetried() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(attempts: 3))
        conduit.enqueue(answers: [rmi(.busy), rmi(.busy), rmi(.success, (base + page).rawValue)])
        let outcome = host.delegate(base: base, size: page)
        #expect(outcome.succeeded)
        #expect(outcome.smcCount == 3)
    }

    @Test("BLOCKED has its own smaller budget")
    func blockedBudget() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(attempts: 100, blocked: 3))
        conduit.enqueue(answers: Array(repeating: rmi(.blocked), count: 50))
        let outcome = host.delegate(base: base, size: page)
        #expect(outcome.failure == .stalled(.blocked))
        #expect(outcome.smcCount == 3)
        #expect(conduit.trace.count == 3)
    }

    // MARK: Errors, prefixes, rollback, leaks

    @Test("a range failing half way reports its prefix, and rollback undelegates exactly that prefix")
    func halfFailedRangeRollsBackPrefix() throws {
        let (host, conduit) = try activeHost()
        let prefixTop = base + 2 * page
        conduit.enqueue(answers: [rmi(.success, prefixTop.rawValue), rmi(.errorInput)])
        let outcome = host.delegate(base: base, size: 4 * page)
        #expect(outcome.failure == .rmmError(.errorInput))
        #expect(outcome.failure?.kind == "rmm_error")
        #expect(outcome.status == .errorInput)
        #expect(outcome.top == prefixTop)
        #expect(outcome.smcCount == 2)

        conduit.clearTrace()
        conduit.enqueue(answers: [rmi(.success, prefixTop.rawValue)])
        let undone = host.rollback(outcome)
        #expect(undone.succeeded)
        #expect(conduit.trace == [call(undelegateID, base.rawValue, prefixTop.rawValue)])
        #expect(host.recordedDelegatedGranuleCount == 0)
    }

    @Test("rolling back a delegation that moved nothing issues no SMC")
    func rollbackOfEmptyPrefix() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [rmi(.errorTracking)])
        let outcome = host.delegate(base: base, size: 4 * page)
        #expect(outcome.top == base)
        conduit.clearTrace()
        let undone = host.rollback(outcome)
        #expect(undone.succeeded)
        #expect(conduit.trace.isEmpty)
    }

    @Test("an in-use granule that fails to undelegate lands in the leak ledger and never returns to the allocator")
    func inUseGranuleLeaks() throws {
        let (host, conduit) = try activeHost()
        let pages = try #require(host.allocator.allocate(granules: 4))
        let start = pages[0]
        conduit.enqueue(answers: [rmi(.success, (start + 2 * page).rawValue), rmi(.errorInput)])
        let outcome = host.undelegate(base: start, size: 4 * page)
        #expect(outcome.failure == .rmmError(.errorInput))
        #expect(outcome.top == start + 2 * page)
        #expect(outcome.leakedGranules == 2)
        #expect(host.leakLedger.leakedGranules == [start + 2 * page, start + 3 * page])
        #expect(host.allocator.free(try GranuleRange(base: start, size: 4 * page)) == 2)
        #expect(!host.allocator.isFree(start + 2 * page))
        #expect(host.allocator.isFree(start))
    }

    @Test("a stalled undelegation leaks its unfinished suffix by default and says so")
    func stalledUndelegationLeaks() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(attempts: 2))
        conduit.enqueue(answers: [rmi(.success, (base + page).rawValue), rmi(.busy), rmi(.busy)])
        let outcome = host.undelegate(base: base, size: 3 * page)
        #expect(outcome.failure == .stalled(.busy))
        #expect(outcome.leakedGranules == 2)
        #expect(host.leakLedger.leakedGranules == [base + page, base + 2 * page])
        #expect(
            outcome.description
                == "undelegate [0x80100000, +0x3000): moved to 0x80101000 in 3 SMCs, "
                + "still RMI_BUSY when the retry budget ran out, 2 granules leaked")
    }

    @Test("releasing delegated allocator memory frees the undelegated prefix and leaks the rest")
    func undelegateAndRelease() throws {
        let (host, conduit) = try activeHost()
        let block = try #require(host.allocator.allocateBlock(bytes: 4 * page, alignment: page))
        let freeBefore = host.allocator.freeGranuleCount
        conduit.enqueue(answers: [rmi(.success, (block.base + 2 * page).rawValue), rmi(.errorInput)])
        let outcome = host.undelegateAndRelease(block)
        #expect(outcome.top == block.base + 2 * page)
        #expect(host.allocator.freeGranuleCount == freeBefore + 2)
        #expect(host.allocator.isFree(block.base + page))
        #expect(!host.allocator.isFree(block.base + 2 * page))
        #expect(host.leakLedger.leakedGranules == [block.base + 2 * page, block.base + 3 * page])
    }

    @Test("with the report policy a failed undelegation leaks nothing")
    func reportPolicyDoesNotLeak() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [rmi(.errorInput)])
        let outcome = host.undelegate(base: base, size: 2 * page, onFailure: .report)
        #expect(outcome.failure == .rmmError(.errorInput))
        #expect(outcome.leakedGranules == 0)
        #expect(host.leakLedger.leakedGranuleCount == 0)
    }

    @Test("re-delegating memory the host already delegated succeeds and is flagged by the host's own record")
    func redelegationFlagged() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [rmi(.success, (base + 2 * page).rawValue), rmi(.success, (base + 4 * page).rawValue)])
        let first = host.delegate(base: base, size: 2 * page)
        let second = host.delegate(base: base, size: 4 * page)
        #expect(first.bookkeepingMismatchGranules == 0)
        #expect(second.succeeded)
        #expect(second.bookkeepingMismatchGranules == 2)
        #expect(host.recordedDelegatedGranuleCount == 4)
    }

    @Test("delegatePage and undelegatePage move exactly one granule")
    func pageHelpers() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [rmi(.success, (base + page).rawValue), rmi(.success, (base + page).rawValue)])
        #expect(host.delegatePage(base).succeeded)
        #expect(host.undelegatePage(base).succeeded)
        #expect(
            conduit.trace == [
                call(delegateID, base.rawValue, (base + page).rawValue),
                call(undelegateID, base.rawValue, (base + page).rawValue),
            ])
    }

    // MARK: RMI_INCOMPLETE

    @Test("INCOMPLETE is driven with OP_CONTINUE on the first handle and out_top comes from the final answer")
    func incompleteDriven() throws {
        let (host, conduit) = try activeHost()
        let top = base + 8 * page
        conduit.enqueue(answers: [
            incomplete(x1: 7), incomplete(x1: 0x999), rmi(.success, (base + 6 * page).rawValue),
            rmi(.success, top.rawValue),
        ])
        let outcome = host.delegate(base: base, size: 8 * page)
        #expect(outcome.succeeded)
        #expect(outcome.top == top)
        #expect(outcome.smcCount == 4)
        #expect(
            conduit.trace == [
                call(delegateID, base.rawValue, top.rawValue), call(.opContinue, 7, 0), call(.opContinue, 7, 0),
                call(delegateID, (base + 6 * page).rawValue, top.rawValue),
            ])
    }

    @Test("a final answer of a driven operation is checked for progress like any other")
    func incompleteFinalAnswerChecked() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [incomplete(x1: 3), rmi(.success, base.rawValue)])
        let outcome = host.delegate(base: base, size: page)
        #expect(outcome.failure?.kind == "no_progress")
        #expect(outcome.smcCount == 2)
    }

    @Test("a final error of a driven operation ends the request with that status")
    func incompleteFinalError() throws {
        let (host, conduit) = try activeHost()
        conduit.enqueue(answers: [incomplete(x1: 3), rmi(.errorInput, base.rawValue)])
        let outcome = host.delegate(base: base, size: page)
        #expect(outcome.failure == .rmmError(.errorInput))
        #expect(outcome.top == base)
    }

    @Test("an RMM answering INCOMPLETE forever is abandoned at the continuation cap")
    func continuationCap() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(continuations: 4))
        conduit.enqueue(answers: Array(repeating: incomplete(x1: 5), count: 20))
        let outcome = host.delegate(base: base, size: page)
        #expect(outcome.failure == .statefulOperation(.continuationLimit(handle: 5)))
        #expect(outcome.failure?.kind == "stalled")
        #expect(outcome.smcCount == 5)
        #expect(
            conduit.trace
                == [call(delegateID, base.rawValue, (base + page).rawValue)]
                + Array(repeating: call(.opContinue, 5, 0), count: 4))
    }

    @Test("a delegation abandoned in a BUSY storm on OP_CONTINUE quarantines the range its operation may hold")
    func abandonedDelegationQuarantined() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(attempts: 2))
        let prefixTop = base + page
        conduit.enqueue(answers: [rmi(.success, prefixTop.rawValue), incomplete(x1: 6), rmi(.busy), rmi(.busy)])
        let outcome = host.delegate(base: base, size: 4 * page)
        let held = try GranuleRange(base: prefixTop, size: 3 * page)
        #expect(outcome.failure == .stalled(.busy))
        #expect(outcome.top == prefixTop)
        #expect(outcome.abandonedOperation == AbandonedRangeOperation(handle: 6, range: held))
        #expect(outcome.leakedGranules == 3)
        #expect(host.leakLedger.leakedRanges == [held])
        #expect(
            outcome.description
                == "delegate [0x80100000, +0x4000): moved to 0x80101000 in 4 SMCs, still RMI_BUSY when the retry "
                + "budget ran out, operation 6 abandoned holding part of [0x80101000, 0x80104000), 3 granules leaked")

        // Rollback reaches exactly the delegated prefix; the held run stays quarantined.
        conduit.clearTrace()
        conduit.enqueue(answers: [rmi(.success, prefixTop.rawValue)])
        #expect(host.rollback(outcome).succeeded)
        #expect(conduit.trace == [call(undelegateID, base.rawValue, prefixTop.rawValue)])
        #expect(host.leakLedger.leakedRanges == [held])
    }

    @Test("a delegation abandoned at the continuation cap quarantines its range; a cancelled one does not")
    func continuationCapQuarantinesCancelDoesNot() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(continuations: 2))
        conduit.enqueue(answers: Array(repeating: incomplete(x1: 5), count: 3))
        let capped = host.delegate(base: base, size: 2 * page)
        #expect(capped.failure == .statefulOperation(.continuationLimit(handle: 5)))
        #expect(capped.abandonedOperation?.range == (try GranuleRange(base: base, size: 2 * page)))
        #expect(host.leakLedger.leakedGranuleCount == 2)

        let other = base + 0x1_0000
        let request = OpMemDonateRequest(blockSize: .level3, count: 1, contiguous: false, state: .delegated)
        conduit.enqueue(answers: [incomplete(.donate, canCancel: true, x1: 4, x2: request.encoding), rmi(.errorInput)])
        let cancelled = host.delegate(base: other, size: page)
        #expect(cancelled.failure?.kind == "cancelled")
        #expect(cancelled.abandonedOperation == nil)
        #expect(cancelled.leakedGranules == 0)
        #expect(host.leakLedger.leakedGranuleCount == 2)
    }

    @Test("an undelegation abandoned under the report policy still quarantines the range its operation may hold")
    func abandonedUndelegationQuarantinedWhateverThePolicy() throws {
        let (host, conduit) = try activeHost(policy: testPolicy(attempts: 1))
        conduit.enqueue(answers: [incomplete(x1: 8), rmi(.busy)])
        let outcome = host.undelegate(base: base, size: 2 * page, onFailure: .report)
        #expect(outcome.failure == .stalled(.busy))
        let held = try GranuleRange(base: base, size: 2 * page)
        #expect(outcome.abandonedOperation == AbandonedRangeOperation(handle: 8, range: held))
        #expect(outcome.leakedGranules == 2)
        #expect(host.leakLedger.leakedGranules == [base, base + page])
    }

    @Test("a range command asking for memory is cancelled when it may be")
    func rangeMemoryRequestCancelled() throws {
        let (host, conduit) = try activeHost()
        let request = OpMemDonateRequest(blockSize: .level3, count: 1, contiguous: false, state: .delegated)
        conduit.enqueue(answers: [incomplete(.donate, canCancel: true, x1: 4, x2: request.encoding), rmi(.errorInput)])
        let outcome = host.delegate(base: base, size: page)
        #expect(
            outcome.failure
                == .statefulOperation(.cancelled(reason: .unexpectedMemoryRequest(.donate), answer: rmi(.errorInput))))
        #expect(outcome.failure?.kind == "cancelled")
        #expect(conduit.trace == [call(delegateID, base.rawValue, (base + page).rawValue), call(.opCancel, 4)])
    }
}

@Suite("Range failure reporting")
struct RangeFailureReportingTests {
    @Test(
        "range failures map onto the serve protocol's error kinds and statuses",
        arguments: [
            (RangeFailure.unaligned(base: dramBase, size: 1), "unaligned", nil),
            (.overflow(base: dramBase, size: ~0), "overflow", nil),
            (.notInitialized, "not_initialized", nil),
            (.rmmError(.errorTracking), "rmm_error", .errorTracking),
            (
                .noProgress(
                    BadProgressAnswer(
                        command: .granuleRangeDelegate, base: dramBase, top: dramBase + page, outTop: dramBase,
                        defect: .noAdvance)), "no_progress", .success
            ),
            (.stalled(.blocked), "stalled", .blocked),
            (.statefulOperation(.continuationLimit(handle: 2)), "stalled", .incomplete),
            (.statefulOperation(.hostFailure(.outOfMemory(bytes: page), handle: 2)), "host_failure", .incomplete),
            (
                .statefulOperation(.cancelled(reason: .outOfMemory(bytes: page), answer: rmi(.errorInput))),
                "cancelled", .errorInput
            ),
        ] as [(RangeFailure, String, RMIStatus?)])
    func kinds(failure: RangeFailure, kind: String, status: RMIStatus?) {
        #expect(failure.kind == kind)
        #expect(failure.status == status)
    }

    @Test("a bad answer is described with its out_top and the request")
    func badAnswerDescription() {
        let answer = BadProgressAnswer(
            command: .granuleRangeDelegate, base: dramBase, top: dramBase + 0x20_0000, outTop: dramBase,
            defect: .noAdvance)
        #expect(answer.description == "RMI_SUCCESS with out_top 0x80000000 equal to base for [0x80000000, 0x80200000)")
    }
}
