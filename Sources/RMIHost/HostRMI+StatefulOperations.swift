public import CCAArch

extension HostRMI {
    /// Issues `command` and drives it to a final answer, whatever stateful operation it starts (sro.md section 7).
    ///
    /// Usable by any command that may return RMI_INCOMPLETE: range commands, RMM_ACTIVATE, GPT_L1_CREATE and
    /// DESTROY, REC_CREATE and DESTROY, REALM_CREATE (which asks for the RD's auxiliary granules) and REALM_DESTROY
    /// (which hands them back): donated pages leave the allocator while the RMM holds them, and reclaimed pages
    /// return to it once undelegated. The driver keeps the handle from the initiating answer's X1 (OP_* X1 outputs are counts,
    /// never handles) and answers each RMI_INCOMPLETE by its memory request:
    /// - NONE: RMI_OP_CONTINUE(handle, KEEP_GOING).
    /// - DONATE: obtains the requested blocks from the page allocator, delegates them first when the requested
    ///   state is DELEGATED, writes one RmiAddrRangeDesc per block into a page-resident list, and calls
    ///   RMI_OP_MEM_DONATE(handle, list, entries). X1 of the answer is the number of granules consumed, in list
    ///   order, clamped to what was offered; the unconsumed rest goes back (undelegated first if it was
    ///   delegated, leaked if that fails).
    /// - RECLAIM: RMI_OP_MEM_RECLAIM(handle, list, capacity); reads X1 descriptors, undelegates those marked
    ///   DELEGATED, frees them (leaking what fails to undelegate).
    ///
    /// When the host cannot serve a step it calls RMI_OP_CANCEL once, if and only if the latest RMI_INCOMPLETE
    /// allowed it (can-cancel = 1), and drives the roll-back; otherwise it stops and reports, never looping. Every
    /// SMC is retried within the retry policy, and the operation within the continuation budget.
    ///
    /// - Parameters:
    ///   - command: the initiating SMC.
    ///   - transfersMemory: whether the command may ask for memory (sro.md section 2, column M). A memory request
    ///     from a command that may not transfer memory is a contract breach, handled like any host failure.
    public func execute(_ command: SMCArguments, transfersMemory: Bool = true) -> SROOutcome {
        var smcCount = 0
        switch issue(command, smcCount: &smcCount) {
        case .stalled(let status):
            return SROOutcome(end: .stalled(status), smcCount: smcCount, handle: nil)
        case .answered(let answer):
            guard RMIResult(rawValue: answer.x0).status == .incomplete else {
                return SROOutcome(end: .completed(answer), smcCount: smcCount, handle: nil)
            }
            let end = driveIncomplete(answer, transfersMemory: transfersMemory, smcCount: &smcCount)
            return SROOutcome(end: end, smcCount: smcCount, handle: answer.x1)
        }
    }

    enum ServeResult {
        case answered(SMCReturn)
        case stalled(RMIStatus)
        case hostFailure(SROHostFailure)
    }

    /// Drives an operation whose initiating answer was RMI_INCOMPLETE to its end.
    func driveIncomplete(_ initial: SMCReturn, transfersMemory: Bool, smcCount: inout Int) -> SROOutcome.End {
        let handle = initial.x1
        var answer = initial
        var cancelledBecause: SROHostFailure?
        var listPage: PhysicalAddress?
        defer {
            if let listPage { allocator.freePage(listPage) }
        }
        var steps = 0
        while RMIResult(rawValue: answer.x0).status == .incomplete {
            guard steps < retryPolicy.continuationBudget else { return .failed(.continuationLimit(handle: handle)) }
            steps += 1
            let result = RMIResult(rawValue: answer.x0)
            let step: ServeResult
            switch result.memoryRequest {
            case nil:
                step = .hostFailure(.malformedResult(answer.x0))
            case .none?:
                let arguments = SMCArguments(
                    FunctionID.opContinue.rawValue, handle, OpContinueFlags.keepGoing.rawValue)
                step = ServeResult(issue(arguments, smcCount: &smcCount))
            case let request? where !transfersMemory:
                step = .hostFailure(.unexpectedMemoryRequest(request))
            case let request?:
                if listPage == nil { listPage = allocator.allocatePage() }
                if let page = listPage {
                    step =
                        request == .donate
                        ? serveDonation(handle: handle, request: answer.x2, list: page, smcCount: &smcCount)
                        : serveReclaim(handle: handle, list: page, smcCount: &smcCount)
                } else {
                    step = .hostFailure(.outOfMemory(bytes: granuleSize.bytes))
                }
            }
            switch step {
            case .answered(let next):
                answer = next
            case .stalled(let status):
                return .stalled(status)
            case .hostFailure(let failure):
                // sro.md section 7: never OP_CANCEL when can-cancel is 0, and cancel at most once.
                guard result.canCancel, cancelledBecause == nil else {
                    return .failed(.hostFailure(failure, handle: handle))
                }
                cancelledBecause = failure
                switch issue(SMCArguments(FunctionID.opCancel.rawValue, handle), smcCount: &smcCount) {
                case .stalled(let status): return .stalled(status)
                case .answered(let next): answer = next
                }
            }
        }
        if let reason = cancelledBecause { return .failed(.cancelled(reason: reason, answer: answer)) }
        return .completed(answer)
    }

    /// Serves one donation request (sro.md sections 4 and 5).
    func serveDonation(handle: UInt64, request word: UInt64, list: PhysicalAddress, smcCount: inout Int) -> ServeResult
    {
        guard let request = OpMemDonateRequest(encoding: word), request.count > 0 else {
            return .hostFailure(.malformedDonationRequest(word))
        }
        let granule = granuleSize
        guard request.state != .conditional, let blockBytes = request.blockSize.bytes(granule: granule) else {
            return .hostFailure(.unsupportedDonationRequest(request))
        }
        let delegated = request.state == .delegated

        // Obtain the blocks: one for a contiguous request (base aligned to the total size), otherwise one aligned
        // block per descriptor, at most one list page's worth; the RMM asks again for any remainder.
        var blocks: [GranuleRange] = []
        if request.contiguous {
            let (total, overflow) = blockBytes.multipliedReportingOverflow(by: UInt64(request.count))
            guard !overflow, total.nonzeroBitCount == 1,
                UInt64.fits(UInt64(request.count), width: AddressRangeDescriptor.countWidth(granule: granule))
            else { return .hostFailure(.unsupportedDonationRequest(request)) }
            guard let block = allocator.allocateBlock(bytes: total, alignment: total) else {
                return .hostFailure(.outOfMemory(bytes: total))
            }
            blocks.append(block)
        } else {
            let wanted = Swift.min(Int(request.count), AddressRangeDescriptor.maxListEntries)
            for _ in 0..<wanted {
                guard let block = allocator.allocateBlock(bytes: blockBytes, alignment: blockBytes) else {
                    for block in blocks { allocator.free(block) }
                    return .hostFailure(.outOfMemory(bytes: blockBytes * UInt64(wanted)))
                }
                blocks.append(block)
            }
        }

        var words: [UInt64] = []
        for block in blocks {
            let descriptor = AddressRangeDescriptor(
                base: block.base, blockSize: request.blockSize, count: block.size / blockBytes, state: request.state)
            guard let word = descriptor.encoding(granule: granule) else {
                for block in blocks { allocator.free(block) }
                return .hostFailure(.unsupportedDonationRequest(request))
            }
            words.append(word)
        }

        if delegated {
            for (index, block) in blocks.enumerated() {
                let progress = rangeLoop(.delegate, base: block.base, top: block.top, smcCount: &smcCount)
                guard let failure = progress.failure else { continue }
                for earlier in blocks[..<index] { undelegateAndFree(earlier, smcCount: &smcCount) }
                undelegateAndFree(
                    GranuleRange(uncheckedBase: block.base, top: progress.top, granuleSize: granule),
                    smcCount: &smcCount)
                // The unfinished suffix is Non-secure again, unless an abandoned operation may still hold it.
                let suffix = GranuleRange(uncheckedBase: progress.top, top: block.top, granuleSize: granule)
                if progress.abandoned != nil {
                    leakLedger.record(suffix)
                } else {
                    allocator.free(suffix)
                }
                for later in blocks[(index + 1)...] { allocator.free(later) }
                return .hostFailure(.delegationFailed(at: progress.top, status: failure.status))
            }
        }

        func giveBack(_ range: GranuleRange) {
            if delegated {
                undelegateAndFree(range, smcCount: &smcCount)
            } else {
                allocator.free(range)
            }
        }

        do {
            try memory.writeWords(words, at: list)
        } catch {
            for block in blocks { giveBack(block) }
            return .hostFailure(.memoryFault(error))
        }

        let arguments = SMCArguments(FunctionID.opMemDonate.rawValue, handle, list.rawValue, UInt64(words.count))
        let answer: SMCReturn
        switch issue(arguments, smcCount: &smcCount) {
        case .stalled(let status):
            for block in blocks { giveBack(block) }
            return .stalled(status)
        case .answered(let donated):
            answer = donated
        }

        // X1 = donated_count, valid whatever the status; granules are consumed in list order.
        let offered = blocks.reduce(0) { $0 + $1.granuleCount }
        var consumed = Swift.min(answer.x1, offered)
        for block in blocks {
            let taken = Swift.min(consumed, block.granuleCount)
            consumed -= taken
            let kept = block.base + (taken << UInt64(granule.shift))
            giveBack(GranuleRange(uncheckedBase: kept, top: block.top, granuleSize: granule))
        }
        let status = RMIResult(rawValue: answer.x0).status
        guard status == .incomplete || status == .success else { return .hostFailure(.donationRefused(status)) }
        return .answered(answer)
    }

    /// Serves one reclaim request (sro.md section 4).
    func serveReclaim(handle: UInt64, list: PhysicalAddress, smcCount: inout Int) -> ServeResult {
        let granule = granuleSize
        // A list may not cross a 4 KB page: at most 512 entries whatever the granule size.
        let capacity = UInt64(AddressRangeDescriptor.maxListEntries)
        let arguments = SMCArguments(FunctionID.opMemReclaim.rawValue, handle, list.rawValue, capacity)
        let answer: SMCReturn
        switch issue(arguments, smcCount: &smcCount) {
        case .stalled(let status): return .stalled(status)
        case .answered(let reclaimed): answer = reclaimed
        }
        let count = Int(Swift.min(answer.x1, capacity))
        guard count > 0 else { return .answered(answer) }
        let words: [UInt64]
        do {
            words = try memory.readWords(count, at: list)
        } catch {
            return .hostFailure(.memoryFault(error))
        }
        var malformed: UInt64?
        for word in words {
            guard let descriptor = try? AddressRangeDescriptor(encoding: word, granule: granule) else {
                malformed = malformed ?? word
                continue
            }
            guard descriptor.count > 0 else { continue }
            let range = GranuleRange(
                uncheckedBase: descriptor.base, top: descriptor.base + descriptor.byteCount(granule: granule),
                granuleSize: granule)
            if descriptor.state == .undelegated {
                allocator.free(range)
            } else {
                // DELEGATED, or CONDITIONAL (either): undelegating Non-secure granules is skipped as progress.
                undelegateAndFree(range, smcCount: &smcCount)
            }
        }
        if let malformed { return .hostFailure(.malformedReclaimEntry(malformed)) }
        return .answered(answer)
    }
}

extension HostRMI.ServeResult {
    init(_ step: HostRMI.StepAnswer) {
        switch step {
        case .answered(let answer): self = .answered(answer)
        case .stalled(let status): self = .stalled(status)
        }
    }
}
