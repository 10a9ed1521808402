import CCAArch
import Testing

@testable import RMM

private let dram0: UInt64 = 0x8000_0000
private let dram0Top: UInt64 = 0xC000_0000
private let dram1: UInt64 = 0x1_0000_0000
private let g = Harness.g
/// The host's list page: Non-secure memory in DRAM1, whose region stays NONE.
private let list: UInt64 = 0x1_001F_F000
/// Granules of metadata a 1 GiB region needs: 262,144 words of 4 bytes.
private let metadataGranules: UInt64 = 256

/// An RMM with host-supplied tracking metadata on the harness's machine: DRAM0 is one whole 1 GiB region
/// (COARSE at activation), DRAM1 2 MiB at the start of a region that is otherwise a hole (NONE).
private struct Donated {
    var h = Harness(trackingMetadata: .donated)

    func set(_ base: UInt64, _ state: TrackingState, category: UInt64 = 0) -> SMCReturn {
        h.smc(.granuleTrackingSet, base, category, UInt64(state.rawValue))
    }

    func tracking(_ base: UInt64) -> TrackingState? {
        TrackingState(rawValue: UInt8(h.smc(.granuleTrackingGet, base, base + g).x2))
    }

    /// Writes `descriptors` to the list page and donates them.
    func donate(_ handle: UInt64, _ descriptors: [AddressRangeDescriptor]) -> SMCReturn {
        for (i, descriptor) in descriptors.enumerated() {
            precondition(
                h.port.write64(
                    descriptor.encoding(granule: .size4KB)!, at: PhysicalAddress(list + UInt64(i) * 8),
                    space: .nonSecure))
        }
        return h.smc(.opMemDonate, handle, list, UInt64(descriptors.count))
    }

    /// The metadata run at `base`: `count` DELEGATED L3 granules.
    static func run(_ base: UInt64, count: UInt64 = metadataGranules) -> AddressRangeDescriptor {
        AddressRangeDescriptor(base: PhysicalAddress(base), blockSize: .level3, count: count, state: .delegated)
    }

    /// The bootstrap: delegates DRAM0's COARSE unit whole and makes it FINE with metadata from its first MiB.
    func bootstrap() {
        precondition(h.delegate(dram0, dram0Top) == .result(.success, dram0Top))
        let handle = set(dram0, .fine).x1
        precondition(donate(handle, [Self.run(dram0)]).x1 == metadataGranules)
        precondition(h.smc(.opContinue, handle) == .result(.success))
    }
}

@Suite("Tracking metadata supplied by the host (bet3.md section 3): TRACKING_SET with donation and reclaim")
struct TrackingMetadataTests {
    @Test("ACTIVATE: a region wholly inside one bank is COARSE (one UNDELEGATED unit), every other region NONE")
    func activation_layout() {
        let d = Donated()
        #expect(d.tracking(dram0) == .coarse)
        #expect(d.tracking(dram1) == TrackingState.none)
        #expect(d.h.rmm.inspectGranule(at: PhysicalAddress(dram0 + 5 * g))?.state == .undelegated)
        #expect(d.h.port.metadataBytes == 0)
    }

    @Test("The default, preallocated metadata, keeps every region FINE at activation")
    func preallocated_default() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingGet, dram0, dram0 + g).x2 == UInt64(TrackingState.fine.rawValue))
        #expect(h.smc(.granuleTrackingGet, dram1, dram1 + g).x2 == UInt64(TrackingState.fine.rawValue))
    }

    @Test("SET to FINE answers RMI_INCOMPLETE asking for the metadata: 256 contiguous DELEGATED L3 granules")
    func set_fine_asks_for_donation() {
        let d = Donated()
        let answer = d.set(dram0, .fine)
        let result = RMIResult(rawValue: answer.x0)
        #expect(result.status == .incomplete)
        #expect(result.memoryRequest == .donate)
        #expect(result.canCancel)
        #expect(
            OpMemDonateRequest(encoding: answer.x2)
                == OpMemDonateRequest(blockSize: .level3, count: 256, contiguous: true, state: .delegated))
        #expect(d.tracking(dram0) == .coarse)
    }

    @Test("Bootstrap: a delegated COARSE region made FINE with metadata from inside itself (self-describing)")
    func bootstrap_self_describing() {
        let d = Donated()
        d.bootstrap()
        #expect(d.tracking(dram0) == .fine)
        #expect(d.h.states(dram0, dram0 + metadataGranules * g).allSatisfy { $0 == .internal })
        #expect(d.h.state(dram0 + metadataGranules * g) == .delegated)
        #expect(d.h.state(dram0Top - g) == .delegated)
        // Granules of the now FINE region move one by one.
        #expect(d.h.undelegate(dram0Top - 2 * g, dram0Top) == .result(.success, dram0Top))
        #expect(d.h.state(dram0Top - g) == .undelegated)
        #expect(d.h.invariantViolations(dram0, dram0 + 2 * metadataGranules * g).isEmpty)
    }

    @Test("The granule words live in the donated memory, reached through the Realm PAS")
    func words_live_in_donated_granules() {
        let d = Donated()
        d.bootstrap()
        let region = d.h.rmm.table!.region(containing: PhysicalAddress(dram0))!
        #expect(region.metadataAddress == PhysicalAddress(dram0))
        #expect(d.h.rmm.tableDuringDeactivation?.metadata == nil)
        // The port's memory for the donated run holds the words: granule 0 INTERNAL, granule 256 DELEGATED.
        guard let block = d.h.port.state.withLock({ $0.donatedMetadata[dram0] }) else {
            Issue.record("no metadata memory asked for the donated run")
            return
        }
        #expect(block.load(as: UInt32.self) == UInt32(GranuleState.internal.rawValue))
        #expect(block.load(fromByteOffset: 256 * 4, as: UInt32.self) == UInt32(GranuleState.delegated.rawValue))
        #expect(d.h.port.metadataBytes == 0)
    }

    @Test("SET to FINE of a NONE region with metadata from a FINE region: those granules become INTERNAL")
    func none_to_fine_from_other_region() {
        let d = Donated()
        d.bootstrap()
        let source = dram0 + 0x10_0000  // 1 MiB aligned, DELEGATED in the FINE region
        let handle = d.set(dram1, .fine).x1
        #expect(d.donate(handle, [Donated.run(source)]).x1 == metadataGranules)
        #expect(d.h.smc(.opContinue, handle) == .result(.success))
        #expect(d.tracking(dram1) == .fine)
        #expect(d.h.states(source, source + metadataGranules * g).allSatisfy { $0 == .internal })
        #expect(d.h.state(dram1) == .undelegated)
        #expect(d.h.delegate(dram1, dram1 + 4 * g) == .result(.success, dram1 + 4 * g))
        // The region holding another region's metadata cannot leave FINE: its INTERNAL granules do not cross.
        #expect(d.set(dram0, .coarse) == .result(.errorInput))
        #expect(d.tracking(dram0) == .fine)
    }

    @Test("OP_MEM_DONATE in_state: a NONE region's granules, an UNDELEGATED COARSE unit's, answer RMI_ERROR_INPUT")
    func donate_in_state() {
        let d = Donated()
        let handle = d.set(dram0, .fine).x1
        // The region's own unit is UNDELEGATED.
        #expect(d.h.status(d.donate(handle, [Donated.run(dram0)])) == .errorInput)
        // DRAM1 is untracked (NONE): its granules are not DELEGATED.
        #expect(d.h.status(d.donate(handle, [Donated.run(dram1)])) == .errorInput)
        #expect(d.tracking(dram0) == .coarse)
        #expect(d.h.rmm.pendingOperations().first?.waitingFor == .opMemDonate)
    }

    @Test("OP_MEM_DONATE in_state: a run granule not DELEGATED in a FINE region answers RMI_ERROR_INPUT, none taken")
    func donate_in_state_fine_region() {
        let d = Donated()
        d.bootstrap()
        let source = dram0 + 0x10_0000
        #expect(d.h.undelegate(source + 7 * g, source + 8 * g) == .result(.success, source + 8 * g))
        let handle = d.set(dram1, .fine).x1
        #expect(d.h.status(d.donate(handle, [Donated.run(source)])) == .errorInput)
        #expect(d.h.states(source, source + 7 * g).allSatisfy { $0 == .delegated })
        #expect(d.donate(handle, [Donated.run(source + 0x10_0000)]).x1 == metadataGranules)
    }

    @Test("OP_MEM_DONATE in_loc_dram: granules outside DRAM (device memory) answer RMI_ERROR_INPUT")
    func donate_in_loc_dram() {
        let device = MemoryBank(
            base: PhysicalAddress(0x2_0000_0000), size: 0x4000_0000, category: .deviceNonCoherent)
        let h = Harness(devices: [device], trackingMetadata: .donated)
        let handle = h.smc(.granuleTrackingSet, dram0, 0, UInt64(TrackingState.fine.rawValue)).x1
        let run = Donated.run(0x2_0000_0000)
        precondition(h.port.write64(run.encoding(granule: .size4KB)!, at: PhysicalAddress(list), space: .nonSecure))
        #expect(h.status(h.smc(.opMemDonate, handle, list, 1)) == .errorInput)
    }

    @Test("OP_MEM_DONATE mem_contig: the run in two descriptors answers RMI_ERROR_INPUT")
    func donate_mem_contig() {
        let d = Donated()
        d.bootstrap()
        let handle = d.set(dram1, .fine).x1
        let source = dram0 + 0x10_0000
        let answer = d.donate(handle, [Donated.run(source, count: 128), Donated.run(source + 128 * g, count: 128)])
        #expect(answer == .result(.errorInput))
        #expect(d.h.state(source) == .delegated)
    }

    @Test("OP_MEM_DONATE mem_align: a run not aligned to its size answers RMI_ERROR_INPUT")
    func donate_mem_align() {
        let d = Donated()
        d.bootstrap()
        let handle = d.set(dram1, .fine).x1
        #expect(d.donate(handle, [Donated.run(dram0 + 0x10_0000 + g)]) == .result(.errorInput))
    }

    @Test("OP_MEM_DONATE mem_gt: more granules than asked answer RMI_ERROR_INPUT; fewer are refused too")
    func donate_mem_gt() {
        let d = Donated()
        d.bootstrap()
        let handle = d.set(dram1, .fine).x1
        #expect(d.donate(handle, [Donated.run(dram0 + 0x20_0000, count: 512)]) == .result(.errorInput))
        #expect(d.donate(handle, [Donated.run(dram0 + 0x10_0000, count: 128)]) == .result(.errorInput))
        // The state field must say DELEGATED, as asked.
        let undelegatedState = AddressRangeDescriptor(
            base: PhysicalAddress(dram0 + 0x10_0000), blockSize: .level3, count: metadataGranules, state: .undelegated)
        #expect(d.donate(handle, [undelegatedState]) == .result(.errorInput))
        #expect(d.h.state(dram0 + 0x10_0000) == .delegated)
    }

    @Test("OP_MEM_DONATE with an empty list makes no progress and the operation still waits")
    func donate_empty_list() {
        let d = Donated()
        let handle = d.set(dram0, .fine).x1
        let answer = d.h.smc(.opMemDonate, handle, list, 0)
        #expect(RMIResult(rawValue: answer.x0).memoryRequest == .donate)
        #expect(answer.x1 == 0)
    }

    @Test("OP_CANCEL before the metadata arrives: OP_CONTINUE ends with RMI_ERROR_INPUT, the region as it was")
    func cancel_before_donation() {
        let d = Donated()
        let handle = d.set(dram0, .fine).x1
        #expect(RMIResult(rawValue: d.h.smc(.opCancel, handle).x0).status == .incomplete)
        #expect(d.h.smc(.opContinue, handle) == .result(.errorInput))
        #expect(d.tracking(dram0) == .coarse)
        #expect(d.h.delegate(dram0, dram0Top) == .result(.success, dram0Top))
    }

    @Test("While SET waits for the host, the region answers RMI_BLOCKED to SET and to range commands")
    func pending_set_blocks_region() {
        let d = Donated()
        let handle = d.set(dram0, .fine).x1
        #expect(d.set(dram0, .none) == .result(.blocked))
        #expect(d.h.delegate(dram0, dram0Top) == .result(.blocked))
        #expect(d.h.smc(.rmmDeactivate) == .result(.busy))
        #expect(d.h.smc(.opCancel, handle).x0 != 0)
    }

    @Test("COARSE units move only whole: a range not from the region's base or not covering it is ERROR_TRACKING")
    func coarse_moves_whole() {
        let d = Donated()
        #expect(d.h.status(d.h.delegate(dram0 + g, dram0Top)) == .errorTracking)
        #expect(d.h.status(d.h.delegate(dram0, dram0Top - g)) == .errorTracking)
        #expect(d.h.status(d.h.delegate(dram1, dram1 + g)) == .errorTracking)
        #expect(d.h.delegate(dram0, dram0Top) == .result(.success, dram0Top))
    }

    @Test("SET FINE to COARSE reclaims the metadata: one DELEGATED descriptor, the region one DELEGATED unit")
    func fine_to_coarse_reclaims() {
        let d = Donated()
        d.bootstrap()
        let answer = d.set(dram0, .coarse)
        #expect(RMIResult(rawValue: answer.x0).memoryRequest == .reclaim)
        #expect(!RMIResult(rawValue: answer.x0).canCancel)
        #expect(d.tracking(dram0) == .coarse)
        #expect(d.h.delegate(dram0, dram0Top) == .result(.blocked))
        let reclaimed = d.h.smc(.opMemReclaim, answer.x1, list, 512)
        #expect(reclaimed.x1 == 1)
        let descriptor = try? AddressRangeDescriptor(
            encoding: d.h.port.read64(PhysicalAddress(list), space: .nonSecure)!, granule: .size4KB)
        #expect(descriptor == Donated.run(dram0))
        #expect(d.h.smc(.opContinue, answer.x1) == .result(.success))
        #expect(d.h.rmm.inspectGranule(at: PhysicalAddress(dram0))?.state == .delegated)
        #expect(d.h.undelegate(dram0, dram0Top) == .result(.success, dram0Top))
    }

    @Test("SET FINE to COARSE of a self-describing region needs every other granule DELEGATED (RMI_ERROR_INPUT)")
    func fine_to_coarse_self_describing_needs_delegated() {
        let d = Donated()
        d.bootstrap()
        #expect(d.h.undelegate(dram0Top - g, dram0Top) == .result(.success, dram0Top))
        #expect(d.set(dram0, .coarse) == .result(.errorInput))
        #expect(d.tracking(dram0) == .fine)
    }

    @Test("SET FINE to NONE of a self-describing region answers RMI_ERROR_INPUT: its metadata would be untracked")
    func fine_to_none_self_describing_refused() {
        let d = Donated()
        d.bootstrap()
        #expect(d.set(dram0, .none) == .result(.errorInput))
        #expect(d.tracking(dram0) == .fine)
    }

    @Test("SET FINE to NONE reclaims metadata that lies in another region: those granules come back DELEGATED")
    func fine_to_none_reclaims_other_region() {
        let d = Donated()
        d.bootstrap()
        let source = dram0 + 0x10_0000
        let handle = d.set(dram1, .fine).x1
        _ = d.donate(handle, [Donated.run(source)])
        _ = d.h.smc(.opContinue, handle)
        let back = d.set(dram1, .none)
        #expect(RMIResult(rawValue: back.x0).memoryRequest == .reclaim)
        #expect(d.h.state(source) == .internal)
        #expect(d.h.smc(.opMemReclaim, back.x1, list, 0).x1 == 0)
        #expect(d.h.smc(.opMemReclaim, back.x1, list, 1).x1 == 1)
        #expect(d.h.states(source, source + metadataGranules * g).allSatisfy { $0 == .delegated })
        #expect(d.h.smc(.opContinue, back.x1) == .result(.success))
        #expect(d.tracking(dram1) == TrackingState.none)
    }

    @Test("SET FINE to NONE refuses delegated granules (RMI_ERROR_INPUT), the region stays FINE and usable")
    func fine_to_none_refuses_delegated() {
        let d = Donated()
        d.bootstrap()
        let handle = d.set(dram1, .fine).x1
        _ = d.donate(handle, [Donated.run(dram0 + 0x10_0000)])
        _ = d.h.smc(.opContinue, handle)
        #expect(d.h.delegate(dram1, dram1 + g) == .result(.success, dram1 + g))
        #expect(d.set(dram1, .none) == .result(.errorInput))
        #expect(d.h.undelegate(dram1, dram1 + g) == .result(.success, dram1 + g))
    }

    @Test("DEACTIVATE counts INTERNAL metadata granules as blocking; once all is reclaimed the layout is rebuilt")
    func deactivate_with_metadata() {
        let d = Donated()
        d.bootstrap()
        #expect(d.h.smc(.rmmDeactivate) == .result(.errorGlobal))
        let handle = d.set(dram0, .coarse).x1
        _ = d.h.smc(.opMemReclaim, handle, list, 1)
        _ = d.h.smc(.opContinue, handle)
        #expect(d.h.smc(.rmmDeactivate) == .result(.errorGlobal))  // the unit is DELEGATED
        #expect(d.h.undelegate(dram0, dram0Top) == .result(.success, dram0Top))
        #expect(d.h.smc(.rmmDeactivate) == .result(.success))
        #expect(d.h.smc(.rmmActivate) == .result(.success))
        #expect(d.tracking(dram0) == .coarse)
        #expect(d.tracking(dram1) == TrackingState.none)
    }

    @Test("Realm objects live in a FINE region whose metadata the host donated")
    func realm_objects_in_donated_region() {
        let d = Donated()
        d.bootstrap()
        // A granule lock goes through the region's users: lock, look, release.
        if let granule = d.h.rmm.lockGranule(PhysicalAddress(dram0Top - g)) {
            #expect(granule.state == .delegated)
            granule.unlock(as: .rd)
        } else {
            Issue.record("a DELEGATED granule of a FINE region did not lock")
        }
        #expect(d.h.state(dram0Top - g) == .rd)
        #expect(d.h.rmm.granuleWord(PhysicalAddress(dram1)) == nil)
    }

    @Test("SET away from FINE answers RMI_BUSY while a granule lock is held, and leaves the region FINE")
    func fine_to_coarse_busy_on_held_lock() {
        let d = Donated()
        d.bootstrap()
        d.h.force(dram0Top - g, GranuleWord(state: .delegated).locked(true))
        #expect(d.set(dram0, .coarse) == .result(.busy))
        #expect(d.tracking(dram0) == .fine)
        d.h.force(dram0Top - g, GranuleWord(state: .delegated))
        #expect(d.h.rmm.pendingOperations().isEmpty)
        #expect(RMIResult(rawValue: d.set(dram0, .coarse).x0).status == .incomplete)
    }

    @Test("SET with no free operation context answers RMI_BLOCKED and releases the region unchanged")
    func no_free_context_releases_region() {
        var d = Donated()
        d.h = Harness(contextsPerCPU: 1, trackingMetadata: .donated)
        d.bootstrap()
        // Four delegations interrupted into operations that wait for the host: every context sealed.
        let granules = (0..<4).map { dram0 + 0x20_0000 + UInt64($0) * 2 * g }
        for pa in granules { #expect(d.h.undelegate(pa, pa + g) == .result(.success, pa + g)) }
        d.h.port.state.withLock { $0.interruptPending = true }
        var handles: [UInt64] = []
        for pa in granules {
            let started = d.h.delegate(pa, pa + g)
            #expect(RMIResult(rawValue: started.x0).status == .incomplete)
            handles.append(started.x1)
        }
        d.h.port.state.withLock { $0.interruptPending = false }
        #expect(d.set(dram1, .fine) == .result(.blocked))
        #expect(d.set(dram0, .coarse) == .result(.blocked))
        #expect(d.tracking(dram1) == TrackingState.none && d.tracking(dram0) == .fine)
        for handle in handles { _ = d.h.smc(.opContinue, handle) }
        #expect(RMIResult(rawValue: d.set(dram1, .fine).x0).status == .incomplete)
    }

    @Test("The metadata invariant: every INTERNAL granule is one region's metadata, and every run INTERNAL")
    func metadata_invariant() {
        let d = Donated()
        d.bootstrap()
        #expect(d.h.rmm.trackingMetadataViolations().isEmpty)
        // A granule of the run loses its role, and an ordinary one claims it.
        d.h.force(dram0 + 5 * g, GranuleWord(state: .delegated))
        d.h.force(dram0Top - g, GranuleWord(state: .internal))
        #expect(
            d.h.rmm.trackingMetadataViolations().sorted()
                == [PhysicalAddress(dram0 + 5 * g), PhysicalAddress(dram0Top - g)])
        #expect(Harness().rmm.trackingMetadataViolations().isEmpty)
    }

    @Test("The metadata request for 2 MiB tracking regions is one granule")
    func two_megabyte_regions_need_one_granule() {
        let h = Harness(activate: false, trackingMetadata: .donated)
        precondition(h.port.write64(1, at: PhysicalAddress(list), space: .nonSecure))
        #expect(h.smc(.rmmConfigSet, list) == .result(.success))
        #expect(h.smc(.rmmActivate) == .result(.success))
        #expect(h.rmm.trackingMetadataGranules == 1)
        // DRAM1 is one whole 2 MiB region now: COARSE.
        #expect(h.smc(.granuleTrackingGet, dram1, dram1 + g).x2 == UInt64(TrackingState.coarse.rawValue))
        #expect(h.delegate(dram1, dram1 + 0x20_0000) == .result(.success, dram1 + 0x20_0000))
        let handle = h.smc(.granuleTrackingSet, dram1, 0, UInt64(TrackingState.fine.rawValue)).x1
        let run = Donated.run(dram1, count: 1)
        let page: UInt64 = dram0Top - g  // DRAM0's last region, COARSE and Non-secure
        precondition(h.port.write64(run.encoding(granule: .size4KB)!, at: PhysicalAddress(page), space: .nonSecure))
        #expect(h.smc(.opMemDonate, handle, page, 1).x1 == 1)
        #expect(h.smc(.opContinue, handle) == .result(.success))
        #expect(h.state(dram1) == .internal)
        #expect(h.state(dram1 + g) == .delegated)
    }
}
