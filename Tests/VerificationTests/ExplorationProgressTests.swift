import Testing

@testable import Verification

@Suite("Exploration progress")
struct ExplorationProgressTests {
    @Test("the exhaustive scheduler's explored share only grows, from 0, and stays below 1")
    func schedulerShareIsMonotonic() {
        // A tree with 3 answers at the first choice point and 2 at every later one, 3 choice points deep.
        let scheduler = ExhaustiveScheduler(depth: 3)
        var shares: [Double] = []
        repeat {
            var point = 0
            while let _ = scheduler.choose(among: point == 0 ? 3 : 2) { point += 1 }
            shares.append(scheduler.fractionExplored)
        } while scheduler.advance()
        #expect(shares.count == 12)
        #expect(shares.first == 0)
        #expect(zip(shares, shares.dropFirst()).allSatisfy { $0 < $1 })
        #expect((shares.last ?? 1) < 1)
    }

    @Test("the explorer's progress reports never move back across the passes of iterative deepening")
    func explorerProgressIsMonotonic() {
        var reports: [Double] = []
        let report = Explorer.run(
            helper: .linuxV14Delegate, bounds: ExplorationBounds(),
            mode: ExplorationMode(search: .exhaustive(memoise: true), answers: .includingForbidden)
        ) { reports.append($0.fractionDone) }
        #expect(report.schedulesRun > 3 * 4096)
        #expect(reports.count >= 3)
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0 <= $1 }, "\(reports)")
        #expect(reports.allSatisfy { (0...1).contains($0) })
    }
}
