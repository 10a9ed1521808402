import CCAArch
import GranuleProtection
import Testing

/// A naive model of the GPT: one GPI per granule, and which L0 regions have L1 tables.
struct ReferenceGPT {
    var gpis: [UInt8]
    let granular: [Bool]
    let granulesPerRegion: Int

    /// Applies the transition granule by granule, as the architecture's one-granule sequence would.
    mutating func transition(
        first: Int, count: Int, from source: GPI, to target: GPI, shift: Int
    )
        -> (processed: UInt64, stop: GPTStopReason)
    {
        guard first + count <= gpis.count else {
            return (0, .beyondPPS(at: PhysicalAddress(UInt64(gpis.count) << UInt64(shift))))
        }
        for granule in first..<first + count {
            let pa = PhysicalAddress(UInt64(granule) << UInt64(shift))
            guard granular[granule / granulesPerRegion] else { return (UInt64(granule - first), .noL1Table(at: pa)) }
            guard gpis[granule] == source.rawValue else {
                return (UInt64(granule - first), .wrongSourceGPI(at: pa, found: GPI(rawValue: gpis[granule])!))
            }
            gpis[granule] = target.rawValue
        }
        return (UInt64(count), .completed)
    }
}

@Suite("Random transition sequences against a per-granule reference")
struct GPTPropertyTests {
    @Test(
        "check and gpi(at:) agree with the reference for every granule after random runs",
        arguments: [(UInt64(1), GranuleSize.size64KB), (2, .size64KB), (3, .size16KB), (4, .size16KB), (5, .size4KB)])
    func randomSequences(seed: UInt64, granuleSize: GranuleSize) throws {
        var random = SplitMix64(seed: seed)
        let shift = granuleSize.shift
        let regionCount = 4
        let granulesPerRegion = 1 << (30 - shift)
        var granular = (0..<regionCount).map { _ in random.next() % 4 != 0 }
        granular[0] = true
        let blockGPI: [GPI] = (0..<regionCount).map { _ in random.next() % 2 == 0 ? .nonSecure : .noAccess }
        let largest: [GPTContiguousSize?] = [nil, .size2MB, .size32MB, .size512MB]
        // Any fuse policy: eager up to any size (or none), deferred fusing after 1 to 4 quiet transitions.
        let options = GPTOptions(
            largestContiguousBlock: largest[Int(random.next() % 4)], eagerFuseLimit: largest[Int(random.next() % 4)],
            fuseDelay: 1 + Int(random.next() % 4))
        var regions: [GPTBootRegion] = []
        for region in 0..<regionCount {
            let range = try GranuleRange(
                base: PhysicalAddress(UInt64(region) << 30), size: 1 << 30, granuleSize: granuleSize)
            regions.append(
                granular[region] ? .granular(range, initialGPI: .nonSecure) : .block(range, gpi: blockGPI[region]))
        }
        let gpt = try GranuleProtectionTable(
            gpccr: GPCCR(pps: .bits32, pgs: granuleSize, l0gptsz: .size1GB), regions: regions,
            l1Base: PhysicalAddress(0x1_0000_0000), options: options)
        var reference = ReferenceGPT(
            gpis: (0..<regionCount * granulesPerRegion).map {
                granular[$0 / granulesPerRegion] ? GPI.nonSecure.rawValue : blockGPI[$0 / granulesPerRegion].rawValue
            },
            granular: granular, granulesPerRegion: granulesPerRegion)
        let total = regionCount * granulesPerRegion

        for _ in 0..<60 {
            // Runs of every scale: a few granules, a word, a 2 MB block, up to a whole region, at random alignment.
            let scale = Int(random.next() % UInt64(31 - shift))
            let alignment = 1 << Int(random.next() % UInt64(scale + 1))
            let first = (Int(random.next() % UInt64(total)) / alignment) * alignment
            let count = max(1, (1 << scale) + Int(random.next() % 3) - 1)
            let delegating = random.next() % 2 == 0
            let base = PhysicalAddress(UInt64(first) << UInt64(shift))
            let result =
                delegating ? gpt.delegate(base, count: UInt64(count)) : gpt.undelegate(base, count: UInt64(count))
            let expected = reference.transition(
                first: first, count: count, from: delegating ? .nonSecure : .realm,
                to: delegating ? .realm : .nonSecure, shift: shift)
            #expect(result.processed == expected.processed)
            #expect(result.stop == expected.stop)
            #expect(gpt.verifyContiguity())
            if random.next() % 8 == 0 {
                #expect(gpt.compact().tlbiByPA == 0)
                #expect(gpt.verifyContiguity())
            }
        }

        var mismatches = 0
        for granule in 0..<total {
            let pa = PhysicalAddress(UInt64(granule) << UInt64(shift))
            let gpi = GPI(rawValue: reference.gpis[granule])!
            if gpt.gpi(at: pa) != gpi { mismatches += 1 }
            for state in [SecurityState.nonSecure, .realm]
            where (gpt.check(pa, accessedBy: state) == nil) != gpi.permits(state) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)

        // The range check answers exactly what checking granule by granule answers, from any start to any end.
        let bytes = UInt64(total) << UInt64(shift)
        for _ in 0..<200 {
            let first = random.next() % bytes
            let span = random.next() % 4 == 0 ? random.next() % bytes : random.next() % (1 << 24)
            let last = min(bytes - 1, first + span)
            let state: SecurityState = [.nonSecure, .realm, .secure, .root][Int(random.next() % 4)]
            var expected: GPCFault?
            var cursor = first
            while cursor <= last {
                if let fault = gpt.check(PhysicalAddress(cursor), accessedBy: state) {
                    expected = fault
                    break
                }
                cursor = (cursor & ~(UInt64(granuleSize.bytes) - 1)) + granuleSize.bytes
            }
            #expect(gpt.firstFault(from: PhysicalAddress(first), through: last, accessedBy: state) == expected)
        }
    }
}
