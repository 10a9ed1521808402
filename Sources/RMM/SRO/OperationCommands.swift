import CCAArch

extension RealmManagementMonitor {
    /// A request the operation refuses: RMI_ERROR_INPUT, and the operation stays as it was, waiting for the same
    /// OP_* call (sro.md section 6 items 3 and 5).
    func refuse(_ context: OperationContext) -> SMCReturn {
        _ = context.seal()
        return .result(.errorInput)
    }

    /// The answer an operation gives while it still waits for the host.
    func incomplete(_ context: OperationContext, count: UInt64 = 0) -> SMCReturn {
        _ = context.seal()
        switch context.step {
        case .proceed:
            return .result(RMIResult.incomplete(.none, canCancel: context.canCancel), count)
        case .donate(let request):
            return .result(RMIResult.incomplete(.donate, canCancel: context.canCancel), count, request.encoding)
        case .reclaim:
            return .result(RMIResult.incomplete(.reclaim, canCancel: context.canCancel), count)
        }
    }

    /// RMI_OP_CONTINUE (DEN0137 B4.5.22): X1 handle, X2 flags.
    ///
    /// Failure condition `complete`: the handle names no incomplete operation, or the operation waits for a
    /// memory transfer instead (RMI_ERROR_INPUT; the operation stays as it was). Otherwise the operation resumes:
    /// it may answer RMI_INCOMPLETE again, or the outputs of the command that started it.
    func opContinue(handle: UInt64, cpu: Int) -> SMCReturn {
        guard let context = operations.resume(handle: handle) else { return .result(.errorInput) }
        guard context.step == .proceed else {
            return refuse(context)
        }
        let answer: SMCReturn
        switch context.operation {
        case .range(var operation):
            guard let finished = finishRun(&operation, cpu: cpu, interruptible: true) else {
                context.operation = .range(operation)
                return incomplete(context)
            }
            answer = finished
        case .recCreate(let operation):
            answer = finishREC(operation, creating: true)
        case .recDestroy(let operation):
            answer = finishREC(operation, creating: false)
        case .gptL1Create(let operation):
            answer = finishGPTL1(operation, creating: true)
        case .gptL1Destroy(let operation):
            answer = finishGPTL1(operation, creating: false)
        case .none:
            answer = .result(.errorInput)
        }
        context.release()
        return answer
    }

    /// RMI_OP_MEM_DONATE (DEN0137 B4.5.23): X1 handle, X2 list address, X3 list count. Answers X1 donated_count,
    /// the granules taken from the list, in list order.
    ///
    /// Failure conditions, each RMI_ERROR_INPUT with donated_count 0 and the operation still waiting for a
    /// (corrected) donation: `complete` (no operation waiting for a donation), `list_align`, `list_pas`,
    /// `mem_gt` (more memory than asked for), `mem_contig`, `mem_align` (block size or alignment not as asked),
    /// `mem_state` (a granule not in the asked state). Success: the granules are the operation's; the answer is
    /// RMI_INCOMPLETE again, asking for the rest or, when all has arrived, for RMI_OP_CONTINUE.
    func opMemDonate(handle: UInt64, list: UInt64, count: UInt64, cpu: Int) -> SMCReturn {
        guard let context = operations.resume(handle: handle) else { return .result(.errorInput) }
        guard case .donate(let request) = context.step else {
            return refuse(context)
        }
        let listPA = PhysicalAddress(list)
        let entries = Swift.min(count, UInt64(AddressRangeDescriptor.maxListEntries) - (list & 0xFFF) / 8)
        guard list & 7 == 0, port.read64(listPA, space: .nonSecure) != nil else {
            return refuse(context)
        }
        switch context.operation {
        case .recCreate(let operation):
            return donateRECAux(context, operation, request: request, list: listPA, entries: entries)
        case .gptL1Create(let operation):
            return donateL1Table(context, operation, request: request, list: listPA, entries: entries, cpu: cpu)
        default:
            return refuse(context)
        }
    }

    /// RMI_OP_MEM_DONATE for REC_CREATE: DELEGATED L3 pages, taken in list order as auxiliary granules.
    private func donateRECAux(
        _ context: OperationContext, _ pending: RECOperation, request: OpMemDonateRequest, list listPA: PhysicalAddress,
        entries: UInt64
    ) -> SMCReturn {
        var operation = pending
        // Validate the whole list before taking anything, so a failure changes nothing.
        let g = granuleSize.bytes
        var offered: UInt64 = 0
        for i in 0..<entries {
            guard let raw = port.read64(listPA + i * 8, space: .nonSecure),
                let descriptor = try? AddressRangeDescriptor(encoding: raw, granule: granuleSize)
            else {
                return refuse(context)
            }
            if descriptor.count == 0 { continue }
            guard descriptor.blockSize == request.blockSize, descriptor.state == request.state else {
                return refuse(context)
            }
            offered += descriptor.count
            for j in 0..<descriptor.count {
                guard let word = granuleWord(descriptor.base + j * g), word == GranuleWord(state: .delegated) else {
                    return refuse(context)
                }
            }
        }
        guard offered <= UInt64(request.count) else {
            return refuse(context)
        }
        // Take the granules in list order; one that changed since validation ends the donation there.
        var taken: UInt64 = 0
        consume: for i in 0..<entries {
            guard let raw = port.read64(listPA + i * 8, space: .nonSecure),
                let descriptor = try? AddressRangeDescriptor(encoding: raw, granule: granuleSize)
            else { break }
            for j in 0..<descriptor.count {
                let pa = descriptor.base + j * g
                guard let granule = try? lockExpecting(pa, .delegated) else { break consume }
                writeObject(operation.rec, RECField.aux + UInt64(operation.auxCount) * 8, pa.rawValue)
                operation.auxCount += 1
                granule.unlock(as: .recAux)
                taken += 1
            }
        }
        context.operation = .recCreate(operation)
        let remaining = Self.recAuxCount - operation.auxCount
        context.step = remaining == 0 ? .proceed : .donate(Self.recAuxRequest(remaining: remaining))
        return incomplete(context, count: taken)
    }

    /// RMI_OP_MEM_RECLAIM (DEN0137 B4.5.24): X1 handle, X2 list address, X3 list capacity. Answers X1
    /// reclaim_count, the descriptors written, each naming one granule handed back DELEGATED.
    ///
    /// Failure conditions: `complete` (no operation handing memory back), `list_align`, `list_pas`; all
    /// RMI_ERROR_INPUT, and the operation stays as it was. Success answers RMI_INCOMPLETE: RECLAIM again while
    /// granules remain, then NONE, for RMI_OP_CONTINUE to finish. A capacity of 0 makes no progress.
    func opMemReclaim(handle: UInt64, list: UInt64, count: UInt64) -> SMCReturn {
        guard let context = operations.resume(handle: handle) else { return .result(.errorInput) }
        guard context.step == .reclaim else {
            return refuse(context)
        }
        let listPA = PhysicalAddress(list)
        guard list & 7 == 0, port.read64(listPA, space: .nonSecure) != nil else {
            return refuse(context)
        }
        let capacity = Swift.min(count, UInt64(AddressRangeDescriptor.maxListEntries) - (list & 0xFFF) / 8)
        var operation: RECOperation
        var creating: Bool
        switch context.operation {
        case .recCreate(let pending): (operation, creating) = (pending, true)
        case .recDestroy(let pending): (operation, creating) = (pending, false)
        case .gptL1Destroy(let pending): return reclaimL1Table(context, pending, list: listPA, capacity: capacity)
        default:
            return refuse(context)
        }
        var written: UInt64 = 0
        while written < capacity && operation.reclaimed < operation.auxCount {
            let pa = PhysicalAddress(readObject(operation.rec, RECField.aux + UInt64(operation.reclaimed) * 8))
            let descriptor = AddressRangeDescriptor(base: pa, blockSize: .level3, count: 1, state: .delegated)
            guard
                port.write64(
                    descriptor.encoding(granule: granuleSize) ?? 0, at: listPA + written * 8, space: .nonSecure)
            else { break }
            lockHeld(pa, "auxiliary granule not tracked").unlock(as: .delegated)
            operation.reclaimed += 1
            written += 1
        }
        context.operation = creating ? .recCreate(operation) : .recDestroy(operation)
        if operation.reclaimed == operation.auxCount { context.step = .proceed }
        return incomplete(context, count: written)
    }

    /// RMI_OP_CANCEL (DEN0137 B4.5.21): X1 handle.
    ///
    /// Failure conditions: `complete` (no incomplete operation), `can_cancel` (not cancellable now); both
    /// RMI_ERROR_INPUT, and the operation stays as it was. Range operations, REC destruction and L1 GPT
    /// destruction are never cancellable; a REC creation is while it waits for its donation, an L1 GPT creation
    /// until its table memory arrives. Success starts the roll-back, which
    /// answers RMI_INCOMPLETE (RECLAIM if memory was donated, else NONE) and ends, on RMI_OP_CONTINUE, with
    /// RMI_ERROR_INPUT and every object as it was before the command.
    func opCancel(handle: UInt64) -> SMCReturn {
        guard let context = operations.resume(handle: handle) else { return .result(.errorInput) }
        guard context.canCancel else {
            return refuse(context)
        }
        if case .gptL1Create(var creation) = context.operation {
            // Cancellable only while the table's memory has not arrived: nothing to hand back.
            creation.cancelled = true
            context.operation = .gptL1Create(creation)
            context.canCancel = false
            context.step = .proceed
            return incomplete(context)
        }
        guard case .recCreate(var operation) = context.operation else {
            return refuse(context)
        }
        operation.cancelled = true
        context.operation = .recCreate(operation)
        context.canCancel = false
        context.step = operation.auxCount > 0 ? .reclaim : .proceed
        return incomplete(context)
    }
}
