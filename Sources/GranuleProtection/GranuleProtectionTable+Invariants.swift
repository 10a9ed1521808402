public import CCAArch

extension GranuleProtectionTable {
    /// Whether every contiguous L1 descriptor stands only where all the granules of its block share its GPI: each
    /// word of a contiguous block of size Z holds the same descriptor (the form fusing writes). Walks every L1
    /// table; take no transitions concurrently.
    public func verifyContiguity() -> Bool { firstContiguityViolation() == nil }

    /// The address of the first L1 word that breaks the contiguity invariant, or `nil`.
    public func firstContiguityViolation() -> PhysicalAddress? {
        for index in 0..<memory.l0Count where memory.loadL0(index) & 0xF == GPTL0Descriptor.tableType {
            guard let table = memory.l1(index) else { return l0RegionBase(index) }
            var word = 0
            while word < table.count {
                let raw = table.load(word)
                guard case .contiguous(_, let size)? = GPTL1Descriptor(rawValue: raw) else {
                    word += 1
                    continue
                }
                let blockWords = contiguousWords(size)
                let start = word & ~(blockWords - 1)
                for other in start..<start + blockWords where table.load(other) != raw {
                    let wordBytes = UInt64(other) << UInt64(granuleShift + 4)
                    return PhysicalAddress((UInt64(index) << UInt64(l0Shift)) + wordBytes)
                }
                word = start + blockWords
            }
        }
        return nil
    }

    /// Traps if the contiguity invariant is broken; compiled in only with GRANULE_PROTECTION_CHECK_INVARIANTS.
    func _checkInvariants() {
        #if GRANULE_PROTECTION_CHECK_INVARIANTS
        precondition(verifyContiguity(), "a contiguous GPT descriptor covers granules with different GPIs")
        #endif
    }

    /// The first granule in [`base`, `top`) whose GPI as `gpi(at:)` finds it is not `expected`, or `nil`: exactly
    /// what a loop of `gpi(at:)` over the range would stop at (a malformed descriptor, a reserved GPI or an address
    /// beyond PPS never matches), with one L0 lookup per L0 region and an L1 table's words read in place, so a
    /// checker can hold every granule of a GiB to its GPI in a few thousand loads.
    public func firstGranule(
        from base: PhysicalAddress, to top: PhysicalAddress, whoseGPIIsNot expected: GPI
    ) -> PhysicalAddress? {
        let shift = UInt64(granuleShift)
        var cursor = base.rawValue & ~((1 << shift) - 1)
        guard cursor < top.rawValue else { return nil }
        guard expected.isValidDescriptorEncoding else { return PhysicalAddress(cursor) }
        while cursor < top.rawValue {
            guard cursor < limit else { return PhysicalAddress(cursor) }
            let index = Int(cursor >> UInt64(l0Shift))
            let regionBase = UInt64(index) << UInt64(l0Shift)
            // Below PPS (at most 2^52), so a region's end does not wrap.
            let regionEnd = Swift.min(top.rawValue, regionBase + (1 << UInt64(l0Shift)))
            let l0 = memory.loadL0(index)
            switch l0 & 0xF {
            case GPTL0Descriptor.blockType:
                guard l0 >> 8 == 0, l0 >> 4 & 0xF == UInt64(expected.rawValue) else { return PhysicalAddress(cursor) }
            case GPTL0Descriptor.tableType:
                guard l0 & ~(UInt64.mask(bits: 12..<52) | 0xF) == 0, let table = memory.l1(index) else {
                    return PhysicalAddress(cursor)
                }
                let low = Int((cursor - regionBase) >> shift)
                let high = Int((regionEnd - regionBase + (1 << shift) - 1) >> shift)
                let stop = scan(table, from: low, to: high, expecting: expected)
                if stop < high { return PhysicalAddress(regionBase + UInt64(stop) << shift) }
            default:
                return PhysicalAddress(cursor)
            }
            cursor = regionEnd
        }
        return nil
    }
}
