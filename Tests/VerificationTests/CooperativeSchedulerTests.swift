import FirmwareSync
import Synchronization
import Testing

@testable import Verification

/// The interleaving checker's machinery on tiny programs of its own, where every interleaving is known: a checker
/// that could not fail would pass these only by chance.
@Suite("Cooperative scheduler and its strategies")
struct CooperativeSchedulerTests {
    /// Shared words for one run, watched by `scheduler`.
    final class Words: Sendable {
        let counter: SharedWord
        let lockA: SharedWord
        let lockB: SharedWord
        let scheduler: CooperativeScheduler
        init(_ scheduler: CooperativeScheduler) {
            self.scheduler = scheduler
            counter = SharedWord(0, location: SharedLocation(.granule, 0x1000), observer: scheduler)
            lockA = SharedWord(0, location: SharedLocation(.granule, 0xA000), observer: scheduler)
            lockB = SharedWord(0, location: SharedLocation(.granule, 0xB000), observer: scheduler)
        }

        /// A spin lock that tells the scheduler when it waits, as the RMM's granule locks do.
        func lock(_ word: borrowing SharedWord) {
            while !word.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged {
                waitingPoint(scheduler, word.location)
            }
        }

        func unlock(_ word: borrowing SharedWord) { word.store(0, ordering: .releasing) }
    }

    /// Every final counter value of two CPUs incrementing with a load and a store (no lock), under exhaustive
    /// search with `bound` preemptions; and the number of interleavings.
    func racyIncrements(bound: Int) -> (finals: Set<UInt64>, runs: Int) {
        let strategy = BoundedExhaustiveStrategy(preemptionBound: bound)
        var finals: Set<UInt64> = []
        var runs = 0
        repeat {
            let scheduler = CooperativeScheduler()
            let words = Words(scheduler)
            let increment: @Sendable (Int) -> Void = { _ in
                let value = words.counter.load(ordering: .relaxed)
                words.counter.store(value + 1, ordering: .relaxed)
            }
            let (end, _) = scheduler.run([increment, increment], strategy: strategy)
            #expect(end == .completed)
            finals.insert(words.counter.load(ordering: .relaxed))
            runs += 1
        } while strategy.advance()
        return (finals, runs)
    }

    @Test("exhaustive search finds the lost update of two unlocked increments, and counts the interleavings")
    func findsTheLostUpdate() {
        // Two CPUs of two steps each: 4!/(2!2!) = 6 interleavings, 2 of them without a preemption.
        let all = racyIncrements(bound: 2)
        #expect(all.runs == 6)
        #expect(all.finals == [1, 2])
        let none = racyIncrements(bound: 0)
        #expect(none.runs == 2)
        #expect(none.finals == [2])
    }

    @Test("two CPUs taking two locks in opposite orders deadlock in some interleaving, reported with the waits")
    func findsALockOrderDeadlock() {
        let strategy = BoundedExhaustiveStrategy(preemptionBound: 2)
        var deadlock: [Int: SharedLocation]? = nil
        repeat {
            let scheduler = CooperativeScheduler()
            let words = Words(scheduler)
            let (end, _) = scheduler.run(
                [
                    { _ in
                        words.lock(words.lockA)
                        words.lock(words.lockB)
                        words.unlock(words.lockB)
                        words.unlock(words.lockA)
                    },
                    { _ in
                        words.lock(words.lockB)
                        words.lock(words.lockA)
                        words.unlock(words.lockA)
                        words.unlock(words.lockB)
                    },
                ], strategy: strategy)
            if case .deadlock(let waiting) = end { deadlock = waiting }
        } while deadlock == nil && strategy.advance()
        #expect(deadlock == [0: SharedLocation(.granule, 0xB000), 1: SharedLocation(.granule, 0xA000)])
    }

    @Test("the same two CPUs taking the locks in one order never deadlock, and a waiter resumes after the release")
    func orderedLocksNeverDeadlock() {
        let strategy = BoundedExhaustiveStrategy(preemptionBound: 3)
        var runs = 0
        repeat {
            let scheduler = CooperativeScheduler()
            let words = Words(scheduler)
            let inOrder: @Sendable (Int) -> Void = { _ in
                words.lock(words.lockA)
                words.lock(words.lockB)
                let value = words.counter.load(ordering: .relaxed)
                words.counter.store(value + 1, ordering: .relaxed)
                words.unlock(words.lockB)
                words.unlock(words.lockA)
            }
            let (end, _) = scheduler.run([inOrder, inOrder], strategy: strategy)
            #expect(end == .completed)
            #expect(words.counter.load(ordering: .relaxed) == 2)
            runs += 1
        } while strategy.advance()
        #expect(runs > 2)
    }

    @Test("a run's schedule replays its steps exactly; PCT runs are reproducible from the seed")
    func replayAndSeedsAreExact() {
        func run(_ strategy: any InterleavingStrategy) -> (steps: [InterleavingStep], schedule: [Int]) {
            let scheduler = CooperativeScheduler()
            let words = Words(scheduler)
            let increment: @Sendable (Int) -> Void = { _ in
                for _ in 0..<3 {
                    let value = words.counter.load(ordering: .relaxed)
                    words.counter.store(value + 1, ordering: .relaxed)
                }
            }
            let (_, steps) = scheduler.run([increment, increment, increment], strategy: strategy)
            return (steps, strategy.schedule)
        }
        let pct = PCTStrategy(seed: 42, cpus: 3, depth: 3, expectedSteps: 18)
        let runs = (0..<5).map { _ in run(pct) }
        let again = PCTStrategy(seed: 42, cpus: 3, depth: 3, expectedSteps: 18)
        for first in runs {
            let second = run(again)
            #expect(second.steps == first.steps)
            let replayed = run(ReplayStrategy(first.schedule))
            #expect(replayed.steps == first.steps)
        }
        #expect(Set(runs.map(\.schedule)).count > 1, "PCT chose the same interleaving five times")
    }

    @Test("a consistency check that fails ends the run with its message, where it failed")
    func reportsAFailedConsistencyCheck() {
        let scheduler = CooperativeScheduler()
        let words = Words(scheduler)
        let (end, _) = scheduler.run(
            [{ _ in firmwarePrecondition(false, "broken", observer: words.scheduler, at: words.counter.location) }],
            strategy: ReplayStrategy([]))
        #expect(end == .preconditionFailure(cpu: 0, message: "broken", location: SharedLocation(.granule, 0x1000)))
    }

    @Test("a CPU that never stops taking steps ends the run at the step bound")
    func boundsALivelock() {
        let scheduler = CooperativeScheduler(maxSteps: 50)
        let words = Words(scheduler)
        let (end, _) = scheduler.run(
            [{ _ in while words.counter.load(ordering: .relaxed) == 0 {} }], strategy: ReplayStrategy([]))
        #expect(end == .stepLimit(cpu: 0, steps: 51))
    }

    @Test("schedules read back as they are written, runs of one CPU compressed")
    func scheduleText() {
        let schedule = [0, 0, 0, 1, 1, 0, 2]
        #expect(InterleavingSchedule.text(schedule) == "0*3,1*2,0,2")
        #expect(InterleavingSchedule.parse("0*3,1*2,0,2") == schedule)
        #expect(InterleavingSchedule.parse("-") == [])
        for bad in ["", "a", "0*", "0*0", "-1", "1**2", "0,,1"] {
            #expect(InterleavingSchedule.parse(bad) == nil, "\(bad)")
        }
    }
}
