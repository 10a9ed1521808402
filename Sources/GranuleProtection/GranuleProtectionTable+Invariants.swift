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
}
