import CCAArch
import Testing

@testable import RMM

private let g = Harness.g
private let mb2: UInt64 = 0x20_0000
/// A non-coherent device bank (4 MiB: two 2 MB regions) and a coherent one (2 MiB), each in a 1 GB region of
/// its own above the harness's DRAM.
private let ncoh = MemoryBank(base: PhysicalAddress(0x2_0000_0000), size: 2 * mb2, category: .deviceNonCoherent)
private let coh = MemoryBank(base: PhysicalAddress(0x3_0000_0000), size: mb2, category: .deviceCoherent)
private let fine = UInt64(TrackingState.fine.rawValue)

@Suite("Device memory (bet3.md section 6)")
struct DeviceMemoryTests {
    func harness() -> Harness { Harness(devices: [ncoh, coh]) }

    @Test(
        "bet3 6: TRACKING_GET reports a device bank with its category, FINE after activation", arguments: [ncoh, coh])
    func trackingGetCategory(bank: MemoryBank) {
        let h = harness()
        let answer = h.smc(.granuleTrackingGet, bank.base.rawValue, bank.top.rawValue + mb2)
        #expect(answer == SMCReturn(0, UInt64(bank.category.rawValue), fine, bank.top.rawValue))
        // Before activation: the category with TRACKING_NONE.
        let before = Harness(activate: false, devices: [ncoh, coh])
        #expect(
            before.smc(.granuleTrackingGet, bank.base.rawValue, bank.top.rawValue).x1 == UInt64(bank.category.rawValue))
    }

    @Test("bet3 6: TRACKING_SET names a device region by its own category", arguments: [ncoh, coh])
    func trackingSetCategory(bank: MemoryBank) {
        let h = harness()
        let untracked = UInt64(TrackingState.none.rawValue)
        #expect(h.smc(.granuleTrackingSet, bank.base.rawValue, 0, untracked) == .result(.errorInput))
        #expect(
            h.smc(.granuleTrackingSet, bank.base.rawValue, UInt64(bank.category.rawValue), untracked)
                == .result(.success))
    }

    @Test(
        "bet3 6: the range commands delegate and undelegate device memory, and the GPIs follow", arguments: [ncoh, coh])
    func rangeCommands(bank: MemoryBank) {
        let h = harness()
        let base = bank.base.rawValue
        #expect(h.delegate(base, base + 8 * g) == SMCReturn(0, base + 8 * g))
        #expect(h.states(base, base + 8 * g).allSatisfy { $0 == .delegated })
        #expect(h.port.gpi(base) == .realm)
        #expect(h.undelegate(base, base + 8 * g) == SMCReturn(0, base + 8 * g))
        #expect(h.states(base, base + 8 * g).allSatisfy { $0 == .undelegated })
        #expect(h.invariantViolations(base, base + 8 * g).isEmpty)
    }

    @Test("bet3 6: undelegating device memory never scrubs it, as a FINE run or a COARSE unit")
    func neverScrubbed() {
        let h = Harness.configured(1, devices: [ncoh, coh])
        let base = ncoh.base.rawValue
        #expect(h.port.write64(0x5A5A, at: PhysicalAddress(base + g), space: .nonSecure))
        #expect(h.delegate(base, base + 2 * g) == SMCReturn(0, base + 2 * g))
        #expect(h.undelegate(base, base + 2 * g) == SMCReturn(0, base + 2 * g))
        // A COARSE device unit: the second 2 MB region of the bank.
        let unit = base + mb2
        let category = UInt64(ncoh.category.rawValue)
        #expect(h.smc(.granuleTrackingSet, unit, category, UInt64(TrackingState.coarse.rawValue)) == .result(.success))
        #expect(h.port.write64(0xA5A5, at: PhysicalAddress(unit), space: .nonSecure))
        #expect(h.delegate(unit, unit + mb2) == SMCReturn(0, unit + mb2))
        #expect(h.undelegate(unit, unit + mb2) == SMCReturn(0, unit + mb2))
        #expect(h.port.state.withLock { $0.zeroed.isEmpty })
        #expect(h.port.word(base + g) == 0x5A5A && h.port.word(unit) == 0xA5A5)
        // Conventional memory still is.
        let dram = Harness.dram0.base.rawValue
        #expect(h.delegate(dram, dram + g).x0 == 0 && h.undelegate(dram, dram + g).x0 == 0)
        #expect(h.port.state.withLock { $0.zeroed.map(\.0) } == [dram])
    }

    @Test("bet3 6: device memory never becomes an RMM object: a DELEGATED device granule is not delegable memory")
    func neverAnObject() throws {
        let h = harness()
        let base = ncoh.base.rawValue
        #expect(h.delegate(base, base + g).x0 == 0)
        let locked = h.rmm.lockGranule(PhysicalAddress(base)) != nil
        #expect(!locked)
        #expect(throws: RMIStatusError.self) {
            _ = try h.rmm.lockRun(PhysicalAddress(base), count: 1, expecting: .delegated)
        }
    }

    @Test("bet3 6: DEACTIVATE counts device granules like conventional ones", arguments: [ncoh, coh])
    func deactivateCountsDevices(bank: MemoryBank) {
        let h = harness()
        let last = bank.top.rawValue - g
        #expect(h.delegate(last, last + g).x0 == 0)
        #expect(h.smc(.rmmDeactivate) == .result(.errorGlobal))
        #expect(h.undelegate(last, last + g).x0 == 0)
        #expect(h.smc(.rmmDeactivate) == .result(.success))
    }
}
