import CCAArch
import CCAPlatform
import Testing

@Suite("Tracer")
struct TracerTests {
    static func event(_ index: UInt64) -> TraceEvent {
        TraceEvent(
            cpu: 0, kind: .hostSMC, functionID: index, arguments: SMCArguments(index), result: SMCReturn(0),
            startNanoseconds: index, durationNanoseconds: 1)
    }

    @Test("a disabled tracer records nothing")
    func disabled() {
        let tracer = Tracer(capacity: 4)
        #expect(!tracer.isEnabled)
        tracer.record(Self.event(1))
        #expect(tracer.snapshot() == TraceSnapshot(events: [], droppedCount: 0))
    }

    @Test("a full buffer drops the oldest events and counts them")
    func boundedBuffer() {
        let tracer = Tracer(capacity: 3, enabled: true)
        for index in 1...5 { tracer.record(Self.event(UInt64(index))) }
        let snapshot = tracer.snapshot()
        #expect(snapshot.events.map(\.functionID) == [3, 4, 5])
        #expect(snapshot.droppedCount == 2)
        tracer.clear()
        #expect(tracer.snapshot() == TraceSnapshot(events: [], droppedCount: 0))
    }

    @Test("recording stops and resumes with the enabled flag")
    func toggling() {
        let tracer = Tracer(capacity: 8, enabled: true)
        tracer.record(Self.event(1))
        tracer.setEnabled(false)
        tracer.record(Self.event(2))
        tracer.setEnabled(true)
        tracer.record(Self.event(3))
        #expect(tracer.snapshot().events.map(\.functionID) == [1, 3])
    }

    @Test("a traced call records its registers and a monotonic start and duration")
    func tracedCall() {
        let tracer = Tracer(capacity: 8, enabled: true)
        let before = tracer.now()
        let result = tracer.traceCall(cpu: 2, kind: .el3Call, arguments: SMCArguments(0xC400_0402, 7)) {
            SMCReturn(0, 1)
        }
        let after = tracer.now()
        #expect(result == SMCReturn(0, 1))
        let event = tracer.snapshot().events[0]
        #expect(event.cpu == 2)
        #expect(event.kind == .el3Call)
        #expect(event.functionID == 0xC400_0402)
        #expect(event.arguments.x1 == 7)
        #expect(event.result == SMCReturn(0, 1))
        #expect(event.startNanoseconds >= before)
        #expect(event.startNanoseconds + event.durationNanoseconds <= after)
    }

    @Test("events from many threads are all kept or counted as dropped")
    func concurrentRecording() throws {
        let tracer = Tracer(capacity: 1000, enabled: true)
        try ProcessingElements(count: 4).run { cpu in
            for index in 0..<500 { tracer.record(Self.event(UInt64(cpu * 1000 + index))) }
        }
        let snapshot = tracer.snapshot()
        #expect(snapshot.events.count == 1000)
        #expect(snapshot.droppedCount == 1000)
    }
}
