import CCAArch
import Dispatch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

/// `--lock-contention spin`: a range command waits for the first granule of its run while it holds no lock.
///
/// Another CPU's lock is played by the test thread forcing the lock bit; the range command runs on a thread of its
/// own and must still be waiting when the lock goes away.
@Suite("Range commands under --lock-contention spin")
struct LockContentionTests {
    /// Runs `command` on another thread while the granule at `pa` is locked, lets the lock go as `release`, and
    /// answers what the command answered. `waited` says whether it was still running when the lock went.
    private func runAgainstHeldLock(
        _ h: Harness, _ pa: UInt64, held: GranuleWord, release: GranuleWord,
        _ command: @escaping @Sendable () -> SMCReturn
    ) -> (answer: SMCReturn, waited: Bool) {
        h.force(pa, held)
        let answer = Locked<SMCReturn?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let result = command()
            answer.withLock { $0 = result }
            done.signal()
        }
        // Under spin the command cannot answer while the lock is held. A loaded machine may not run it at all in
        // the 200 ms, so `waited` is only evidence; the answer and the states after the release are the checks.
        let finishedEarly = done.wait(timeout: .now() + .milliseconds(200)) == .success
        h.force(pa, release)
        if !finishedEarly { done.wait() }
        return (answer.withLock { $0! }, !finishedEarly)
    }

    @Test("spin: RANGE_DELEGATE waits for a lock held on its first granule, then delegates the whole range")
    func delegateWaitsForFirstGranule() {
        let h = Harness(lockContention: .spin)
        let (answer, waited) = runAgainstHeldLock(
            h, base, held: GranuleWord(state: .undelegated, locked: true), release: GranuleWord(state: .undelegated)
        ) { h.delegate(base, base + 4 * g, cpu: 1) }
        #expect(waited)
        #expect(answer == .result(.success, base + 4 * g))
        #expect(h.states(base, base + 4 * g).allSatisfy { $0 == .delegated })
        #expect(h.invariantViolations(base, base + 4 * g).isEmpty)
    }

    @Test("spin: RANGE_UNDELEGATE waits for a lock held on its first granule, then undelegates the whole range")
    func undelegateWaitsForFirstGranule() {
        let h = Harness(lockContention: .spin)
        h.delegateAll(base, base + 4 * g)
        let (answer, waited) = runAgainstHeldLock(
            h, base, held: GranuleWord(state: .delegated, locked: true), release: GranuleWord(state: .delegated)
        ) { h.undelegate(base, base + 4 * g, cpu: 1) }
        #expect(waited)
        #expect(answer == .result(.success, base + 4 * g))
        #expect(h.states(base, base + 4 * g).allSatisfy { $0 == .undelegated })
    }

    @Test("spin: after the wait the range is looked at again, so a granule the holder delegated is skipped")
    func looksAgainAfterWaiting() {
        let h = Harness(lockContention: .spin)
        h.delegateAll(base, base + g)
        let (answer, waited) = runAgainstHeldLock(
            h, base, held: GranuleWord(state: .delegated, locked: true), release: GranuleWord(state: .delegated)
        ) { h.delegate(base, base + 4 * g, cpu: 1) }
        #expect(waited)
        #expect(answer == .result(.success, base + 4 * g))
        #expect(h.states(base, base + 4 * g).allSatisfy { $0 == .delegated })
    }

    @Test("spin: a granule the holder left in another state after the wait is a state failure at base")
    func stateFailureAfterWaiting() {
        let h = Harness(lockContention: .spin)
        let (answer, waited) = runAgainstHeldLock(
            h, base, held: GranuleWord(state: .undelegated, locked: true), release: GranuleWord(state: .rtt)
        ) { h.delegate(base, base + 4 * g, cpu: 1) }
        #expect(waited)
        #expect(h.status(answer) == .errorInput)
        #expect(h.states(base + g, base + 4 * g).allSatisfy { $0 == .undelegated })
        h.force(base, GranuleWord(state: .undelegated))
    }

    @Test("spin: a lock held past the first granule still ends the call with partial progress, without waiting")
    func partialProgressPastFirstGranule() {
        let h = Harness(lockContention: .spin)
        h.force(base + 2 * g, GranuleWord(state: .undelegated, locked: true))
        #expect(h.delegate(base, base + 4 * g) == .result(.success, base + 2 * g))
        #expect(h.states(base, base + 2 * g).allSatisfy { $0 == .delegated })
        h.force(base + 2 * g, GranuleWord(state: .undelegated))
    }

    @Test("spin: a held lock after skipped granules ends the call with their progress, without waiting")
    func skippedProgressDoesNotWait() {
        let h = Harness(lockContention: .spin)
        h.delegateAll(base, base + g)
        h.force(base + g, GranuleWord(state: .undelegated, locked: true))
        #expect(h.delegate(base, base + 4 * g) == .result(.success, base + g))
        h.force(base + g, GranuleWord(state: .undelegated))
    }

    @Test("busy (the default): a lock held on the first granule answers RMI_BUSY at once and changes nothing")
    func busyAnswersAtOnce() {
        // No thread and no timeout: under busy the command must come back while the lock is still held, so it runs
        // on this thread and a wait would hang the test rather than pass it.
        let h = Harness()
        h.force(base, GranuleWord(state: .undelegated, locked: true))
        let answer = h.delegate(base, base + 4 * g, cpu: 1)
        h.force(base, GranuleWord(state: .undelegated))
        #expect(h.status(answer) == .busy)
        #expect(h.states(base, base + 4 * g).allSatisfy { $0 == .undelegated })
    }
}
