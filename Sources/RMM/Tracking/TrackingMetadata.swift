public import CCAArch

/// A TRACKING_SET transition that moves metadata (host-supplied metadata, bet3.md section 3): to FINE, waiting for
/// the donation of the region's granule words; away from FINE, handing them back by reclaim. The operation owns
/// the region (`TrackingRegion.hold`) until RMI_OP_CONTINUE ends it.
struct TrackingOperation {
    var region: TrackingRegion
    var from: TrackingState
    var to: TrackingState
    /// The first metadata granule: once donated (to FINE), or from the start (away from FINE).
    var metadata: PhysicalAddress?
    /// Whether a transition to FINE was cancelled before its metadata arrived.
    var cancelled: Bool
}

extension RealmManagementMonitor {
    /// Granules of metadata one tracking region needs: a 32-bit granule word per granule of the region, rounded up
    /// to whole granules (1 GiB of 4 KB granules: 262,144 words, 1 MiB, 256 granules; 2 MiB: one granule).
    var trackingMetadataGranules: UInt64 {
        let words = trackingRegionSize >> UInt64(granuleSize.shift)
        return Swift.max(1, (words * 4) >> UInt64(granuleSize.shift))
    }

    /// The donation TRACKING_SET to FINE asks for: the region's metadata as one contiguous, naturally aligned run of
    /// DELEGATED blocks.
    var trackingMetadataRequest: OpMemDonateRequest {
        contiguousDonationRequest(granules: trackingMetadataGranules, state: .delegated)
    }

    /// TRACKING_SET with host-supplied metadata, for a transition that moves metadata: to FINE from NONE or
    /// COARSE, or from FINE to COARSE or NONE. The caller has checked the inputs and claimed the region; this
    /// returns it (`endTransition`) on every answer but RMI_INCOMPLETE, where the new operation holds it.
    func metadataTransition(
        _ region: TrackingRegion, from current: TrackingState, to target: TrackingState
    )
        -> SMCReturn
    {
        if target == .fine {
            if current == .coarse {
                let word = region.coarseWord
                let refusal: RMIStatus? =
                    word.state == .partial
                    ? .blocked
                    : word.isLocked
                        ? .busy
                        : Self.mayCross(word.state, to: .fine) ? nil : .errorInput
                if let refusal {
                    region.endTransition(state: current)
                    return .result(refusal)
                }
            }
            return startOperation(
                region,
                TrackingOperation(
                    region: region, from: current, to: target, metadata: nil, cancelled: false),
                step: .donate(trackingMetadataRequest), canCancel: true)
        }
        return releaseMetadata(region, to: target)
    }

    /// Reserves a context for `operation` and hands the region to it; or, with no free context, returns the region
    /// and answers RMI_BUSY or RMI_BLOCKED.
    private func startOperation(
        _ region: TrackingRegion, _ operation: TrackingOperation, step: OperationStep, canCancel: Bool
    ) -> SMCReturn {
        let context: OperationContext
        do {
            context = try operations.reserve()
        } catch {
            region.endTransition(state: operation.from)
            return SMCReturn(error.result.rawValue)
        }
        region.hold()
        context.operation = .tracking(operation)
        context.step = step
        context.canCancel = canCancel
        return incomplete(context, count: context.seal())
    }

    /// FINE to COARSE or NONE: vets every granule as the platform-metadata transition does (locking each word),
    /// except the region's own metadata granules when they lie inside it (INTERNAL, handed back DELEGATED, so
    /// they must fit the new state: COARSE with every other granule DELEGATED, never NONE). Then the new state is
    /// published at once and the operation waits for RMI_OP_MEM_RECLAIM of the metadata.
    private func releaseMetadata(_ region: TrackingRegion, to target: TrackingState) -> SMCReturn {
        let words = region.words
        let metadata = region.metadataAddress
        let ownBase = region.contains(metadata) ? region.index(of: metadata) : region.granuleCount
        let own = ownBase..<Swift.min(region.granuleCount, ownBase + Int(trackingMetadataGranules))
        if (target == .coarse && !region.isHomogeneous) || (target == .none && !own.isEmpty) {
            region.endTransition(state: .fine)
            return .result(.errorInput)
        }
        let common: GranuleState?
        do {
            common = try lockLeavingFine(region, to: target, except: own)
        } catch {
            region.endTransition(state: .fine)
            return SMCReturn(error.result.rawValue)
        }
        func unlockAll() {
            for index in 0..<region.granuleCount where region.isPopulated(index) { words.unlock(index, as: nil) }
        }
        let context: OperationContext
        do {
            context = try operations.reserve()
        } catch {
            unlockAll()
            region.endTransition(state: .fine)
            return SMCReturn(error.result.rawValue)
        }
        if target == .coarse { region.storeCoarse(GranuleWord(state: common ?? .undelegated)) }
        // Nobody reaches the words once the new state is out: realm commands look only while the region is FINE
        // and registered as its users, which the transition excludes.
        region.hold(publishing: target)
        unlockAll()
        context.operation = .tracking(
            TrackingOperation(region: region, from: .fine, to: target, metadata: metadata, cancelled: false))
        context.step = .reclaim
        context.canCancel = false
        return incomplete(context, count: context.seal())
    }

    /// RMI_OP_MEM_DONATE for TRACKING_SET to FINE, given the one run `donateContiguousRun` read and checked
    /// against `trackingMetadataRequest` (`mem_gt`, `mem_contig`, `mem_align`: the whole metadata run, its block
    /// size, count and alignment, state DELEGATED). Further failure conditions, each RMI_ERROR_INPUT with
    /// donated_count 0, nothing changed and the operation still waiting: `in_loc_dram` (not all conventional DRAM);
    /// `in_state` (a granule not DELEGATED: in a FINE region, each granule DELEGATED and unreferenced; inside the
    /// region being made FINE, which is then self-describing, only if it is COARSE with its unit DELEGATED;
    /// granules of another COARSE region or of a NONE region cannot be given one by one). A granule another CPU
    /// holds answers RMI_ERROR_INPUT too, changing nothing. An empty list makes no progress.
    ///
    /// Accepted, the region's granule words are written in the donated memory (through the Realm PAS, as realm
    /// objects are), each granule in the state the region's granules had (UNDELEGATED from NONE, the unit's state
    /// from COARSE), the metadata granules INTERNAL; RMI_OP_CONTINUE then publishes FINE.
    func donateTrackingMetadata(
        _ context: OperationContext, _ pending: TrackingOperation, run descriptor: AddressRangeDescriptor
    ) -> SMCReturn {
        let bytes = descriptor.byteCount(granule: granuleSize)
        guard let bank = manifest.bank(containing: descriptor.base), bank.category == .conventional,
            descriptor.base + bytes <= bank.top
        else { return refuse(context) }
        let region = pending.region
        let granules = Int(bytes >> UInt64(granuleSize.shift))
        let initial = pending.from == .coarse ? region.coarseWord.state : GranuleState.undelegated
        if region.contains(descriptor.base) {
            // Self-describing: the granules are the region's own, DELEGATED as its COARSE unit.
            guard pending.from == .coarse, region.coarseWord == GranuleWord(state: .delegated),
                let memory = port.metadataMemory(at: descriptor.base, byteCount: bytes)
            else { return refuse(context) }
            unsafe region.installMetadata(memory.base, filledWith: GranuleWord(state: initial), at: descriptor.base)
            let words = region.words
            let first = region.index(of: descriptor.base)
            for index in first..<(first + granules) {
                _ = words.exchange(
                    index, expected: GranuleWord(state: .delegated), desired: GranuleWord(state: .internal))
            }
        } else {
            let run: LockedGranuleRun
            do {
                run = try lockRun(descriptor.base, count: granules, expecting: .delegated)
            } catch {
                return refuse(context)
            }
            guard let memory = port.metadataMemory(at: descriptor.base, byteCount: bytes) else {
                return refuse(context)  // The run's locks go back unchanged.
            }
            unsafe region.installMetadata(memory.base, filledWith: GranuleWord(state: initial), at: descriptor.base)
            run.unlock(as: .internal)
        }
        var operation = pending
        operation.metadata = descriptor.base
        context.operation = .tracking(operation)
        context.step = .proceed
        context.canCancel = false
        return incomplete(context, count: UInt64(granules))
    }

    /// RMI_OP_MEM_RECLAIM for TRACKING_SET away from FINE: one DELEGATED descriptor naming the whole metadata run;
    /// granules outside the region go from INTERNAL back to DELEGATED, those inside it are already part of its
    /// DELEGATED unit. A capacity of 0 makes no progress.
    func reclaimTrackingMetadata(
        _ context: OperationContext, _ operation: TrackingOperation, list: PhysicalAddress, capacity: UInt64
    ) -> SMCReturn {
        guard let metadata = operation.metadata,
            handBackContiguousRun(metadata, as: trackingMetadataRequest, list: list, capacity: capacity)
        else { return incomplete(context, count: 0) }
        if !operation.region.contains(metadata) {
            for index in 0..<trackingMetadataGranules {
                let pa = metadata + (index << UInt64(granuleSize.shift))
                lockHeld(pa, "tracking metadata granule not tracked").unlock(as: .delegated)
            }
        }
        context.step = .proceed
        return incomplete(context, count: 1)
    }

    /// The last step of a metadata-moving TRACKING_SET, from RMI_OP_CONTINUE: the region gets its new state (FINE
    /// with the donated words, or the state published away from FINE, its words forgotten) and is released. A
    /// cancelled transition to FINE leaves the region as it was and answers RMI_ERROR_INPUT.
    func finishTracking(_ operation: TrackingOperation) -> SMCReturn {
        let region = operation.region
        if operation.to == .fine {
            guard operation.metadata != nil, !operation.cancelled else {
                region.endTransition(state: operation.from)
                return .result(.errorInput)
            }
            region.endTransition(state: .fine)
            return .result(.success)
        }
        region.removeMetadata()
        region.endTransition(state: operation.to)
        return .result(.success)
    }
}

extension RealmManagementMonitor {
    /// Granules whose role as tracking metadata is broken (host-supplied metadata): an INTERNAL granule that no
    /// region's metadata run covers, or one covered twice; a granule of a run that is not INTERNAL. A region's run
    /// counts from its donation until its reclaim (a run inside a region that is no longer FINE is part of the
    /// region's DELEGATED unit and is not looked at). For the invariant checker, at quiescent points.
    public func trackingMetadataViolations() -> [PhysicalAddress] {
        guard let table, table.metadataIsDonated else { return [] }
        var handedBack: [ObjectIdentifier] = []
        for context in operations.contexts where context.word & 3 == OperationContext.sealed {
            if case .tracking(let operation) = context.operation, operation.to != .fine, context.step == .proceed {
                handedBack.append(ObjectIdentifier(operation.region))
            }
        }
        let g = granuleSize.bytes
        var listed: [PhysicalAddress] = []
        for region in table.regions where region.hasMetadata && !handedBack.contains(ObjectIdentifier(region)) {
            let base = region.metadataAddress
            if region.state != .fine && region.contains(base) { continue }
            for i in 0..<trackingMetadataGranules { listed.append(base + i * g) }
        }
        var present: [PhysicalAddress] = []
        forEachGranuleRun { base, size, info in
            guard info.state == .internal else { return }
            var pa = base
            while pa < base + size {
                present.append(pa)
                pa = pa + g
            }
        }
        listed.sort()
        var violations: [PhysicalAddress] = []
        for (i, pa) in listed.enumerated() where i > 0 && listed[i - 1] == pa { violations.append(pa) }
        for pa in present where listed.sortedSearch({ pa < $0 ? .before : pa > $0 ? .after : .match }) == nil {
            violations.append(pa)
        }
        for pa in listed where inspectGranule(at: pa)?.state != .internal { violations.append(pa) }
        return violations
    }
}
