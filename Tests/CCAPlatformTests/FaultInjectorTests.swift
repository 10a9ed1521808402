import CCAPlatform
import Testing

@Suite("FaultInjector")
struct FaultInjectorTests {
    @Test("range SMC faults apply to exactly the next N range SMCs, in injection order")
    func rangeFaultsInOrder() throws {
        let injector = FaultInjector()
        try injector.inject(.busy, count: 2)
        try injector.inject(.blocked, count: 1)
        try injector.inject(.zeroProgress, count: 1)
        #expect(injector.pendingCount(.busy) == 2)
        let taken = (0..<5).map { _ in injector.takeRangeSMCFault() }
        #expect(taken == [.busy, .busy, .blocked, .zeroProgress, nil])
    }

    @Test("EL3 refusals and interrupts are counted apart from range faults")
    func separateCounts() throws {
        let injector = FaultInjector()
        try injector.inject(.el3Refuse, count: 2)
        try injector.inject(.irq, count: 1)
        #expect(injector.takeRangeSMCFault() == nil)
        #expect(injector.takeIRQ())
        #expect(!injector.takeIRQ())
        #expect(injector.takeEL3Refusal())
        #expect(injector.takeEL3Refusal())
        #expect(!injector.takeEL3Refusal())
    }

    @Test("el3_busy is counted apart, consumed one GPI_SET at a time, and injected by its protocol name")
    func el3Busy() throws {
        let injector = FaultInjector()
        try injector.inject(named: "el3_busy", count: 2)
        #expect(injector.pendingCount(.el3Busy) == 2)
        #expect(injector.takeRangeSMCFault() == nil)
        #expect(!injector.takeEL3Refusal())
        #expect(injector.takeEL3Busy())
        #expect(injector.takeEL3Busy())
        #expect(!injector.takeEL3Busy())
        #expect(!injector.isArmed)
    }

    @Test("clear drops every pending injection")
    func clear() throws {
        let injector = FaultInjector()
        for fault in InjectedFault.allCases { try injector.inject(fault, count: 3) }
        injector.clear()
        for fault in InjectedFault.allCases { #expect(injector.pendingCount(fault) == 0) }
        #expect(injector.takeRangeSMCFault() == nil)
        #expect(!injector.takeEL3Refusal())
        #expect(!injector.takeEL3Busy())
        #expect(!injector.takeIRQ())
    }

    @Test("faults are injected by their protocol names, and clear by name clears")
    func byName() throws {
        let injector = FaultInjector()
        try injector.inject(named: "zero_progress", count: 1)
        try injector.inject(named: "el3_refuse", count: 1)
        #expect(injector.pendingCount(.zeroProgress) == 1)
        try injector.inject(named: "clear", count: 0)
        #expect(injector.pendingCount(.el3Refuse) == 0)
        #expect(throws: FaultInjectionError.unknownFault("slow")) { try injector.inject(named: "slow", count: 1) }
    }

    @Test("a negative count is refused and a zero count injects nothing")
    func counts() throws {
        let injector = FaultInjector()
        #expect(throws: FaultInjectionError.negativeCount(-1)) { try injector.inject(.busy, count: -1) }
        try injector.inject(.busy, count: 0)
        #expect(injector.takeRangeSMCFault() == nil)
    }

    @Test("counts that would overflow saturate instead of trapping")
    func saturation() throws {
        let injector = FaultInjector()
        try injector.inject(.irq, count: .max)
        try injector.inject(.irq, count: .max)
        try injector.inject(.busy, count: .max)
        try injector.inject(.busy, count: 1)
        #expect(injector.pendingCount(.irq) == .max)
        #expect(injector.pendingCount(.busy) == .max)
    }

    @Test("concurrent takers consume each injected fault exactly once")
    func concurrentTaking() throws {
        let injector = FaultInjector()
        try injector.inject(.busy, count: 1000)
        let taken = try ProcessingElements(count: 4).map { _ in
            (0..<500).reduce(0) { count, _ in count + (injector.takeRangeSMCFault() == nil ? 0 : 1) }
        }
        #expect(taken.reduce(0, +) == 1000)
    }
}
