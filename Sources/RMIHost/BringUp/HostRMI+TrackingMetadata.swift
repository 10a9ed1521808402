import CCAArch

extension HostRMI {
    /// Bring-up with host-supplied tracking metadata (bet3.md section 3): makes every tracking region of the host's
    /// DRAM that the RMM left COARSE or NONE FINE, donating the metadata RMI_GRANULE_TRACKING_SET asks for.
    ///
    /// 1. RMI_GRANULE_TRACKING_GET over the DRAM names the regions to make FINE (anything but CONVENTIONAL FINE,
    ///    COARSE or NONE stops bring-up as before). Their memory leaves the allocator (`withdraw`), so nothing the
    ///    host donates or lists comes from memory that cannot hold it.
    /// 2. When nothing is FINE yet, the bootstrap: the first COARSE region whose memory is all free is delegated
    ///    whole, made FINE with its metadata donated from its own first granules (self-describing), and the rest
    ///    of it undelegated and freed. Its memory then serves the other regions.
    /// 3. Every other region: a naturally aligned block of FINE memory from the allocator is delegated and
    ///    donated; once the region is FINE its memory returns to the allocator.
    ///
    /// The metadata granules stay the RMM's (INTERNAL): out of the allocator and out of the delegation record,
    /// listed in `trackingMetadata`. A failure throws `HostInitError.trackingMetadata` (bring-up then deactivates,
    /// best effort); memory of regions not made FINE goes back to the allocator.
    func makeTrackingFine() throws(HostInitError) {
        guard
            let regionSize = RMMConfiguration.trackingRegionSize(
                encoding: configuration.trackingRegionSizeEncoding, granuleSize: granuleSize)
        else { return }
        var pending: [(base: PhysicalAddress, coarse: Bool)] = []
        var anyFine = false
        for region in configuration.dramRegions where !region.isEmpty {
            var cursor = region.base
            while cursor < region.top {
                let answer = try checkedStep(.granuleTrackingGet, cursor.rawValue, region.top.rawValue)
                let outTop = PhysicalAddress(answer.x3)
                if let bad = BadProgressAnswer.check(
                    command: .granuleTrackingGet, base: cursor, top: region.top, outTop: outTop,
                    granuleSize: granuleSize)
                {
                    throw .trackingNoProgress(region: region, answer: bad)
                }
                let state = TrackingState(rawValue: UInt8(truncatingIfNeeded: answer.x2))
                guard answer.x1 == UInt64(TrackingCategory.conventional.rawValue), answer.x2 >> 8 == 0,
                    state == .fine || state == .coarse || state == TrackingState.none
                else {
                    throw .regionNotFineConventional(
                        region: region, base: cursor, top: outTop, category: answer.x1, state: answer.x2)
                }
                if state == .fine {
                    anyFine = true
                } else {
                    var base = cursor.alignedDown(to: regionSize)
                    while base < outTop {
                        if !pending.contains(where: { $0.base == base }) { pending.append((base, state == .coarse)) }
                        base = base + regionSize
                    }
                }
                cursor = outTop
            }
        }
        guard !pending.isEmpty else { return }

        var withdrawn: [PhysicalAddress: [GranuleRange]] = [:]
        func giveBack(_ base: PhysicalAddress) {
            for piece in withdrawn.removeValue(forKey: base) ?? [] { allocator.free(piece) }
        }
        var bootstrap: PhysicalAddress?
        if !anyFine {
            // The bootstrap region: COARSE, all of it the host's DRAM, all of it free.
            for candidate in pending where candidate.coarse {
                let whole = GranuleRange(
                    uncheckedBase: candidate.base, top: candidate.base + regionSize, granuleSize: granuleSize)
                let taken = allocator.withdraw(whole)
                if taken.count == 1 && taken[0] == whole {
                    withdrawn[candidate.base] = taken
                    bootstrap = candidate.base
                    break
                }
                for piece in taken { allocator.free(piece) }
            }
            guard bootstrap != nil else { throw .trackingMetadata(region: pending[0].base, status: nil) }
        }
        // The list page comes from memory outside the bootstrap region (which goes Realm whole), before the other
        // regions' memory leaves the allocator: untracked memory is Non-secure, so any page will do.
        guard let list = allocator.allocatePage() else {
            if let bootstrap { giveBack(bootstrap) }
            throw .outOfMemory
        }
        defer { allocator.freePage(list) }
        for region in pending where region.base != bootstrap {
            withdrawn[region.base] = allocator.withdraw(
                GranuleRange(uncheckedBase: region.base, top: region.base + regionSize, granuleSize: granuleSize))
        }
        do {
            if let bootstrap { try bootstrapFine(bootstrap, regionSize: regionSize, list: list) }
            for region in pending where region.base != bootstrap {
                try donateMetadata(for: region.base, inside: false, list: list)
                giveBack(region.base)
            }
        } catch {
            for base in Array(withdrawn.keys) { giveBack(base) }
            throw error
        }
    }

    /// The bootstrap: delegates the COARSE region at `base` whole, makes it FINE with metadata from its own first
    /// granules, then undelegates the rest of it, which returns to the allocator.
    private func bootstrapFine(
        _ base: PhysicalAddress, regionSize: UInt64, list: PhysicalAddress
    ) throws(HostInitError) {
        var smcCount = 0
        let top = base + regionSize
        let delegation = rangeLoop(.delegate, base: base, top: top, smcCount: &smcCount)
        if let failure = delegation.failure {
            undelegateAndFree(
                GranuleRange(uncheckedBase: base, top: delegation.top, granuleSize: granuleSize), smcCount: &smcCount)
            throw .trackingMetadata(region: base, status: failure.status)
        }
        let metadata: GranuleRange
        do {
            metadata = try donateMetadata(for: base, inside: true, list: list)
        } catch {
            undelegateAndFree(
                GranuleRange(uncheckedBase: base, top: top, granuleSize: granuleSize), smcCount: &smcCount)
            throw error
        }
        undelegateAndFree(
            GranuleRange(uncheckedBase: metadata.top, top: top, granuleSize: granuleSize), smcCount: &smcCount)
    }

    /// RMI_GRANULE_TRACKING_SET(base, CONVENTIONAL, FINE) and its donation: the run the RMM asks for, from the
    /// region's own first granules (`inside`, already delegated) or a delegated block of the allocator's memory;
    /// then RMI_OP_CONTINUE. Returns the metadata run, recorded in `trackingMetadata`. On a refusal the operation is
    /// cancelled when it may be, the block undelegated and freed, and the status thrown.
    @discardableResult
    private func donateMetadata(
        for base: PhysicalAddress, inside: Bool, list: PhysicalAddress
    ) throws(HostInitError) -> GranuleRange {
        var smcCount = 0
        let start = try step(
            .granuleTrackingSet, base.rawValue, UInt64(TrackingCategory.conventional.rawValue),
            UInt64(TrackingState.fine.rawValue))
        let result = RMIResult(rawValue: start.x0)
        guard result.status == .incomplete else {
            throw .trackingMetadata(region: base, status: result.status == .success ? nil : result.status)
        }
        let handle = start.x1
        func abandon(_ status: RMIStatus, block: GranuleRange?) throws(HostInitError) -> Never {
            if result.canCancel {
                _ = try? step(.opCancel, handle)
                _ = try? step(.opContinue, handle)
            }
            if let block { undelegateAndFree(block, smcCount: &smcCount) }
            throw .trackingMetadata(region: base, status: status)
        }
        guard result.memoryRequest == .donate, let request = OpMemDonateRequest(encoding: start.x2),
            request.state == .delegated, let blockBytes = request.blockSize.bytes(granule: granuleSize)
        else { try abandon(.errorInput, block: nil) }
        let bytes = blockBytes * UInt64(request.count)
        let block: GranuleRange
        if inside {
            block = GranuleRange(uncheckedBase: base, top: base + bytes, granuleSize: granuleSize)
        } else {
            guard let taken = allocator.allocateBlock(bytes: bytes, alignment: bytes) else {
                try abandon(.errorInput, block: nil)
            }
            if let (_, failure) = delegateOrGiveBack(taken, smcCount: &smcCount) {
                try abandon(failure.status ?? .errorInput, block: nil)
            }
            block = taken
        }
        let descriptor = AddressRangeDescriptor(
            base: block.base, blockSize: request.blockSize, count: UInt64(request.count), state: .delegated)
        do {
            try memory.writeWords([descriptor.encoding(granule: granuleSize) ?? 0], at: list)
        } catch {
            try abandon(.errorInput, block: inside ? nil : block)
        }
        let donated = try step(.opMemDonate, handle, list.rawValue, 1)
        let donation = RMIResult(rawValue: donated.x0)
        guard donation.status == .incomplete, donation.memoryRequest == OpMemRequest.none,
            donated.x1 == block.granuleCount
        else {
            try abandon(donation.status == .incomplete ? .errorInput : donation.status, block: inside ? nil : block)
        }
        let finished = RMIResult(rawValue: try step(.opContinue, handle).x0).status
        guard finished == .success else { throw .trackingMetadata(region: base, status: finished) }
        // The run is the RMM's now: out of the delegation record, on the metadata list.
        shared.delegatedByHost.withLock { $0.remove(block.base.rawValue..<block.top.rawValue) }
        shared.trackingMetadata.withLock { $0.append((base, block)) }
        return block
    }

    /// Before RMI_RMM_DEACTIVATE: takes every region this host made FINE away from FINE again, so the RMM hands the
    /// metadata back (INTERNAL granules would make it refuse). Regions fed from elsewhere go NONE through the
    /// stateful-operation driver (the reclaimed granules are undelegated and freed); a self-describing region is
    /// delegated whole again (its metadata comes back DELEGATED, so only COARSE DELEGATED can take it), made COARSE,
    /// its metadata reclaimed, then undelegated whole and freed. The next activation builds the layout anew.
    func handBackTrackingMetadata() throws(HostDeactivateError) {
        var smcCount = 0
        func isSelfDescribing(_ record: (region: PhysicalAddress, metadata: GranuleRange)) -> Bool {
            record.metadata.base >= record.region && record.metadata.top <= record.region + regionBytes(record)
        }
        // Nothing changes unless every self-describing region can be delegated whole again: the rest of it free,
        // but for the metadata of other regions, which comes back first.
        let records = trackingMetadata
        for record in records where isSelfDescribing(record) {
            let rest = GranuleRange(
                uncheckedBase: record.metadata.top, top: record.region + regionBytes(record), granuleSize: granuleSize)
            var expected = _ExtentSet()
            expected.insert(rest.base.rawValue..<rest.top.rawValue)
            for other in records where other.region != record.region {
                expected.remove(other.metadata.base.rawValue..<other.metadata.top.rawValue)
            }
            let taken = allocator.withdraw(rest)
            for piece in taken { allocator.free(piece) }
            var found = _ExtentSet()
            for piece in taken { found.insert(piece.base.rawValue..<piece.top.rawValue) }
            guard found.extents == expected.extents else {
                throw .trackingMetadata(region: record.region, status: nil)
            }
        }
        for record in trackingMetadata.reversed() {
            let region = record.region
            if !isSelfDescribing(record) {
                let outcome = execute(
                    SMCArguments(
                        FunctionID.granuleTrackingSet.rawValue, region.rawValue,
                        UInt64(TrackingCategory.conventional.rawValue), UInt64(TrackingState.none.rawValue)),
                    transfersMemory: true)
                guard case .completed(let answer) = outcome.end, RMIResult(rawValue: answer.x0).status == .success
                else { throw .trackingMetadata(region: region, status: outcome.status) }
            } else {
                try handBackSelfDescribing(record, smcCount: &smcCount)
            }
            shared.trackingMetadata.withLock { $0.removeAll { $0.region == region } }
        }
    }

    /// The tracking region size a record's region has (the configured one).
    private func regionBytes(_ record: (region: PhysicalAddress, metadata: GranuleRange)) -> UInt64 {
        RMMConfiguration.trackingRegionSize(
            encoding: configuration.trackingRegionSizeEncoding, granuleSize: granuleSize) ?? record.metadata.size
    }

    private func handBackSelfDescribing(
        _ record: (region: PhysicalAddress, metadata: GranuleRange), smcCount: inout Int
    ) throws(HostDeactivateError) {
        let base = record.region
        let top = base + regionBytes(record)
        let rest = GranuleRange(uncheckedBase: record.metadata.top, top: top, granuleSize: granuleSize)
        let taken = allocator.withdraw(rest)
        guard taken.count == 1, taken[0] == rest else {
            for piece in taken { allocator.free(piece) }
            throw .trackingMetadata(region: base, status: nil)
        }
        guard let list = allocator.allocatePage() else {
            allocator.free(rest)
            throw .trackingMetadata(region: base, status: nil)
        }
        defer { allocator.freePage(list) }
        if let (_, failure) = delegateOrGiveBack(rest, smcCount: &smcCount) {
            throw .trackingMetadata(region: base, status: failure.status)
        }
        func refused(_ status: RMIStatus?) -> HostDeactivateError {
            undelegateAndFree(rest, smcCount: &smcCount)
            return .trackingMetadata(region: base, status: status)
        }
        let arguments = SMCArguments(
            FunctionID.granuleTrackingSet.rawValue, base.rawValue, UInt64(TrackingCategory.conventional.rawValue),
            UInt64(TrackingState.coarse.rawValue))
        guard case .answered(let start) = issue(arguments, smcCount: &smcCount) else { throw refused(.busy) }
        let result = RMIResult(rawValue: start.x0)
        guard result.status == .incomplete, result.memoryRequest == .reclaim else { throw refused(result.status) }
        let handle = start.x1
        // The operation has published COARSE: from here the region moves only whole.
        let reclaim = SMCArguments(FunctionID.opMemReclaim.rawValue, handle, list.rawValue, 1)
        guard case .answered(let reclaimed) = issue(reclaim, smcCount: &smcCount),
            RMIResult(rawValue: reclaimed.x0).status == .incomplete, reclaimed.x1 == 1,
            case .answered(let finished) = issue(
                SMCArguments(FunctionID.opContinue.rawValue, handle, 0), smcCount: &smcCount),
            RMIResult(rawValue: finished.x0).status == .success
        else { throw .trackingMetadata(region: base, status: .incomplete) }
        // The metadata is part of the region's DELEGATED unit again, recorded as the host's with the rest.
        shared.delegatedByHost.withLock { $0.insert(record.metadata.base.rawValue..<record.metadata.top.rawValue) }
        let leaked = undelegateAndFree(
            GranuleRange(uncheckedBase: base, top: top, granuleSize: granuleSize), smcCount: &smcCount)
        guard leaked == 0 else { throw .trackingMetadata(region: base, status: .errorInput) }
    }
}
