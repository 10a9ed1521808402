import CCAArch

// The words each part of a choice point contributes to its fingerprint. Every field that `==` on the old exact
// key compared is here, with a tag or a count before each variable-length part, so that two different points
// never feed the same word sequence.

extension FingerprintHasher {
    mutating func combine(_ arguments: SMCArguments) {
        combine(arguments.x0)
        combine(arguments.x1)
        combine(arguments.x2)
        combine(arguments.x3)
        combine(arguments.x4)
        combine(arguments.x5)
        combine(arguments.x6)
    }

    mutating func combine(_ status: RMIStatus) { combine(UInt64(status.rawValue)) }

    mutating func combine(_ state: OpMemState) { combine(UInt64(state.rawValue)) }

    mutating func combine(_ answer: AdversaryAnswer) {
        switch answer {
        case .refuse(let status):
            combine(1 as UInt64)
            combine(status)
        case .progress(let outTop):
            combine(2 as UInt64)
            combine(outTop)
        case .incomplete(let canCancel):
            combine(3 as UInt64)
            combine(canCancel)
        case .requestDonation(let granules, let state, let canCancel):
            combine(4 as UInt64)
            combine(granules)
            combine(state)
            combine(canCancel)
        case .reservedMemoryRequest:
            combine(5 as UInt64)
        case .finish(let status):
            combine(6 as UInt64)
            combine(status)
        case .failAndReclaim(let status):
            combine(7 as UInt64)
            combine(status)
        case .consume(let count):
            combine(8 as UInt64)
            combine(count)
        case .handBack(let count):
            combine(9 as UInt64)
            combine(count)
        case .cancel:
            combine(10 as UInt64)
        }
    }

    mutating func combine(_ registers: SMCReturn) {
        combine(registers.x0)
        combine(registers.x1)
        combine(registers.x2)
        combine(registers.x3)
        combine(registers.x4)
    }

    mutating func combine(_ conversation: TransferConversation) {
        combine(conversation.incompletes)
        combine(conversation.cancelled)
        combine(conversation.lastIncomplete ?? SMCReturn(0))
        if let (arguments, registers) = conversation.last {
            combine(1 as UInt64)
            combine(arguments)
            combine(registers)
        } else {
            combine(0 as UInt64)
        }
    }

    mutating func combine(_ state: ModelState) {
        combine(state.granules.count)
        var packed: UInt64 = 0
        for (index, granule) in state.granules.enumerated() {
            packed |= UInt64(granule.rawValue) << UInt64(8 * (index & 7))
            if index & 7 == 7 {
                combine(packed)
                packed = 0
            }
        }
        if state.granules.count & 7 != 0 { combine(packed) }
        combine(state.operations.count)
        for operation in state.operations { combine(operation) }
        combine(state.kept.count)
        for index in state.kept { combine(index) }
        combine(state.nextHandle)
    }

    mutating func combine(_ operation: PendingOperation) {
        switch operation.kind {
        case .range(let direction, let cursor, let top, let runEnd):
            combine(1 as UInt64)
            combine(direction == .delegate)
            combine(cursor)
            combine(top)
            combine(runEnd)
        case .transfer:
            combine(2 as UInt64)
        }
        combine(operation.handle)
        switch operation.expecting {
        case .proceed:
            combine(1 as UInt64)
        case .donation(let granules, let state):
            combine(2 as UInt64)
            combine(granules)
            combine(state)
        case .reclaim:
            combine(3 as UInt64)
        }
        combine(operation.canCancel)
        if let ending = operation.ending {
            combine(1 as UInt64)
            combine(ending)
        } else {
            combine(0 as UInt64)
        }
        combine(operation.donated.count)
        for granule in operation.donated {
            combine(granule.index)
            combine(granule.state)
        }
        combine(operation.steps)
    }
}

extension AdversarialRMM {
    /// The fingerprint of a choice point (see `Explorer` for why these parts make the key).
    func choicePointFingerprint(
        arguments: SMCArguments, recent: [RecentAnswer], transfer: TransferConversation
    ) -> Fingerprint {
        var hasher = FingerprintHasher()
        unsafe hasher.combine(state)
        unsafe hasher.combine(steps.count)
        hasher.combine(arguments)
        hasher.combine(recent.count)
        for call in recent {
            hasher.combine(call.arguments)
            hasher.combine(call.answer)
        }
        hasher.combine(transfer)
        unsafe hasher.combine(choicesMade)
        let host = hostDigest()
        hasher.combine(host.count)
        for word in host { hasher.combine(word) }
        return hasher.finalize()
    }

    /// The fingerprint of the model state alone: whether an answer changed it.
    func stateFingerprint() -> Fingerprint {
        var hasher = FingerprintHasher()
        unsafe hasher.combine(state)
        return hasher.finalize()
    }

    /// The fingerprint of an SMC in a state: the key of the stationary tail's memory.
    func stationaryFingerprint(arguments: SMCArguments, state: Fingerprint) -> Fingerprint {
        var hasher = FingerprintHasher()
        hasher.combine(arguments)
        hasher.combine(state.low)
        hasher.combine(state.high)
        return hasher.finalize()
    }
}
