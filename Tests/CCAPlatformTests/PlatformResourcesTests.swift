import CCAArch
import CCAPlatform
import Testing

@Suite("PlatformResources")
struct PlatformResourcesTests {
    @Test("the default platform's resources match its configuration")
    func defaultResources() throws {
        let resources = try PlatformResources(configuration: .default)
        #expect(resources.processingElements.count == 4)
        #expect(resources.interrupts.cpuCount == 4)
        #expect(resources.memory.isMemory(PhysicalAddress(0x8000_0000), byteCount: 0x8000_0000))
        #expect(!resources.memory.isMemory(PhysicalAddress(0), byteCount: 1))
        #expect(!resources.tracer.isEnabled)
        #expect(resources.counters.snapshot() == ArchitecturalCountersSnapshot())
    }

    @Test("an invalid configuration is refused")
    func invalid() {
        var configuration = PlatformConfiguration.default
        configuration.cpuCount = 0
        #expect(throws: PhysicalMemoryError.invalidConfiguration(.cpuCountOutOfRange(0))) {
            _ = try PlatformResources(configuration: configuration)
        }
    }

    @Test("random streams replay under the same seed and differ between seeds")
    func randomStreams() throws {
        var configuration = PlatformConfiguration.default
        configuration.seed = 7
        let first = try PlatformResources(configuration: configuration)
        let second = try PlatformResources(configuration: configuration)
        var a = first.random(stream: 1)
        var b = second.random(stream: 1)
        #expect((0..<16).map { _ in a.next() } == (0..<16).map { _ in b.next() })
        configuration.seed = 8
        var c = try PlatformResources(configuration: configuration).random(stream: 1)
        var d = first.random(stream: 1)
        #expect((0..<16).map { _ in c.next() } != (0..<16).map { _ in d.next() })
    }
}
