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
            guard let finished = finishRun(&operation, in: operation.region, cpu: cpu, interruptible: true) else {
                context.operation = .range(operation)
                return incomplete(context)
            }
            answer = finished.registers
        case .coarse(var operation):
            guard let finished = continueCoarseUnit(&operation, cpu: cpu) else {
                context.operation = .coarse(operation)
                return incomplete(context)
            }
            answer = finished
        case .recCreate(let operation):
            answer = finishREC(operation, creating: true)
        case .recDestroy(let operation):
            answer = finishREC(operation, creating: false)
        case .realmCreate(var operation):
            guard let finished = finishRealmCreate(&operation) else {
                // The creation failed at its last step: the donated granules go back first.
                context.operation = .realmCreate(operation)
                context.canCancel = false
                context.step = .reclaim
                return incomplete(context)
            }
            answer = finished
        case .realmDestroy(let operation):
            answer = finishRealmDestroy(operation)
        case .gptL1Create(let operation):
            answer = finishGPTL1(operation, creating: true)
        case .gptL1Destroy(let operation):
            answer = finishGPTL1(operation, creating: false)
        case .tracking(let operation):
            answer = finishTracking(operation)
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
            return donateAuxiliary(context, operation, required: Self.recAuxCount, request, listPA, entries) {
                .recCreate($0)
            }
        case .realmCreate(let operation):
            return donateAuxiliary(context, operation, required: Self.rdAuxCount, request, listPA, entries) {
                .realmCreate($0)
            }
        case .gptL1Create, .tracking:
            return donateContiguousRun(context, request, listPA, entries, cpu: cpu)
        default:
            return refuse(context)
        }
    }

    /// RMI_OP_MEM_DONATE for an operation that asked for one contiguous run (GPT_L1_CREATE's table, TRACKING_SET's
    /// metadata): reads the host's list, skipping empty descriptors, and checks the one run against `request`
    /// (`mem_contig`: one non-empty descriptor; `mem_gt`, `mem_align`: the block size, state and count asked for,
    /// the run aligned to its size); an entry that cannot be read or decoded, or a run other than the one asked for,
    /// is refused, nothing changed. An empty list makes no progress. The operation then takes the run.
    private func donateContiguousRun(
        _ context: OperationContext, _ request: OpMemDonateRequest, _ listPA: PhysicalAddress, _ entries: UInt64,
        cpu: Int
    ) -> SMCReturn {
        var given: AddressRangeDescriptor?
        for i in 0..<entries {
            guard let raw = port.read64(listPA + i * 8, space: .nonSecure),
                let descriptor = try? AddressRangeDescriptor(encoding: raw, granule: granuleSize)
            else { return refuse(context) }
            guard descriptor.count > 0 else { continue }
            guard given == nil else { return refuse(context) }
            given = descriptor
        }
        guard let run = given else { return incomplete(context, count: 0) }
        guard run.blockSize == request.blockSize, run.state == request.state, run.count == UInt64(request.count),
            run.base.isAligned(to: run.byteCount(granule: granuleSize))
        else { return refuse(context) }
        switch context.operation {
        case .gptL1Create(let operation):
            return donateL1Table(context, operation, run: run, cpu: cpu)
        case .tracking(let operation):
            return donateTrackingMetadata(context, operation, run: run)
        default:
            return refuse(context)
        }
    }

    /// RMI_OP_MEM_RECLAIM of a run a contiguous donation gave: writes the one descriptor naming the whole run from
    /// `base` (`request`'s block size, count and state) as the first entry of the host's list. Whether it was
    /// written: not when the list has no room (`capacity` 0) or cannot be written.
    func handBackContiguousRun(
        _ base: PhysicalAddress, as request: OpMemDonateRequest, list: PhysicalAddress, capacity: UInt64
    ) -> Bool {
        guard capacity > 0,
            let encoding = AddressRangeDescriptor(
                base: base, blockSize: request.blockSize, count: UInt64(request.count), state: request.state
            ).encoding(granule: granuleSize)
        else { return false }
        return port.write64(encoding, at: list, space: .nonSecure)
    }

    /// RMI_OP_MEM_DONATE for an object that holds auxiliary granules (REC_CREATE, REALM_CREATE): takes donated L3
    /// pages, in list order, each address kept in the object's granule, each granule now in the object's auxiliary
    /// state; then asks for the rest or, when all `required` have arrived, for RMI_OP_CONTINUE. `wrap` puts the
    /// updated operation back in the context.
    ///
    /// The whole list is validated before anything is taken, so a refused list changes nothing; a granule that
    /// changed since the validation ends the donation there.
    private func donateAuxiliary<Operation: AuxiliaryHolding>(
        _ context: OperationContext, _ pending: Operation, required: Int, _ request: OpMemDonateRequest,
        _ listPA: PhysicalAddress, _ entries: UInt64, wrap: (Operation) -> PendingOperation
    ) -> SMCReturn {
        var operation = pending
        let g = granuleSize.bytes
        var offered: UInt64 = 0
        for i in 0..<entries {
            guard let raw = port.read64(listPA + i * 8, space: .nonSecure),
                let descriptor = try? AddressRangeDescriptor(encoding: raw, granule: granuleSize)
            else { return refuse(context) }
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
        guard offered <= UInt64(request.count) else { return refuse(context) }
        var taken: UInt64 = 0
        consume: for i in 0..<entries {
            guard let raw = port.read64(listPA + i * 8, space: .nonSecure),
                let descriptor = try? AddressRangeDescriptor(encoding: raw, granule: granuleSize)
            else { break }
            for j in 0..<descriptor.count {
                let pa = descriptor.base + j * g
                guard let granule = try? lockExpecting(pa, .delegated) else { break consume }
                writeObject(
                    operation.holder, Operation.auxiliaryOffset + UInt64(operation.auxCount) * 8, pa.rawValue)
                operation.auxCount += 1
                granule.unlock(as: Operation.auxiliaryState)
                taken += 1
            }
        }
        context.operation = wrap(operation)
        let remaining = required - operation.auxCount
        context.step = remaining == 0 ? .proceed : .donate(Self.auxiliaryRequest(remaining: remaining))
        return incomplete(context, count: taken)
    }

    /// RMI_OP_MEM_RECLAIM for an object that holds auxiliary granules: hands back, into the host's list, those
    /// not yet handed back, each as one DELEGATED L3 descriptor, until the list is full; then asks for another
    /// reclaim or, when all are back, for RMI_OP_CONTINUE. `wrap` puts the updated operation back in the context.
    private func handBackAuxiliary<Operation: AuxiliaryHolding>(
        _ context: OperationContext, _ pending: Operation, _ listPA: PhysicalAddress, _ capacity: UInt64,
        wrap: (Operation) -> PendingOperation
    ) -> SMCReturn {
        var operation = pending
        var written: UInt64 = 0
        while written < capacity && operation.reclaimed < operation.auxCount {
            let pa = PhysicalAddress(
                readObject(operation.holder, Operation.auxiliaryOffset + UInt64(operation.reclaimed) * 8))
            let descriptor = AddressRangeDescriptor(base: pa, blockSize: .level3, count: 1, state: .delegated)
            guard
                port.write64(
                    descriptor.encoding(granule: granuleSize) ?? 0, at: listPA + written * 8, space: .nonSecure)
            else { break }
            lockHeld(pa, "auxiliary granule not tracked").unlock(as: .delegated)
            operation.reclaimed += 1
            written += 1
        }
        context.operation = wrap(operation)
        if operation.reclaimed == operation.auxCount { context.step = .proceed }
        return incomplete(context, count: written)
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
        switch context.operation {
        case .recCreate(let operation):
            return handBackAuxiliary(context, operation, listPA, capacity) { .recCreate($0) }
        case .recDestroy(let operation):
            return handBackAuxiliary(context, operation, listPA, capacity) { .recDestroy($0) }
        case .realmCreate(let operation):
            return handBackAuxiliary(context, operation, listPA, capacity) { .realmCreate($0) }
        case .realmDestroy(let operation):
            return handBackAuxiliary(context, operation, listPA, capacity) { .realmDestroy($0) }
        case .gptL1Destroy(let pending): return reclaimL1Table(context, pending, list: listPA, capacity: capacity)
        case .tracking(let pending): return reclaimTrackingMetadata(context, pending, list: listPA, capacity: capacity)
        default:
            return refuse(context)
        }
    }

    /// RMI_OP_CANCEL (DEN0137 B4.5.21): X1 handle.
    ///
    /// Failure conditions: `complete` (no incomplete operation), `can_cancel` (not cancellable now); both
    /// RMI_ERROR_INPUT, and the operation stays as it was. Range operations, REC and realm destruction, L1 GPT
    /// destruction and tracking transitions away from FINE are never cancellable; a REC or realm creation is while
    /// it waits for its donation, an L1 GPT creation until its table memory arrives, a tracking transition to FINE
    /// until its metadata arrives. Success starts the roll-back, which
    /// answers RMI_INCOMPLETE (RECLAIM if memory was donated, else NONE) and ends, on RMI_OP_CONTINUE, with
    /// RMI_ERROR_INPUT and every object as it was before the command.
    func opCancel(handle: UInt64) -> SMCReturn {
        guard let context = operations.resume(handle: handle) else { return .result(.errorInput) }
        guard context.canCancel else {
            return refuse(context)
        }
        if case .tracking(var transition) = context.operation {
            // Cancellable only while the metadata has not arrived: nothing to hand back.
            transition.cancelled = true
            context.operation = .tracking(transition)
            context.canCancel = false
            context.step = .proceed
            return incomplete(context)
        }
        if case .gptL1Create(var creation) = context.operation {
            // Cancellable only while the table's memory has not arrived: nothing to hand back.
            creation.cancelled = true
            context.operation = .gptL1Create(creation)
            context.canCancel = false
            context.step = .proceed
            return incomplete(context)
        }
        let held: Int
        switch context.operation {
        case .recCreate(var operation):
            operation.cancelled = true
            (context.operation, held) = (.recCreate(operation), operation.auxCount)
        case .realmCreate(var operation):
            operation.cancelled = true
            (context.operation, held) = (.realmCreate(operation), operation.auxCount)
        default:
            return refuse(context)
        }
        context.canCancel = false
        context.step = held > 0 ? .reclaim : .proceed
        return incomplete(context)
    }
}
