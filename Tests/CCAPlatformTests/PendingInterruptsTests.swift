import CCAPlatform
import Testing

@Suite("PendingInterrupts")
struct PendingInterruptsTests {
    @Test("a raised line is pending on its CPU only, until acknowledged")
    func raiseAndAcknowledge() throws {
        let interrupts = try PendingInterrupts(cpuCount: 4)
        #expect((0..<4).allSatisfy { !interrupts.isPending(cpu: $0) })
        interrupts.raise(cpu: 2)
        #expect((0..<4).map { interrupts.isPending(cpu: $0) } == [false, false, true, false])
        interrupts.acknowledge(cpu: 2)
        #expect(!interrupts.isPending(cpu: 2))
    }

    @Test("an injected irq is raised on the CPU of the range SMC that takes it")
    func injectedIRQ() throws {
        let injector = FaultInjector()
        let interrupts = try PendingInterrupts(cpuCount: 2)
        try injector.inject(.irq, count: 1)
        if injector.takeIRQ() { interrupts.raise(cpu: 1) }
        if injector.takeIRQ() { interrupts.raise(cpu: 0) }
        #expect(interrupts.isPending(cpu: 1))
        #expect(!interrupts.isPending(cpu: 0))
    }

    @Test("raising a line on a CPU the machine does not have is a programmer error and traps")
    func outOfRangeCPUTraps() async {
        await #expect(processExitsWith: .failure) {
            let interrupts = try PendingInterrupts(cpuCount: 4)
            interrupts.raise(cpu: 4)
        }
    }

    @Test("CPU counts outside 1...64 are refused", arguments: [0, 65])
    func invalidCount(count: Int) {
        #expect(throws: PlatformConfigurationError.cpuCountOutOfRange(count)) {
            _ = try PendingInterrupts(cpuCount: count)
        }
    }
}
