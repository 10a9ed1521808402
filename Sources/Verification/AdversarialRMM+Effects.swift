import CCAArch
import RMIHost

extension AdversarialRMM {
    /// Carries out `answer` to `arguments` on the model and returns the registers the host sees.
    func apply(_ answer: AdversaryAnswer, to arguments: SMCArguments) -> SMCReturn {
        switch FunctionID(arguments.x0) {
        case .granuleRangeDelegate: return applyRange(.delegate, answer, base: arguments.x1, top: arguments.x2)
        case .granuleRangeUndelegate: return applyRange(.undelegate, answer, base: arguments.x1, top: arguments.x2)
        case .opContinue: return applyContinue(answer)
        case .opMemDonate: return applyDonate(answer)
        case .opMemReclaim: return applyReclaim(answer, list: arguments.x2, capacity: arguments.x3)
        case .opCancel: return applyCancel(answer)
        case ExplorationTarget.transferCommand, ExplorationTarget.trackingCommand: return applyTransferStart(answer)
        default: return Self.registers(answer)
        }
    }

    /// Registers for answers that change nothing.
    static func registers(_ answer: AdversaryAnswer, x1: UInt64 = 0) -> SMCReturn {
        switch answer {
        case .refuse(let status), .finish(let status): SMCReturn(RMIResult(status).rawValue, x1)
        case .progress(let outTop): SMCReturn(RMIResult(.success).rawValue, outTop)
        default: SMCReturn(RMIResult(.errorInput).rawValue, x1)
        }
    }

    private func set(_ range: Range<UInt64>, to value: ModelGranuleState) {
        for address in stride(from: range.lowerBound, to: range.upperBound, by: Int(granule)) {
            unsafe state.granules[layout.index(of: address)!] = value
        }
    }

    private func newHandle() -> UInt64 {
        defer { unsafe state.nextHandle += 1 }
        return unsafe state.nextHandle
    }

    private func incompleteRegisters(
        _ request: OpMemRequest, canCancel: Bool, x1: UInt64, donation: OpMemDonateRequest? = nil
    ) -> SMCReturn {
        modifyFocused { $0.canCancel = canCancel }
        return SMCReturn(RMIResult.incomplete(request, canCancel: canCancel).rawValue, x1, donation?.encoding ?? 0)
    }

    /// Changes the focused operation in place: one search, and no copy of its arrays (an assignment through
    /// `focused` reads the operation out, changes the copy, and writes it back, copying `donated` on the way).
    private func modifyFocused(_ change: (inout PendingOperation) -> Void) {
        guard let index = unsafe state.operations.firstIndex(where: { unsafe $0.handle == focus }) else { return }
        unsafe change(&state.operations[index])
    }

    private func donationRequest(_ granules: Int, _ memoryState: OpMemState) -> OpMemDonateRequest {
        OpMemDonateRequest(
            blockSize: .level3, count: UInt16(granules), contiguous: contiguousDonations, state: memoryState)
    }

    private func finish(_ registers: SMCReturn) -> SMCReturn {
        if let pending = focused { unsafe finishedOperations.append((pending.handle, registers)) }
        focused = nil
        return registers
    }

    private func applyRange(
        _ direction: RangeDirection, _ answer: AdversaryAnswer, base: UInt64, top: UInt64
    )
        -> SMCReturn
    {
        switch answer {
        case .progress(let outTop):
            let reach = legalReach(direction, base: base, top: top)
            if outTop > base, outTop <= reach, outTop % granule == 0 { set(base..<outTop, to: direction.destination) }
            return Self.registers(answer)
        case .incomplete(let canCancel):
            return startRangeOperation(direction, base: base, top: top, canCancel: canCancel, donation: nil)
        case .requestDonation(let granules, let memoryState, let canCancel):
            return startRangeOperation(
                direction, base: base, top: top, canCancel: canCancel, donation: (granules, memoryState))
        default:
            return Self.registers(answer, x1: base)
        }
    }

    /// The end of the source-or-destination run from base: how far a legal SUCCESS may reach.
    private func legalReach(_ direction: RangeDirection, base: UInt64, top: UInt64) -> UInt64 {
        var cursor = base
        while cursor < top, let index = layout.index(of: cursor),
            unsafe state.granules[index] == direction.source || state.granules[index] == direction.destination
        {
            cursor += granule
        }
        return cursor
    }

    /// Seals the maximal run of source granules from base as PARTIAL and returns RMI_INCOMPLETE with a handle.
    private func startRangeOperation(
        _ direction: RangeDirection, base: UInt64, top: UInt64, canCancel: Bool, donation: (Int, OpMemState)?
    ) -> SMCReturn {
        var runEnd = base
        while runEnd < top, let index = layout.index(of: runEnd), unsafe state.granules[index] == direction.source {
            runEnd += granule
        }
        set(base..<runEnd, to: .partial)
        let handle = newHandle()
        var pending = PendingOperation(
            kind: .range(direction, cursor: base, top: top, runEnd: runEnd), handle: handle, expecting: .proceed,
            canCancel: canCancel)
        if let (granules, memoryState) = donation {
            pending.expecting = .donation(granules: granules, state: memoryState)
            focused = pending
            return incompleteRegisters(
                .donate, canCancel: canCancel, x1: handle, donation: donationRequest(granules, memoryState))
        }
        focused = pending
        return incompleteRegisters(.none, canCancel: canCancel, x1: handle)
    }

    /// Puts the PARTIAL run of a range operation back: `[cursor, moved)` to the destination, the rest to source.
    private func settleRange(moved: UInt64) {
        guard case .range(let direction, let cursor, _, let runEnd) = focused?.kind else { return }
        set(cursor..<moved, to: direction.destination)
        set(moved..<runEnd, to: direction.source)
    }

    private func applyContinue(_ answer: AdversaryAnswer) -> SMCReturn {
        guard let pending = focused else { return Self.registers(answer) }
        switch answer {
        case .refuse:
            return Self.registers(answer)
        case .incomplete(let canCancel):
            modifyFocused { $0.steps += 1 }
            return incompleteRegisters(.none, canCancel: canCancel, x1: 0)
        case .requestDonation(let granules, let memoryState, let canCancel):
            modifyFocused {
                $0.steps += 1
                $0.expecting = .donation(granules: granules, state: memoryState)
            }
            return incompleteRegisters(
                .donate, canCancel: canCancel, x1: 0, donation: donationRequest(granules, memoryState))
        case .reservedMemoryRequest:
            modifyFocused {
                $0.steps += 1
                $0.canCancel = true
            }
            return SMCReturn(RMIResult.incomplete(.none, canCancel: true).rawValue | (3 << 8))
        case .failAndReclaim(let status):
            modifyFocused {
                $0.steps += 1
                $0.ending = status
                $0.expecting = .reclaim
            }
            return incompleteRegisters(.reclaim, canCancel: false, x1: 0)
        case .progress(let outTop):
            // The final answer of a range operation: a legal out_top moves `[cursor, out_top)`; a forbidden one
            // moves nothing.
            if case .range(_, let cursor, _, let runEnd) = pending.kind {
                let legal = outTop > cursor && outTop <= runEnd && outTop % granule == 0
                settleRange(moved: legal ? outTop : cursor)
            }
            return finish(Self.registers(answer))
        case .finish(let status):
            if case .range(_, let cursor, _, _) = pending.kind {
                settleRange(moved: cursor)
                return finish(SMCReturn(RMIResult(status).rawValue, cursor))
            }
            // Donated memory stays with the RMM: kept by the object created, or, after a final error that skipped
            // the reclaim (only a forbidden answer does), lost to the host.
            unsafe state.kept += pending.donated.map(\.index)
            modifyFocused { $0.donated = [] }
            return finish(SMCReturn(RMIResult(status).rawValue))
        default:
            return Self.registers(answer)
        }
    }

    private func applyDonate(_ answer: AdversaryAnswer) -> SMCReturn {
        guard case .consume(let count) = answer, let pending = focused,
            case .donation(let wanted, let memoryState) = pending.expecting
        else { return Self.registers(answer) }
        let canCancel = pending.canCancel
        let taken = unsafe donationOffer.prefix(count)
        let remaining = wanted - taken.count
        for index in taken { unsafe state.granules[index] = .internal }
        modifyFocused { operation in
            for index in taken { operation.donated.append(DonatedGranule(index: index, state: memoryState)) }
            operation.steps += 1
            operation.expecting = remaining == 0 ? .proceed : .donation(granules: remaining, state: memoryState)
        }
        if remaining == 0 {
            return incompleteRegisters(.none, canCancel: canCancel, x1: UInt64(taken.count))
        }
        return incompleteRegisters(
            .donate, canCancel: canCancel, x1: UInt64(taken.count),
            donation: donationRequest(remaining, memoryState))
    }

    private func applyReclaim(_ answer: AdversaryAnswer, list: UInt64, capacity: UInt64) -> SMCReturn {
        guard case .handBack(let wanted) = answer, let pending = focused else {
            return Self.registers(answer)
        }
        let count = Swift.min(wanted, Int(Swift.min(capacity, UInt64(AddressRangeDescriptor.maxListEntries))))
        let returned = pending.donated.prefix(count)
        var words: [UInt64] = []
        for donated in returned {
            let descriptor = AddressRangeDescriptor(
                base: PhysicalAddress(layout.address(of: donated.index)), blockSize: .level3, count: 1,
                state: donated.state)
            words.append(descriptor.encoding(granule: layout.granuleSize)!)
            unsafe state.granules[donated.index] = donated.state == .delegated ? .delegated : .undelegated
        }
        if !words.isEmpty { try? memory.writeWords(words, at: PhysicalAddress(list)) }
        var allBack = false
        modifyFocused { operation in
            operation.donated.removeFirst(returned.count)
            operation.steps += 1
            allBack = operation.donated.isEmpty
            if allBack { operation.expecting = .proceed }
        }
        if allBack {
            return incompleteRegisters(.none, canCancel: false, x1: UInt64(returned.count))
        }
        return incompleteRegisters(.reclaim, canCancel: false, x1: UInt64(returned.count))
    }

    private func applyCancel(_ answer: AdversaryAnswer) -> SMCReturn {
        guard answer == .cancel, let pending = focused else { return Self.registers(answer) }
        // The final status of a cancelled operation is not specified (sro.md section 4): ERROR_INPUT.
        if case .range(_, let cursor, _, _) = pending.kind {
            settleRange(moved: cursor)
            return finish(SMCReturn(RMIResult(.errorInput).rawValue, cursor))
        }
        let holdsMemory = !pending.donated.isEmpty
        modifyFocused { operation in
            operation.steps += 1
            if holdsMemory {
                operation.ending = .errorInput
                operation.expecting = .reclaim
            }
        }
        guard holdsMemory else { return finish(SMCReturn(RMIResult(.errorInput).rawValue)) }
        return incompleteRegisters(.reclaim, canCancel: false, x1: 0)
    }

    private func applyTransferStart(_ answer: AdversaryAnswer) -> SMCReturn {
        let start = { (expecting: PendingOperation.Expecting, canCancel: Bool) -> UInt64 in
            let handle = self.newHandle()
            self.focused = PendingOperation(
                kind: .transfer, handle: handle, expecting: expecting, canCancel: canCancel)
            return handle
        }
        switch answer {
        case .incomplete(let canCancel):
            return incompleteRegisters(.none, canCancel: canCancel, x1: start(.proceed, canCancel))
        case .requestDonation(let granules, let memoryState, let canCancel):
            let handle = start(.donation(granules: granules, state: memoryState), canCancel)
            return incompleteRegisters(
                .donate, canCancel: canCancel, x1: handle, donation: donationRequest(granules, memoryState))
        case .reservedMemoryRequest:
            let handle = start(.proceed, true)
            return SMCReturn(RMIResult.incomplete(.none, canCancel: true).rawValue | (3 << 8), handle)
        default:
            return Self.registers(answer)
        }
    }
}
