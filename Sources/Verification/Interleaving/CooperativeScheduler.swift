import Dispatch
import FirmwareSync
import Foundation

/// Runs simulated CPUs as cooperative tasks that switch only at the firmware's scheduling points, letting a
/// strategy choose at each point which CPU takes the next shared-memory step.
///
/// Each CPU runs on a thread of its own, but only the CPU holding the baton runs: at every point the running CPU
/// asks the strategy who goes next and, if it is another CPU, hands the baton over and sleeps until it comes
/// back. So a run is a sequence of steps fixed entirely by the strategy's choices, and a schedule replays it.
///
/// A CPU that spins on a held word (`willWait`) sleeps until another CPU writes that word; when no CPU can run
/// and some have not finished, the run is a deadlock. A CPU that fails a firmware consistency check, or runs past
/// the step bound, ends the run; its thread, and any CPU thread that never finished, is parked for good (it holds
/// the firmware's stack mid-command), so only runs that find a bug leave threads behind.
final class CooperativeScheduler: SchedulingObserver, @unchecked Sendable {
    // @unchecked: all mutable state is behind `lock`; the baton's semaphores order each CPU's steps after the
    // previous holder's.
    private let lock = NSLock()
    private let maxSteps: Int

    private enum Status: Equatable {
        case runnable
        case waiting(SharedLocation)
        case finished
    }

    private struct CPU {
        var status = Status.runnable
        /// A location this CPU wrote in its last step: CPUs waiting for it wake at its next point.
        var pendingWake: SharedLocation? = nil
        var command = "start"
        /// Whether the CPU has yet to take its first step: the decision that gave it the baton chose that step.
        var fresh = true
        let baton = DispatchSemaphore(value: 0)
    }

    private var cpus: [CPU] = []
    private var running: Int?
    private var active = false
    private var strategy: (any InterleavingStrategy)?
    private var steps: [InterleavingStep] = []
    private var end: InterleavingRunEnd?
    private var controller = DispatchSemaphore(value: 0)

    init(maxSteps: Int = 100_000) { self.maxSteps = maxSteps }

    /// Runs `programs` (program `i` is CPU `i`'s) to the end under `strategy`; the steps taken and how it ended.
    func run(
        _ programs: [@Sendable (Int) -> Void], strategy: any InterleavingStrategy
    ) -> (end: InterleavingRunEnd, steps: [InterleavingStep]) {
        lock.lock()
        cpus = programs.map { _ in CPU() }
        steps = []
        end = nil
        controller = DispatchSemaphore(value: 0)
        self.strategy = strategy
        strategy.startRun()
        active = true
        let batons = cpus.map(\.baton)
        let first = strategy.choose(current: nil, runnable: Array(cpus.indices))
        running = first
        lock.unlock()
        for (index, program) in programs.enumerated() {
            let thread = Thread { [self] in
                batons[index].wait()
                program(index)
                finish(index)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        if let first { batons[first].signal() } else { stop(.nondeterminism(decision: 0)) }
        controller.wait()
        lock.lock()
        defer { lock.unlock() }
        active = false
        running = nil
        return (end ?? .completed, steps)
    }

    /// Names the command CPU `cpu` runs from now on, for the steps it records.
    func label(cpu: Int, _ command: String) {
        lock.lock()
        if cpu < cpus.count { cpus[cpu].command = command }
        lock.unlock()
    }

    // MARK: SchedulingObserver

    func willAccess(_ location: SharedLocation, _ access: SharedAccess) {
        lock.lock()
        guard active, let me = running else { return lock.unlock() }
        wakeWaiters(of: me)
        if access != .load { cpus[me].pendingWake = location }
        if cpus[me].fresh {
            cpus[me].fresh = false
        } else {
            let next = decide(current: me)
            handOver(from: me, to: next)
            lock.lock()
        }
        steps.append(InterleavingStep(cpu: me, command: cpus[me].command, location: location, access: access))
        let count = steps.count
        lock.unlock()
        if count > maxSteps { stopAndPark(.stepLimit(cpu: me, steps: count)) }
    }

    func willWait(for location: SharedLocation) {
        lock.lock()
        guard active, let me = running else { return lock.unlock() }
        wakeWaiters(of: me)
        steps.append(InterleavingStep(cpu: me, command: cpus[me].command, location: location, access: nil))
        cpus[me].fresh = false
        cpus[me].status = .waiting(location)
        guard let next = decide(current: nil) else {
            let outcome = deadlockOrDivergence()
            lock.unlock()
            stopAndPark(outcome)
        }
        handOver(from: me, to: next)
    }

    func preconditionFailed(_ message: StaticString, at location: SharedLocation) {
        lock.lock()
        guard active, let me = running else { return lock.unlock() }
        lock.unlock()
        stopAndPark(.preconditionFailure(cpu: me, message: message.description, location: location))
    }

    // MARK: The baton

    /// The CPU that takes the next step, chosen by the strategy among the runnable ones; `nil` if none can (or
    /// the strategy's replay diverged). Called with the lock held.
    private func decide(current: Int?) -> Int? {
        let runnable = cpus.indices.filter { cpus[$0].status == .runnable }
        guard !runnable.isEmpty else { return nil }
        return strategy?.choose(current: current, runnable: runnable)
    }

    /// Gives the baton to `next` (releasing the lock) and, if that is another CPU, sleeps until it comes back.
    private func handOver(from me: Int, to next: Int?) {
        guard let next else {
            let outcome = deadlockOrDivergence()
            lock.unlock()
            stopAndPark(outcome)
        }
        running = next
        let mine = cpus[me].baton
        let theirs = cpus[next].baton
        lock.unlock()
        if next != me {
            theirs.signal()
            mine.wait()
        }
    }

    /// Makes the CPUs waiting for the location `cpu` wrote in its last step runnable. Called with the lock held.
    private func wakeWaiters(of cpu: Int) {
        guard let written = cpus[cpu].pendingWake else { return }
        cpus[cpu].pendingWake = nil
        for index in cpus.indices where cpus[index].status == .waiting(written) { cpus[index].status = .runnable }
    }

    /// A CPU's program returned.
    private func finish(_ me: Int) {
        lock.lock()
        wakeWaiters(of: me)
        cpus[me].status = .finished
        if cpus.allSatisfy({ $0.status == .finished }) {
            end = end ?? .completed
            lock.unlock()
            controller.signal()
            return
        }
        guard let next = decide(current: nil) else {
            let outcome = deadlockOrDivergence()
            end = end ?? outcome
            lock.unlock()
            controller.signal()
            return
        }
        running = next
        let theirs = cpus[next].baton
        lock.unlock()
        theirs.signal()
    }

    /// Why no CPU can run. Called with the lock held.
    private func deadlockOrDivergence() -> InterleavingRunEnd {
        if cpus.contains(where: { $0.status == .runnable }) {
            return .nondeterminism(decision: strategy?.schedule.count ?? 0)
        }
        var waiting: [Int: SharedLocation] = [:]
        for (index, cpu) in cpus.enumerated() {
            if case .waiting(let location) = cpu.status { waiting[index] = location }
        }
        return .deadlock(waiting: waiting)
    }

    private func stop(_ outcome: InterleavingRunEnd) {
        lock.lock()
        end = end ?? outcome
        running = nil
        lock.unlock()
        controller.signal()
    }

    /// Ends the run with `outcome` and parks the calling CPU's thread for good.
    private func stopAndPark(_ outcome: InterleavingRunEnd) -> Never {
        stop(outcome)
        DispatchSemaphore(value: 0).wait()
        fatalError("a parked CPU thread woke up")
    }
}
