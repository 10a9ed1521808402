import CCAPlatform
import Testing

@testable import Verification

/// Runs `program` (which asks the scheduler for choices) under exhaustive search and returns every choice sequence.
func enumerate(depth: Int, _ program: (ExhaustiveScheduler) -> Void) -> [[Int]] {
    let scheduler = ExhaustiveScheduler(depth: depth)
    var sequences: [[Int]] = []
    repeat {
        program(scheduler)
        sequences.append(scheduler.choices)
    } while scheduler.advance()
    return sequences
}

@Suite("Schedulers")
struct SchedulerTests {
    @Test func theExhaustiveSchedulerVisitsEverySequenceExactlyOnce() {
        let sequences = enumerate(depth: 4) { scheduler in
            for _ in 0..<4 { _ = scheduler.choose(among: 3) }
        }
        #expect(sequences.count == 81)
        #expect(Set(sequences).count == 81)
        #expect(sequences.first == [0, 0, 0, 0] && sequences.last == [2, 2, 2, 2])
    }

    @Test func branchingThatDependsOnEarlierChoicesIsEnumeratedCompletely() {
        // Choice i offers (previous choice + 2) answers: the number of sequences is the sum over the tree.
        func leaves(depth: Int, width: Int) -> Int {
            depth == 0 ? 1 : (0..<width).reduce(0) { $0 + leaves(depth: depth - 1, width: $1 + 2) }
        }
        let sequences = enumerate(depth: 4) { scheduler in
            var width = 2
            for _ in 0..<4 {
                guard let choice = scheduler.choose(among: width) else { return }
                width = choice + 2
            }
        }
        #expect(sequences.count == leaves(depth: 4, width: 2))
        #expect(Set(sequences).count == sequences.count)
    }

    @Test func theDepthBoundEndsTheChoicesOfARun() {
        let sequences = enumerate(depth: 2) { scheduler in
            for _ in 0..<4 { _ = scheduler.choose(among: 3) }
        }
        #expect(sequences.count == 9)
        #expect(sequences.allSatisfy { $0.count == 2 })
    }

    @Test func splitMix64ReproducesItsReferenceSequence() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func theRandomSchedulerMakesTheSameChoicesForTheSameSeed() {
        func draw(_ seed: UInt64) -> [Int] {
            let scheduler = RandomScheduler(seed: seed, depth: 16)
            return (0..<20).compactMap { _ in scheduler.choose(among: 7) }
        }
        #expect(draw(42) == draw(42))
        #expect(draw(42).count == 16)
        #expect(draw(42) != draw(43))
    }
}
