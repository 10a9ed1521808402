public import CCAArch

extension GranuleProtectionTable {
    /// The granule protection check of one access (Arm ARM, FEAT_RME, "Granule protection check"; gpt.md 2, 6).
    ///
    /// Walks L0 then, for a Table, the L1 word; takes no lock and costs two atomic loads.
    /// - A PA at or beyond 2^PPS uses no GPT: a Non-secure access is allowed (the model's reading of the issue);
    ///   any other faults with an address size fault at level 0 (GPCSC 0b000000).
    /// - An invalid L0 descriptor, a malformed L1 descriptor or a reserved GPI is a GPT walk fault at the level
    ///   where it was found (GPCSC 0b00010L). The NSO GPI 0b1101 is reserved unless GPCCR_EL3.NSO is set.
    /// - A GPI that does not permit the access's PAS is a Granule Protection Fault at the level the GPI came from:
    ///   0 for a Block, 1 for an L1 descriptor (GPCSC 0b00110L).
    /// With GPCCR_EL3.GPC clear every access is allowed.
    ///
    /// - Returns: `nil` if the access is allowed, else the fault.
    @inline(__always)
    public func check(_ pa: PhysicalAddress, accessedBy state: SecurityState) -> GPCFault? {
        guard gpccr.gpc else { return nil }
        switch lookup(pa.rawValue) {
        case .found(let raw, let level):
            return verdict(gpi: raw, level: level, pa: pa, state: state)
        case .beyondPPS:
            return state == .nonSecure ? nil : GPCFault(pa: pa, kind: .addressSize, level: 0, accessedBy: state)
        case .malformed(let level):
            return GPCFault(pa: pa, kind: .walk, level: level, accessedBy: state)
        }
    }

    /// The first fault `check` reports for an access from `state` to the granules from the one holding `first`
    /// through the one holding byte address `last` (`first <= last`): `check(first)`, then `check` of the base of
    /// each later granule, in ascending order; `nil` when every one is allowed.
    ///
    /// A block whose one descriptor permits the access (an L0 Block, a contiguous descriptor, a Granules word of a
    /// single GPI) is passed in one step, so checking a GiB of uniform memory costs a few loads, not one walk per
    /// granule; everything else is checked granule by granule, so the answer is exactly the per-granule one.
    public func firstFault(
        from first: PhysicalAddress, through last: UInt64, accessedBy state: SecurityState
    ) -> GPCFault? {
        guard gpccr.gpc else { return nil }
        let granuleBytes = UInt64(1) << UInt64(granuleShift)
        var cursor = first.rawValue
        while true {
            if let end = permittedBlockEnd(cursor, state) {
                guard end <= last else { return nil }
                cursor = end
                continue
            }
            if let fault = check(PhysicalAddress(cursor), accessedBy: state) { return fault }
            let next = (cursor & ~(granuleBytes - 1)).addingReportingOverflow(granuleBytes)
            guard !next.overflow && next.partialValue <= last else { return nil }
            cursor = next.partialValue
        }
    }

    /// The end of the block around `address` whose one descriptor permits `state`, or `nil` where there is none
    /// (a Granules word of mixed GPIs, a malformed descriptor, a GPI that faults, an address beyond PPS).
    private func permittedBlockEnd(_ address: UInt64, _ state: SecurityState) -> UInt64? {
        guard address < limit else { return nil }
        let index = Int(address >> UInt64(l0Shift))
        let l0 = memory.loadL0(index)
        let raw: UInt64
        let shift: Int
        switch l0 & 0xF {
        case GPTL0Descriptor.blockType:
            guard l0 >> 8 == 0 else { return nil }
            (raw, shift) = (l0 >> 4, l0Shift)
        case GPTL0Descriptor.tableType:
            guard l0 & ~(UInt64.mask(bits: 12..<52) | 0xF) == 0, let table = memory.l1(index) else { return nil }
            let word = table.load(wordIndex(of: address))
            if word & 0xF == GPTL1Descriptor.contiguousType {
                guard word >> 10 == 0 && word & 0x300 != 0 else { return nil }
                (raw, shift) = (word >> 4, 17 + 4 * Int(word[bits: 8..<10]))
            } else {
                guard word == (word & 0xF) &* 0x1111_1111_1111_1111 else { return nil }
                (raw, shift) = (word, granuleShift + 4)
            }
        default:
            return nil
        }
        let gpi = UInt8(truncatingIfNeeded: raw) & 0xF
        guard verdict(gpi: gpi, level: 0, pa: PhysicalAddress(address), state: state) == nil else { return nil }
        return ((address >> UInt64(shift)) + 1) << UInt64(shift)
    }

    /// The GPI of the granule holding `pa`, as the check would find it; `nil` beyond PPS or where the walk faults
    /// (malformed descriptor, reserved GPI).
    public func gpi(at pa: PhysicalAddress) -> GPI? {
        guard case .found(let raw, _) = lookup(pa.rawValue), let gpi = GPI(rawValue: raw),
            gpi.isValidDescriptorEncoding
        else { return nil }
        return gpi
    }

    /// What the walk for `address` found.
    @usableFromInline
    enum _Lookup {
        /// A 4-bit GPI (not yet checked for reserved values) at GPT level `level`.
        case found(UInt8, level: UInt8)
        case beyondPPS
        case malformed(level: UInt8)
    }

    @inline(__always)
    func lookup(_ address: UInt64) -> _Lookup {
        guard address < limit else { return .beyondPPS }
        let index = Int(address >> UInt64(l0Shift))
        let l0 = memory.loadL0(index)
        switch l0 & 0xF {
        case GPTL0Descriptor.blockType:
            guard l0 >> 8 == 0 else { return .malformed(level: 0) }
            return .found(UInt8(truncatingIfNeeded: l0 >> 4) & 0xF, level: 0)
        case GPTL0Descriptor.tableType:
            guard l0 & ~(UInt64.mask(bits: 12..<52) | 0xF) == 0, let table = memory.l1(index) else {
                return .malformed(level: 0)
            }
            let word = table.load(wordIndex(of: address))
            if word & 0xF == GPTL1Descriptor.contiguousType {
                guard word >> 10 == 0 && word & 0x300 != 0 else { return .malformed(level: 1) }
                return .found(UInt8(truncatingIfNeeded: word >> 4) & 0xF, level: 1)
            }
            let nibble = UInt64((address >> UInt64(granuleShift)) & 0xF)
            return .found(UInt8(truncatingIfNeeded: word >> (nibble * 4)) & 0xF, level: 1)
        default:
            return .malformed(level: 0)
        }
    }

    @inline(__always)
    func verdict(gpi raw: UInt8, level: UInt8, pa: PhysicalAddress, state: SecurityState) -> GPCFault? {
        let gpi = GPI(rawValue: raw)!
        let permitted: Bool
        if gpi == .nonSecureOnly {
            guard gpccr.nso else { return GPCFault(pa: pa, kind: .walk, level: level, accessedBy: state) }
            permitted = state == .nonSecure
        } else {
            guard gpi.isValidBaseEncoding else { return GPCFault(pa: pa, kind: .walk, level: level, accessedBy: state) }
            permitted = gpi.permits(state)
        }
        return permitted ? nil : GPCFault(pa: pa, kind: .gpf, level: level, accessedBy: state)
    }
}
