import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("Stateful RMI operations (RMI_INCOMPLETE, OP_CONTINUE, OP_MEM_*, OP_CANCEL)")
struct OperationTests {
    /// Starts an interrupted range command and returns its handle.
    func interrupted(_ h: Harness, delegate: Bool, _ from: UInt64, _ to: UInt64, cpu: Int = 0) -> UInt64 {
        h.port.state.withLock { $0.interruptPending = true }
        defer { h.port.state.withLock { $0.interruptPending = false } }
        let answer = delegate ? h.delegate(from, to, cpu: cpu) : h.undelegate(from, to, cpu: cpu)
        let result = RMIResult(rawValue: answer.x0)
        #expect(result.status == .incomplete)
        #expect(result.memoryRequest == OpMemRequest.none)
        #expect(!result.canCancel)
        return answer.x1
    }

    @Test("an interrupt during delegation yields RMI_INCOMPLETE; the run is PARTIAL and other commands are BLOCKED")
    func delegationYields() {
        let h = Harness()
        _ = interrupted(h, delegate: true, base, base + 8 * g)
        #expect(h.states(base, base + 8 * g).allSatisfy { $0 == .partial })
        #expect(h.port.el3Calls.isEmpty)
        #expect(h.status(h.delegate(base, base + 8 * g, cpu: 1)) == .blocked)
        #expect(h.status(h.undelegate(base + 4 * g, base + 8 * g, cpu: 1)) == .blocked)
        #expect(h.status(h.smc(.granuleTrackingSet, base, 0, 1)) == .blocked)
    }

    @Test("OP_CONTINUE finishes an interrupted delegation with the uninterrupted call's out_top and final state")
    func delegationResumes() {
        let h = Harness()
        let handle = interrupted(h, delegate: true, base, base + 8 * g)
        let answer = h.smc(.opContinue, handle)
        #expect(answer == SMCReturn(0, base + 8 * g))
        let reference = Harness()
        _ = reference.delegate(base, base + 8 * g)
        #expect(h.states(base, base + 9 * g) == reference.states(base, base + 9 * g))
        #expect(h.invariantViolations(base, base + 8 * g).isEmpty)
    }

    @Test("OP_CONTINUE may come from another CPU")
    func resumeOnAnotherCPU() {
        let h = Harness()
        let handle = interrupted(h, delegate: true, base, base + 2 * g, cpu: 2)
        #expect(h.smc(.opContinue, handle, cpu: 3) == SMCReturn(0, base + 2 * g))
    }

    @Test("an interrupted undelegation resumes, wipes and ends UNDELEGATED")
    func undelegationResumes() {
        let h = Harness()
        h.delegateAll(base, base + 1024 * g)
        #expect(h.port.write64(0x5A5A, at: PhysicalAddress(base + 700 * g), space: .realm))
        let handle = interrupted(h, delegate: false, base, base + 1024 * g)
        #expect(h.state(base) == .partial)
        #expect(h.smc(.opContinue, handle) == SMCReturn(0, base + 1024 * g))
        #expect(h.states(base, base + 1024 * g).allSatisfy { $0 == .undelegated })
        #expect(h.port.read64(PhysicalAddress(base + 700 * g), space: .nonSecure) == 0)
        #expect(h.invariantViolations(base, base + 1024 * g).isEmpty)
    }

    @Test("a resumed undelegation yields again while interrupts keep arriving, and still makes progress each time")
    func undelegationYieldsAgain() {
        let h = Harness()
        h.delegateAll(base, base + 2048 * g)
        let handle = interrupted(h, delegate: false, base, base + 2048 * g)
        h.port.state.withLock { $0.interruptPending = true }
        var answer = h.smc(.opContinue, handle)
        var continuations = 1
        while RMIResult(rawValue: answer.x0).status == .incomplete {
            answer = h.smc(.opContinue, handle)
            continuations += 1
        }
        #expect(continuations == 4)
        #expect(answer == SMCReturn(0, base + 2048 * g))
    }

    @Test("OP_CONTINUE complete: an unknown handle answers RMI_ERROR_INPUT", arguments: [UInt64(0), 1, 0xFFFF, ~0])
    func continue_complete(handle: UInt64) {
        #expect(Harness().smc(.opContinue, handle) == .result(.errorInput))
    }

    @Test("OP_CONTINUE complete: a finished operation's handle is not reused")
    func continue_completeStale() {
        let h = Harness()
        let handle = interrupted(h, delegate: true, base, base + g)
        #expect(h.smc(.opContinue, handle).x0 == 0)
        #expect(h.smc(.opContinue, handle) == .result(.errorInput))
        let next = interrupted(h, delegate: true, base + g, base + 2 * g)
        #expect(next != handle)
        #expect(h.smc(.opContinue, handle) == .result(.errorInput))
        #expect(h.smc(.opContinue, next).x0 == 0)
    }

    @Test("OP_CANCEL can_cancel: a range operation cannot be cancelled, and stays resumable")
    func cancel_can_cancel() {
        let h = Harness()
        let handle = interrupted(h, delegate: true, base, base + g)
        #expect(h.smc(.opCancel, handle) == .result(.errorInput))
        #expect(h.smc(.opContinue, handle) == SMCReturn(0, base + g))
    }

    @Test("OP_CANCEL complete: an unknown handle answers RMI_ERROR_INPUT")
    func cancel_complete() {
        #expect(Harness().smc(.opCancel, 5) == .result(.errorInput))
    }

    @Test("OP_MEM_DONATE and OP_MEM_RECLAIM complete: an operation not asking for memory answers RMI_ERROR_INPUT")
    func memoryTransfer_complete() {
        let h = Harness()
        let handle = interrupted(h, delegate: true, base, base + g)
        #expect(h.smc(.opMemDonate, handle, base + 16 * g, 1) == .result(.errorInput))
        #expect(h.smc(.opMemReclaim, handle, base + 16 * g, 1) == .result(.errorInput))
        #expect(h.smc(.opMemDonate, 0x1234, base + 16 * g, 1) == .result(.errorInput))
        #expect(h.smc(.opContinue, handle) == SMCReturn(0, base + g))
    }

    @Test("with every context waiting for the host, a range command answers RMI_BLOCKED and changes nothing")
    func poolExhaustedBlocked() {
        let h = Harness()
        let contexts = h.rmm.operations.contexts.count
        var handles: [UInt64] = []
        for i in 0..<UInt64(contexts) {
            handles.append(interrupted(h, delegate: true, base + i * g, base + (i + 1) * g))
        }
        let next = base + UInt64(contexts) * g
        #expect(h.status(h.delegate(next, next + g)) == .blocked)
        #expect(h.state(next) == .undelegated)
        for handle in handles { #expect(h.smc(.opContinue, handle).x0 == 0) }
        #expect(h.delegate(next, next + g) == SMCReturn(0, next + g))
    }
}

@Suite("The operation context pool's size (a model choice, --sro-contexts)")
struct OperationPoolSizeTests {
    /// Starts interrupted undelegations of one granule each until one is not RMI_INCOMPLETE; returns how many
    /// were, and that last answer's status.
    func pendUntilRefused(_ h: Harness) -> (pending: Int, refusal: RMIStatus) {
        let base: UInt64 = 0x8000_0000
        h.delegateAll(base, base + 64 * Harness.g)
        h.port.state.withLock { $0.interruptPending = true }
        for index in 0..<64 {
            let pa = base + UInt64(index) * Harness.g
            let status = h.status(h.undelegate(pa, pa + Harness.g))
            if status != .incomplete { return (index, status) }
        }
        return (64, .incomplete)
    }

    @Test("the pool holds contexts-per-CPU times CPUs; one more operation answers RMI_BLOCKED", arguments: [1, 2, 4])
    func poolSize(perCPU: Int) {
        let h = Harness(contextsPerCPU: perCPU)
        let (pending, refusal) = pendUntilRefused(h)
        #expect(pending == 4 * perCPU)
        #expect(refusal == .blocked)
    }
}
