import CCAArch
import RMIHost
import Testing

@Suite("Programmer errors trap")
struct InvariantTests {
    @Test("rolling back an undelegation outcome traps: only a delegation has a prefix to undo")
    func rollbackOfUndelegationTraps() async {
        await #expect(processExitsWith: .failure) {
            let host = HostRMI(
                conduit: ScriptedConduit(), memory: MemoryDouble(), configuration: HostConfiguration(dramRegions: []))
            let outcome = RangeOutcome(
                operation: .undelegate, base: PhysicalAddress(0x8000_0000), size: 0x1000,
                top: PhysicalAddress(0x8000_0000), smcCount: 0, failure: nil)
            _ = host.rollback(outcome)
        }
    }

    @Test("a retry policy allowing no SMC at all traps")
    func zeroBudgetTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = RetryPolicy(attemptBudget: 0)
        }
    }

    @Test("an allocator over overlapping regions traps")
    func overlappingRegionsTrap() async {
        await #expect(processExitsWith: .failure) {
            let first = try! GranuleRange(base: PhysicalAddress(0x8000_0000), size: 0x4000)
            let second = try! GranuleRange(base: PhysicalAddress(0x8000_2000), size: 0x4000)
            _ = HostPageAllocator(regions: [first, second])
        }
    }
}
