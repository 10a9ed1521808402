import CCAPlatform
import Foundation
import Synchronization
import Testing

@Suite("ProcessingElements")
struct ProcessingElementsTests {
    @Test("every CPU index runs once, each on its own thread, and results come back in CPU order")
    func runsEachCPU() throws {
        let cpus = try ProcessingElements(count: 8)
        let caller = pthread_self()
        let results = cpus.map { cpu in (cpu: cpu, thread: pthread_self()) }
        #expect(results.map(\.cpu) == Array(0..<8))
        #expect(!results.map(\.thread).contains(caller))
    }

    @Test("the CPUs run at the same time on distinct threads: each waits until all have started")
    func concurrency() throws {
        let started = Atomic<Int>(0)
        let cpus = try ProcessingElements(count: 4)
        let sawAll = cpus.map { _ in
            // Relaxed: a rendezvous count only; no other memory is published through it.
            started.add(1, ordering: .relaxed)
            let deadline = Date().addingTimeInterval(10)
            while started.load(ordering: .relaxed) < 4 && Date() < deadline { usleep(100) }
            return (all: started.load(ordering: .relaxed) == 4, thread: pthread_self())
        }
        #expect(sawAll.map(\.all) == [true, true, true, true])
        // All four were alive at once, so their thread identities are distinct.
        #expect(Set(sawAll.map(\.thread)).count == 4)
    }

    @Test("CPU counts outside 1...64 are refused", arguments: [0, -1, 65])
    func invalidCount(count: Int) {
        #expect(throws: PlatformConfigurationError.cpuCountOutOfRange(count)) {
            _ = try ProcessingElements(count: count)
        }
    }

    @Test("the default platform has four CPUs")
    func defaultPlatform() throws {
        #expect(try ProcessingElements(configuration: .default).count == 4)
    }
}
