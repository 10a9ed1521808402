import CCAArch
import Dispatch
import GranuleProtection
import Synchronization
import Testing

@Suite("Concurrent transitions")
struct GPTConcurrencyTests {
    @Test("transitions of disjoint 512 MB blocks from several threads all land, with checks running alongside")
    func disjointBlocks() throws {
        let gpt = try makeStandardGPT()
        let workers = 4
        let rounds = 40
        DispatchQueue.concurrentPerform(iterations: workers + 1) { worker in
            if worker == workers {
                // A reader: checks never fault with a walk fault while transitions run.
                var random = SplitMix64(seed: 99)
                for _ in 0..<20_000 {
                    let pa = PhysicalAddress((random.next() % (2 * GiB)) & ~0xFFF)
                    let fault = gpt.check(pa, accessedBy: .realm)
                    precondition(fault == nil || fault!.kind == .gpf, "walk fault during concurrent transitions")
                }
                return
            }
            var random = SplitMix64(seed: UInt64(worker))
            let blockBase = UInt64(worker) * 512 * MiB
            for _ in 0..<rounds {
                let offset = (random.next() % (500 * MiB)) & ~0xFFF
                let count = 1 + random.next() % 2048
                let delegated = gpt.delegate(PhysicalAddress(blockBase + offset), count: count)
                precondition(delegated.stop == .completed, "a delegation in a private block did not complete")
                let undelegated = gpt.undelegate(PhysicalAddress(blockBase + offset), count: count)
                precondition(undelegated.stop == .completed, "an undelegation in a private block did not complete")
            }
            // Leave a known mark: the block's first 1 MB is Realm.
            _ = gpt.delegate(PhysicalAddress(blockBase), count: 256)
        }
        for worker in 0..<UInt64(workers) {
            let base = worker * 512 * MiB
            #expect(gpt.gpi(at: PhysicalAddress(base)) == .realm)
            #expect(gpt.gpi(at: PhysicalAddress(base + MiB - 4096)) == .realm)
            #expect(gpt.gpi(at: PhysicalAddress(base + MiB)) == .nonSecure)
        }
        #expect(gpt.verifyContiguity())
    }

    @Test("transitions racing for one block serialise on its lock and each granule changes once")
    func sameBlock() throws {
        let gpt = try makeStandardGPT()
        let workers = 4
        // Atomics, not a Mutex: ThreadSanitizer cannot see a contended Mutex's wake-up (the Synchronization library
        // is not instrumented) and would report the workers' appends as a race.
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let processed = gpt.delegate(PhysicalAddress(0), count: 4096).processed
            results.record(processed)
        }
        // One delegation wins the whole run; the others stop at granule 0, already Realm.
        #expect(results.zeros.load(ordering: .relaxed) == 3)
        #expect(results.whole.load(ordering: .relaxed) == 1)
    }
}

/// How many workers processed nothing and how many the whole run (anything else is counted in neither).
private final class Results: Sendable {
    let zeros = Atomic<Int>(0)
    let whole = Atomic<Int>(0)

    func record(_ processed: UInt64) {
        // Relaxed: read after concurrentPerform returns, which orders every worker before the reader.
        if processed == 0 { zeros.add(1, ordering: .relaxed) }
        if processed == 4096 { whole.add(1, ordering: .relaxed) }
    }
}
