import CCAArch
import GranuleProtection
import Testing

@Suite("Fuse policy: eager to 2 MB, larger blocks after the delay or on compaction")
struct GPTFusePolicyTests {
    /// L1 words of one 2 MB block with 4 KB granules.
    let wordsPer2MB: UInt64 = 32

    @Test("a granule flipping back and forth inside a 512 MB block costs a bounded number of L1 word writes")
    func pingPongIsBounded() throws {
        let gpt = try makeStandardGPT()
        let pa = PhysicalAddress(300 * MiB + 0x5000)
        // The first delegation cuts the boot-time 512 MB block once.
        #expect(gpt.delegate(pa, count: 1).stop == .completed)
        #expect(gpt.undelegate(pa, count: 1).stop == .completed)
        var most = GPTMaintenance.none
        for _ in 0..<1000 {
            for result in [gpt.delegate(pa, count: 1), gpt.undelegate(pa, count: 1)] {
                #expect(result.stop == .completed)
                most.l1DescriptorWrites = max(most.l1DescriptorWrites, result.maintenance.l1DescriptorWrites)
                most.tlbiByPA = max(most.tlbiByPA, result.maintenance.tlbiByPA)
            }
        }
        // At most the granule's 2 MB block shattered or fused again, plus the GPI writes: never the 8,192 words of a
        // 512 MB block (TF-A's eager policy rewrites those twice per pair).
        #expect(most.l1DescriptorWrites <= wordsPer2MB + 2)
        #expect(most.tlbiByPA <= 2)
        #expect(gpt.l1Descriptor(at: pa) == .contiguous(.nonSecure, size: .size2MB))
        #expect(gpt.verifyContiguity())
    }

    @Test("the eager policy (fusing all the way at once) rewrites the whole 512 MB block at every flip")
    func eagerPolicyThrashes() throws {
        let gpt = try makeStandardGPT(options: GPTOptions(eagerFuseLimit: .size512MB))
        let pa = PhysicalAddress(300 * MiB + 0x5000)
        _ = gpt.delegate(pa, count: 1)
        let fused = gpt.undelegate(pa, count: 1)
        #expect(gpt.l1Descriptor(at: pa) == .contiguous(.nonSecure, size: .size512MB))
        let shattered = gpt.delegate(pa, count: 1)
        #expect(fused.maintenance.l1DescriptorWrites > 8192)
        #expect(shattered.maintenance.l1DescriptorWrites > 8192)
    }

    @Test("a 32 MB block left unchanged for the fusing delay is fused by a later transition of its lock block")
    func settledBlockFuses() throws {
        let delay = 8
        let gpt = try makeStandardGPT(options: GPTOptions(fuseDelay: delay))
        let quiet = PhysicalAddress(100 * MiB)
        let busy = PhysicalAddress(300 * MiB)
        _ = gpt.delegate(quiet, count: 1)
        _ = gpt.undelegate(quiet, count: 1)
        #expect(gpt.l1Descriptor(at: quiet) == .contiguous(.nonSecure, size: .size2MB))
        // Transitions elsewhere in the same 512 MB lock block: the quiet block settles after `delay` of them.
        for round in 1...delay {
            _ = gpt.delegate(busy + UInt64(round) * 4096, count: 1)
            let expected: GPTContiguousSize = round < delay ? .size2MB : .size32MB
            #expect(gpt.l1Descriptor(at: quiet) == .contiguous(.nonSecure, size: expected), "round \(round)")
        }
        // The 512 MB block is not uniform (the busy granules are Realm), so it stays cut into 32 MB blocks.
        #expect(gpt.l1Descriptor(at: PhysicalAddress(0)) == .contiguous(.nonSecure, size: .size32MB))
        #expect(gpt.verifyContiguity())
    }

    @Test("a block no transition changes any more settles on the visits of transitions elsewhere, up to 512 MB")
    func quietBlockSettlesOnVisits() throws {
        let gpt = try makeStandardGPT()
        let quiet = PhysicalAddress(0x1000)
        _ = gpt.delegate(quiet, count: 1)
        _ = gpt.undelegate(quiet, count: 1)
        #expect(gpt.l1Descriptor(at: quiet) == .contiguous(.nonSecure, size: .size2MB))
        // A granule flipping in another lock block (at 1 GB): every 16th of its transitions visits a block with
        // changes waiting, round robin, and advances that block's clock by one; 64 visits settle the quiet block.
        let busy = PhysicalAddress(GiB + 0x5000)
        for _ in 0..<1100 {
            _ = gpt.delegate(busy, count: 1)
            let back = gpt.undelegate(busy, count: 1)
            #expect(back.maintenance.l1DescriptorWrites <= 8192 + 512 + wordsPer2MB + 2)
        }
        #expect(gpt.l1Descriptor(at: quiet) == .contiguous(.nonSecure, size: .size512MB))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(511 * MiB)) == .contiguous(.nonSecure, size: .size512MB))
        // The busy block never settles while its granule flips.
        #expect(gpt.l1Descriptor(at: busy) == .contiguous(.nonSecure, size: .size2MB))
        #expect(gpt.verifyContiguity())
    }

    @Test("memory that stays uniform regains 512 MB descriptors on compaction, Realm as well as Non-secure")
    func compactionRestoresReach() throws {
        let gpt = try makeStandardGPT()
        // Realm: the second 512 MB block of the first GiB, delegated one granule at a time.
        let realmBase = 512 * MiB
        for granule in 0..<(512 * MiB >> 12) {
            _ = gpt.delegate(PhysicalAddress(realmBase + granule << 12), count: 1)
        }
        // Non-secure: pages delegated and undelegated again all over the first 512 MB block.
        for offset in stride(from: UInt64(0), to: 512 * MiB, by: Int(7 * MiB + 0x3000)) {
            _ = gpt.delegate(PhysicalAddress(offset), count: 1)
            _ = gpt.undelegate(PhysicalAddress(offset), count: 1)
        }
        #expect(gpt.l1Descriptor(at: PhysicalAddress(realmBase + 511 * MiB)) != .contiguous(.realm, size: .size512MB))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(0)) != .contiguous(.nonSecure, size: .size512MB))
        let compaction = gpt.compact()
        #expect(compaction.tlbiByPA == 0 && compaction.l1DescriptorWrites > 0)
        #expect(gpt.l1Descriptor(at: PhysicalAddress(0)) == .contiguous(.nonSecure, size: .size512MB))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(realmBase)) == .contiguous(.realm, size: .size512MB))
        #expect(gpt.l1Descriptor(at: PhysicalAddress(realmBase + 511 * MiB)) == .contiguous(.realm, size: .size512MB))
        #expect(gpt.verifyContiguity())
        // Nothing is pending after compaction: the next flip shatters 512 MB once, then stays within 2 MB.
        let pa = PhysicalAddress(0x7000)
        #expect(gpt.delegate(pa, count: 1).maintenance.l1DescriptorWrites > 8192)
        #expect(gpt.undelegate(pa, count: 1).maintenance.l1DescriptorWrites <= wordsPer2MB + 2)
    }

    @Test("EL3 offers the compaction step; with tryLock and no other CPU it compacts every block")
    func el3CompactionStep() throws {
        let gpt = try makeStandardGPT()
        _ = gpt.delegate(PhysicalAddress(0x1000), count: 1)
        _ = gpt.undelegate(PhysicalAddress(0x1000), count: 1)
        let el3 = EL3Service(gpt: gpt)
        #expect(el3.compactGPT(lockPolicy: .tryLock).l1DescriptorWrites == 512 + 8192)
        #expect(gpt.l1Descriptor(at: PhysicalAddress(0)) == .contiguous(.nonSecure, size: .size512MB))
    }

    @Test("options: no eager fusing defers even 2 MB blocks; no fusing at all leaves nothing to compact")
    func optionVariants() throws {
        let lazy = try makeStandardGPT(options: GPTOptions(eagerFuseLimit: nil, fuseDelay: 1))
        _ = lazy.delegate(PhysicalAddress(0x1000), count: 1)
        _ = lazy.undelegate(PhysicalAddress(0x1000), count: 1)
        #expect(lazy.l1Descriptor(at: PhysicalAddress(0)) == .granules(GPTL1Granules(repeating: .nonSecure)))
        // One transition later in the lock block, with a delay of 1, the 2 MB block at 0 has settled.
        _ = lazy.delegate(PhysicalAddress(100 * MiB), count: 1)
        #expect(lazy.l1Descriptor(at: PhysicalAddress(0)) == .contiguous(.nonSecure, size: .size32MB))
        #expect(lazy.verifyContiguity())

        let off = try makeStandardGPT(options: GPTOptions(largestContiguousBlock: nil))
        _ = off.delegate(PhysicalAddress(0x1000), count: 1)
        _ = off.undelegate(PhysicalAddress(0x1000), count: 1)
        #expect(off.compact() == .none)
        #expect(off.l1Descriptor(at: PhysicalAddress(0)) == .granules(GPTL1Granules(repeating: .nonSecure)))
    }
}
