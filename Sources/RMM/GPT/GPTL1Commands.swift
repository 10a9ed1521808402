import CCAArch

extension RealmManagementMonitor {
    /// The size of the PA region one L0 GPT entry describes.
    var l0RegionSize: UInt64 { 1 << UInt64(manifest.l0RegionBits) }

    /// Bytes of one L1 GPT table: one 64-bit word per sixteen granules of an L0 region.
    var l1TableBytes: UInt64 { (l0RegionSize >> UInt64(granuleSize.shift + 4)) << 3 }

    /// Granules a table's memory occupies: at least one, even when the table is smaller than a granule.
    var l1TableGranules: UInt64 { Swift.max(1, l1TableBytes >> UInt64(granuleSize.shift)) }

    /// The donation RMI_GPT_L1_CREATE asks for: the table's memory as one contiguous, naturally aligned run of
    /// UNDELEGATED blocks (at least one granule), of the smallest block size whose count fits a descriptor.
    var l1TableDonationRequest: OpMemDonateRequest {
        contiguousDonationRequest(granules: l1TableGranules, state: .undelegated)
    }

    /// A donation of `granules` granules as one contiguous, naturally aligned run of blocks in `state`, of the
    /// smallest block size whose count fits a descriptor.
    func contiguousDonationRequest(granules: UInt64, state: OpMemState) -> OpMemDonateRequest {
        let bytes = granules << UInt64(granuleSize.shift)
        let countLimit = Swift.min(
            UInt64(OpMemDonateRequest.maxCount),
            (1 << UInt64(AddressRangeDescriptor.countWidth(granule: granuleSize))) - 1)
        for size in [AddressBlockSize.level3, .level2, .level1, .level0] {
            guard let blockBytes = size.bytes(granule: granuleSize), blockBytes <= bytes else { break }
            if bytes / blockBytes <= countLimit {
                return OpMemDonateRequest(
                    blockSize: size, count: UInt16(bytes / blockBytes), contiguous: true, state: state)
            }
        }
        preconditionFailure("a donation too large for one address-range descriptor")
    }

    /// Who manages the L1 GPT table of the L0 region at `base`.
    func l1Owner(of base: PhysicalAddress) -> GPTL1Owner {
        guard let entry = l1Directory.entry(at: base) else { return .reserved }
        switch entry.current.state {
        case .platform: return .platform
        case .created, .destroying: return .hostCreated
        case .absent, .creating: return .hostNotCreated
        }
    }

    /// The checks RMI_GPT_L1_CREATE and _DESTROY share: `addr_bound` and `addr_align`.
    private func validL0Address(_ address: UInt64) -> Bool {
        address < manifest.physicalAddressLimit && address & (l0RegionSize - 1) == 0
    }

    /// RMI_GPT_L1_CREATE (DEN0137 B4.5.15): X1 the base of an L0 region.
    ///
    /// Failure conditions: `addr_bound`, `addr_align` (RMI_ERROR_INPUT); `entry_state` (the L0 entry is already
    /// a Table: RMI_ERROR_GPT), the answer for every region whose table the platform created; `unfold_denied`
    /// (RMI_ERROR_GLOBAL) for a region that holds no memory. A region whose table is being destroyed answers
    /// RMI_BLOCKED; no free operation context, RMI_BUSY or RMI_BLOCKED.
    ///
    /// Success starts a memory-transferring stateful operation: RMI_INCOMPLETE asking for the table's memory
    /// (`l1TableDonationRequest`, cancellable until it arrives); RMI_OP_MEM_DONATE checks the memory (`gran`) and
    /// has EL3 unfold the Block into a table there (the memory becomes GPT_L1, Root in the GPT); RMI_OP_CONTINUE
    /// then answers RMI_SUCCESS.
    func gptL1Create(address: UInt64) throws(RMIStatusError) -> SMCReturn {
        guard validL0Address(address) else { return .result(.errorInput) }
        guard let entry = l1Directory.entry(at: PhysicalAddress(address)) else { return .result(.errorGlobal) }
        let current = entry.current
        switch current.state {
        case .platform, .created: return .result(.errorGPT)
        case .creating, .destroying: return .result(.blocked)
        case .absent: break
        }
        guard entry.move(from: .absent, table: PhysicalAddress(0), to: .creating, table: PhysicalAddress(0)) else {
            return .result(.blocked)
        }
        let context: OperationContext
        do {
            context = try operations.reserve()
        } catch {
            _ = entry.move(from: .creating, table: PhysicalAddress(0), to: .absent, table: PhysicalAddress(0))
            throw error
        }
        let request = l1TableDonationRequest
        context.operation = .gptL1Create(GPTL1Operation(entry: entry, table: nil, cancelled: false))
        context.step = .donate(request)
        context.canCancel = true
        return SMCReturn(RMIResult.incomplete(.donate, canCancel: true).rawValue, context.seal(), request.encoding)
    }

    /// RMI_GPT_L1_DESTROY (DEN0137 B4.5.16): X1 the base of an L0 region.
    ///
    /// Failure conditions: `addr_bound`, `addr_align` (RMI_ERROR_INPUT); `entry_state` (the L0 entry is a Block:
    /// RMI_ERROR_INPUT); `gpt_l1_homo` (the table's granules do not all share one GPI, its own memory aside:
    /// RMI_ERROR_INPUT). A platform-created table cannot be folded by the host: RMI_ERROR_GLOBAL, as TF-RMM
    /// answers. A table still being created answers RMI_BLOCKED; no free operation context, RMI_BUSY or
    /// RMI_BLOCKED.
    ///
    /// Success folds the table at once (EL3 gives its memory back to Non-secure) and starts a memory-transferring
    /// stateful operation: RMI_INCOMPLETE asking the host to reclaim the table's memory (one UNDELEGATED
    /// descriptor), then RMI_OP_CONTINUE answers RMI_SUCCESS. Not cancellable.
    func gptL1Destroy(address: UInt64, cpu: Int) throws(RMIStatusError) -> SMCReturn {
        guard validL0Address(address) else { return .result(.errorInput) }
        guard let entry = l1Directory.entry(at: PhysicalAddress(address)) else { return .result(.errorInput) }
        let current = entry.current
        switch current.state {
        case .platform: return .result(.errorGlobal)
        case .absent: return .result(.errorInput)
        case .creating, .destroying: return .result(.blocked)
        case .created: break
        }
        let table = current.table
        guard entry.move(from: .created, table: table, to: .destroying, table: table) else { return .result(.blocked) }
        let context: OperationContext
        do {
            context = try operations.reserve()
        } catch {
            _ = entry.move(from: .destroying, table: table, to: .created, table: table)
            throw error
        }
        let answer = port.el3Call(SMCArguments(EL3FunctionID.l1GPTDestroy.rawValue, address), cpu: cpu)
        guard FIRMEStatus(x0: answer.x0) == .success else {
            context.release()
            _ = entry.move(from: .destroying, table: table, to: .created, table: table)
            return .result(.errorInput)
        }
        context.operation = .gptL1Destroy(GPTL1Operation(entry: entry, table: table, cancelled: false))
        context.step = .reclaim
        context.canCancel = false
        return SMCReturn(RMIResult.incomplete(.reclaim, canCancel: false).rawValue, context.seal())
    }

    /// The last step of GPT_L1_CREATE (or of its cancellation) and of GPT_L1_DESTROY, from RMI_OP_CONTINUE.
    func finishGPTL1(_ operation: GPTL1Operation, creating: Bool) -> SMCReturn {
        let none = PhysicalAddress(0)
        if creating {
            guard let table = operation.table, !operation.cancelled else {
                _ = operation.entry.move(from: .creating, table: none, to: .absent, table: none)
                return .result(.errorInput)
            }
            _ = operation.entry.move(from: .creating, table: none, to: .created, table: table)
            return .result(.success)
        }
        _ = operation.entry.move(from: .destroying, table: operation.table ?? none, to: .absent, table: none)
        return .result(.success)
    }

    /// RMI_OP_MEM_DONATE for GPT_L1_CREATE, given the one run `donateContiguousRun` read and checked (the whole
    /// table, aligned to its size): every granule UNDELEGATED conventional memory that EL3 accepts as table memory
    /// (`gran`).
    ///
    /// The granules are held PARTIAL while EL3 unfolds the Block, then become GPT_L1. Any failure answers
    /// RMI_ERROR_INPUT with donated_count 0 and changes nothing: the operation still waits for its memory.
    func donateL1Table(
        _ context: OperationContext, _ operation: GPTL1Operation, run descriptor: AddressRangeDescriptor, cpu: Int
    ) -> SMCReturn {
        let bytes = descriptor.byteCount(granule: granuleSize)
        let granules = Int(bytes >> UInt64(granuleSize.shift))
        // Hold every granule PARTIAL (ascending addresses); undo on the first that is not UNDELEGATED memory.
        var held = 0
        while held < granules {
            let pa = descriptor.base + (UInt64(held) << UInt64(granuleSize.shift))
            guard let granule = lockGranule(pa), granule.state == .undelegated else { break }
            granule.unlock(as: .partial)
            held += 1
        }
        let accepted: Bool
        if held == granules {
            let region = operation.entry.base
            let answer = port.el3Call(
                SMCArguments(EL3FunctionID.l1GPTCreate.rawValue, region.rawValue, descriptor.base.rawValue), cpu: cpu)
            accepted = FIRMEStatus(x0: answer.x0) == .success
        } else {
            accepted = false
        }
        setGranules(descriptor.base, count: held, to: accepted ? .gptL1 : .undelegated)
        guard accepted else { return refuse(context) }
        var updated = operation
        updated.table = descriptor.base
        context.operation = .gptL1Create(updated)
        context.step = .proceed
        context.canCancel = false
        return incomplete(context, count: descriptor.count)
    }

    /// RMI_OP_MEM_RECLAIM for GPT_L1_DESTROY: one UNDELEGATED descriptor naming the whole table; its granules go
    /// from GPT_L1 back to UNDELEGATED.
    func reclaimL1Table(
        _ context: OperationContext, _ operation: GPTL1Operation, list: PhysicalAddress, capacity: UInt64
    )
        -> SMCReturn
    {
        guard let table = operation.table,
            handBackContiguousRun(table, as: l1TableDonationRequest, list: list, capacity: capacity)
        else { return incomplete(context, count: 0) }
        setGranules(table, count: Int(l1TableGranules), to: .undelegated)
        context.step = .proceed
        return incomplete(context, count: 1)
    }

    /// Sets the state of `count` granules from `base`, which this operation holds, one lock at a time.
    private func setGranules(_ base: PhysicalAddress, count: Int, to state: GranuleState) {
        for index in 0..<count {
            let pa = base + (UInt64(index) << UInt64(granuleSize.shift))
            lockHeld(pa, "L1 table granule not tracked").unlock(as: state)
        }
    }

    /// RMI_GPT_INFO (2.0-bet3): X1 base, X2 top, both L0-region aligned, base < top <= the PA size. Answers
    /// X1 = base + the L0 region size (where the next call starts) and X2 = the owner of base's L1 table.
    func gptInfo(base: UInt64, top: UInt64) -> SMCReturn {
        guard base & (l0RegionSize - 1) == 0, top & (l0RegionSize - 1) == 0, base < top,
            top <= manifest.physicalAddressLimit
        else { return .result(.errorInput) }
        let owner = l1Owner(of: PhysicalAddress(base))
        return .result(.success, base + l0RegionSize, UInt64(owner.rawValue))
    }
}
