import CCAArch
import FirmwareSync
import Synchronization

/// How many RMI commands each CPU is inside now: one word per CPU, so entering and leaving a command touches only
/// the caller's own word (no shared counter every SMC would contend on), and nothing allocates after boot.
///
/// Only RMI_RMM_DEACTIVATE reads the other CPUs' words: it may discard the granule table only when no other CPU
/// is inside a command, and the protocol that makes that check sound is in `RealmManagementMonitor.handle` and
/// `deactivate(cpu:)` (docs/concurrency.md, "Deactivation").
final class CommandsInFlight: Sendable {
    private final class Count: Sendable {
        let word: SharedWord
        init(cpu: Int, observer: (any SchedulingObserver)?) {
            word = SharedWord(0, location: SharedLocation(.commandsInFlight, UInt64(cpu)), observer: observer)
        }
    }

    /// The counts, one per CPU (each its own object, so no two CPUs' words share a cache line), lent without a
    /// retain to every command's entry and exit.
    private let counts: UnretainedObjects<Count>

    init(cpuCount: Int, observer: (any SchedulingObserver)?) {
        var counts: [Count] = []
        for cpu in 0..<cpuCount { counts.append(Count(cpu: cpu, observer: observer)) }
        self.counts = UnretainedObjects(counts)
    }

    /// `cpu` enters a command. Sequentially consistent: ordered before the caller's load of the lifecycle word,
    /// against a deactivation's claim of that word and its later load of this count (a store-load pair that
    /// acquire and release alone would not order).
    @inline(__always)
    func enter(cpu: Int) {
        precondition(cpu >= 0 && cpu < counts.count, "CPU index out of the platform")
        _ = counts.withObject(at: cpu) { $0.word.wrappingAddSequentiallyConsistent(1) }
    }

    /// `cpu` leaves the command it entered. Releasing: every access the command made to the granule table
    /// happens before a deactivation that reads the count back to zero.
    @inline(__always)
    func leave(cpu: Int) {
        precondition(cpu >= 0 && cpu < counts.count, "CPU index out of the platform")
        _ = counts.withObject(at: cpu) { $0.word.wrappingSubtractReleasing(1) }
    }

    /// Whether no CPU but `cpu` is inside a command, and `cpu` is inside only the one that asks. Sequentially
    /// consistent loads, after the caller's claim of the lifecycle word (the other half of `enter`'s pairing).
    func onlyCaller(_ cpu: Int) -> Bool {
        for (index, count) in counts.all.enumerated() {
            let value = count.word.load(ordering: .sequentiallyConsistent)
            if value > (index == cpu ? 1 : 0) { return false }
        }
        return true
    }
}
