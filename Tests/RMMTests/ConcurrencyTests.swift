import CCAArch
import CCAPlatform
import Dispatch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("Several CPUs at once")
struct ConcurrencyTests {
    @Test("DEACTIVATE and ACTIVATE on one CPU while three delegate, undelegate and read tracking: every answer legal")
    func deactivateUnderLoad() {
        let h = Harness()
        let deactivations = Locked<[RMIStatus: Int]>([:])
        let violations = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { cpu in
            for round in 0..<400 {
                if cpu == 0 {
                    let status = h.status(h.smc(.rmmDeactivate, cpu: 0))
                    deactivations.withLock { $0[status, default: 0] += 1 }
                    if status == .success { _ = h.smc(.rmmActivate, cpu: 0) }
                    continue
                }
                // Each other CPU works on a granule of its own and always gives it back, so a deactivation can
                // win between its commands; one that wins makes them answer RMI_ERROR_GLOBAL until reactivation.
                let pa = base + UInt64(cpu) * g
                let answers = [
                    h.delegate(pa, pa + g, cpu: cpu), h.smc(.granuleTrackingGet, pa, pa + g, cpu: cpu),
                    h.undelegate(pa, pa + g, cpu: cpu),
                ]
                for (index, answer) in answers.enumerated() {
                    let status = h.status(answer)
                    let legal =
                        status == .success || (index != 1 && status == .errorGlobal)
                        || (index != 1 && status == .busy)
                    if !legal { violations.withLock { $0.append("cpu \(cpu) round \(round): \(status.name)") } }
                }
            }
        }
        #expect(violations.withLock { $0 }.isEmpty)
        let counts = deactivations.withLock { $0 }
        #expect(Set(counts.keys).isSubset(of: [.success, .busy, .errorGlobal]), "\(counts)")
        // Quiescent: reactivate if the last one won, then everything is back to UNDELEGATED and consistent.
        if h.rmm.lifecycleState == .initial { #expect(h.smc(.rmmActivate) == .result(.success)) }
        for cpu in 1..<4 {
            let pa = base + UInt64(cpu) * g
            if h.state(pa) == .delegated { #expect(h.undelegate(pa, pa + g).x0 == 0) }
        }
        #expect(h.invariantViolations(base, base + 4 * g).isEmpty)
        #expect(h.smc(.rmmDeactivate) == .result(.success))
    }

    @Test("random delegations and undelegations on shared granules from 4 CPUs: every answer legal, no lost update")
    func randomSharedRanges() {
        let h = Harness()
        let granules: UInt64 = 64
        let violations = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { cpu in
            var random = SplitMix64(seed: UInt64(cpu) &* 7919)
            for _ in 0..<1500 {
                let first = random.next() % granules
                let last = first + 1 + random.next() % (granules - first)
                let from = base + first * g
                let to = base + last * g
                let delegate = random.next() & 1 == 0
                let answer = delegate ? h.delegate(from, to, cpu: cpu) : h.undelegate(from, to, cpu: cpu)
                let status = h.status(answer)
                let legal: Bool
                switch status {
                case .success: legal = answer.x1 > from && answer.x1 <= to && answer.x1 % g == 0
                case .busy, .blocked, .errorInput: legal = true
                default: legal = false
                }
                if !legal {
                    violations.withLock { $0.append("cpu \(cpu): \(status.name) x1=\(answer.x1) for [\(from), \(to))") }
                }
            }
        }
        #expect(violations.withLock { $0 }.isEmpty)
        // Quiescent: no granule is left locked or PARTIAL, and the GPT agrees with the RMM everywhere.
        for pa in stride(from: base, to: base + granules * g, by: Int(g)) {
            let region = h.rmm.table!.region(containing: PhysicalAddress(pa))!
            let word = region.words.load(region.index(of: PhysicalAddress(pa)))
            #expect(!word.isLocked && word.state != .partial)
        }
        #expect(h.invariantViolations(base, base + granules * g).isEmpty)
        // And everything can still be delegated and undelegated completely.
        h.delegateAll(base, base + granules * g)
        #expect(h.states(base, base + granules * g).allSatisfy { $0 == .delegated })
    }

    @Test("two CPUs delegating the same range: each granule is delegated exactly once, by one EL3 call")
    func sameRangeTwice() {
        let h = Harness()
        let top = base + 256 * g
        DispatchQueue.concurrentPerform(iterations: 2) { cpu in
            var cursor = base
            var attempts = 0
            while cursor < top && attempts < 100_000 {
                attempts += 1
                let answer = h.delegate(cursor, top, cpu: cpu)
                if answer.x0 == 0 { cursor = answer.x1 }
            }
        }
        #expect(h.states(base, top).allSatisfy { $0 == .delegated })
        let moved = h.port.el3Calls.reduce(UInt64(0)) { $0 + $1.x2 }
        #expect(h.port.el3Calls.allSatisfy { $0.x3 == UInt64(GPI.realm.rawValue) })
        #expect(moved == 256)
        #expect(h.invariantViolations(base, top).isEmpty)
    }
}
