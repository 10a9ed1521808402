import CCAArch

extension HostRMI {
    /// Runs the host bring-up sequence (rmi-abi.md section 9, the Linux order) and makes the helpers available.
    ///
    /// 1. RMI_VERSION(2.0): X0 = -1 means no RMM; any other non-SUCCESS, or a lower revision whose major is not 2,
    ///    is incompatible.
    /// 2. RMI_FEATURES(0) and (1), kept in `info`.
    /// 3. FEATURES1 must advertise the host's granule size.
    /// 4. RMI_RMM_CONFIG_SET on a zeroed Non-secure page: granule size, and the tracking region size encoding the
    ///    configuration chooses (0, 1 GB for 4 KB granules, unless it says otherwise).
    ///    If it answers ERROR_GLOBAL, someone may have brought the RMM up already (raw SMCs, firmware tests):
    ///    RMI_RMM_STATE_GET and RMI_RMM_CONFIG_GET tell, and an ACTIVE RMM configured as this host would have
    ///    configured it is adopted (step 5 is skipped); any other finding is a failure that says what was found.
    /// 5. RMI_RMM_ACTIVATE, driven through the stateful-operation driver (it may ask for memory).
    /// 6. If the host supplies the tracking metadata (`HostConfiguration.suppliesTrackingMetadata`), every
    ///    tracking region of its DRAM left COARSE or NONE is made FINE first (`makeTrackingFine()`).
    ///    Then, for every DRAM region, RMI_GRANULE_TRACKING_GET(base, top) repeatedly, advancing to X3 (out_top; X1 is
    ///    the category and X2 the state, never the next address: section 8 item 12), requiring CONVENTIONAL and
    ///    FINE, so that every DRAM granule can later hold an RMM object (section 8 item 11).
    /// 7. For every L0 GPT region holding DRAM, RMI_GPT_L1_CREATE: ERROR_GPT means the table exists, ERROR_GLOBAL
    ///    that the platform manages it (newest TF-RMM); SUCCESS means this host created it.
    ///
    /// A failure after activation issues RMI_RMM_DEACTIVATE (best effort, as Linux does) before throwing. Calling
    /// again after success returns at once without an SMC.
    public func initialize() throws(HostInitError) {
        let claimed = shared.lifecycle.withLock { state -> Bool? in
            switch state {
            case .ready: return nil
            case .initializing: return false
            case .uninitialized:
                state = .initializing
                return true
            }
        }
        guard let claimed else { return }
        guard claimed else { throw .alreadyInProgress }
        do {
            let info = try bringUp()
            shared.lifecycle.withLock { $0 = .ready(info) }
        } catch {
            shared.lifecycle.withLock { $0 = .uninitialized }
            throw error
        }
    }

    func step(
        _ command: FunctionID, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0
    ) throws(HostInitError) -> SMCReturn {
        var smcCount = 0
        switch issue(SMCArguments(command.rawValue, x1, x2, x3), smcCount: &smcCount) {
        case .stalled(let status): throw .stalled(command: command, status: status)
        case .answered(let answer): return answer
        }
    }

    func checkedStep(
        _ command: FunctionID, _ x1: UInt64 = 0, _ x2: UInt64 = 0
    ) throws(HostInitError) -> SMCReturn {
        let answer = try step(command, x1, x2)
        let status = RMIResult(rawValue: answer.x0).status
        guard status == .success else { throw .rmmError(command: command, status: status) }
        return answer
    }

    private func bringUp() throws(HostInitError) -> HostRMIInfo {
        let granule = granuleSize

        let version = try step(.version, RMIInterfaceVersion.v2_0.encoding)
        guard version.x0 != SMCReturn.notSupported.x0 else { throw .noRMM }
        let versionStatus = RMIResult(rawValue: version.x0).status
        guard versionStatus == .success, let accepted = RMIInterfaceVersion(encoding: version.x1), accepted.major == 2
        else { throw .incompatibleVersion(status: versionStatus, lower: version.x1, higher: version.x2) }

        let features0 = FeatureRegister0(rawValue: try checkedStep(.features, 0).x1)
        let features1 = FeatureRegister1(rawValue: try checkedStep(.features, 1).x1)
        guard features1.supports(granule) else { throw .granuleSizeUnsupported(granule, features1) }

        if try configure() == .configured {
            let activation = execute(SMCArguments(FunctionID.rmmActivate.rawValue), transfersMemory: true)
            switch activation.end {
            case .stalled(let status): throw .stalled(command: .rmmActivate, status: status)
            case .failed(let failure): throw .statefulOperation(command: .rmmActivate, failure)
            case .completed(let answer):
                let status = RMIResult(rawValue: answer.x0).status
                guard status == .success else { throw .rmmError(command: .rmmActivate, status: status) }
            }
        }

        do {
            if configuration.suppliesTrackingMetadata { try makeTrackingFine() }
            for region in configuration.dramRegions where !region.isEmpty {
                try checkTracking(region)
            }
            let l0Shift = 30 + Swift.min(Int(features1.l0gptsz), 33)
            let l0RegionSize: UInt64 = 1 << UInt64(l0Shift)
            let created = try ensureL1Tables(l0RegionSize: l0RegionSize)
            return HostRMIInfo(
                version: accepted, highestVersion: RMIInterfaceVersion(encoding: version.x2),
                featureRegister0: features0, featureRegister1: features1, l0RegionSize: l0RegionSize,
                createdL1Tables: created)
        } catch {
            _ = execute(SMCArguments(FunctionID.rmmDeactivate.rawValue), transfersMemory: false)
            throw error
        }
    }

    /// What step 4 of the bring-up found.
    private enum Configuration {
        /// RMI_RMM_CONFIG_SET succeeded: the RMM is configured and waits for RMI_RMM_ACTIVATE.
        case configured
        /// The RMM was already ACTIVE with this host's configuration.
        case adopted
    }

    /// RMI_RMM_CONFIG_SET from a zeroed Non-secure page (RmiRmmConfig, rmi-abi.md section 7), or the adoption of
    /// an RMM that is already ACTIVE with the same configuration.
    private func configure() throws(HostInitError) -> Configuration {
        guard let page = allocator.allocatePage() else { throw .outOfMemory }
        defer { allocator.freePage(page) }
        let configuration = RMMConfiguration(
            granuleSize: granuleSize, trackingRegionSizeEncoding: self.configuration.trackingRegionSizeEncoding)
        var words = [UInt64](repeating: 0, count: Int(RMMConfiguration.size / 8))
        words[Int(RMMConfiguration.trackingRegionSizeOffset / 8)] = configuration.trackingRegionSizeEncoding
        words[Int(RMMConfiguration.granuleSizeOffset / 8)] = configuration.granuleSize.rmiEncoding
        do {
            try memory.writeWords(words, at: page)
        } catch {
            throw .memoryFault(error)
        }
        let status = RMIResult(rawValue: try step(.rmmConfigSet, page.rawValue).x0).status
        if status == .success { return .configured }
        guard status == .errorGlobal else { throw .rmmError(command: .rmmConfigSet, status: status) }
        try adopt(configuration, page: page)
        return .adopted
    }

    /// After RMI_RMM_CONFIG_SET answered ERROR_GLOBAL (the spec's "not in INIT"): returns if the RMM is ACTIVE
    /// with `wanted`, and otherwise throws what it found.
    private func adopt(_ wanted: RMMConfiguration, page: PhysicalAddress) throws(HostInitError) {
        let state = try step(.rmmStateGet)
        guard RMIResult(rawValue: state.x0).status == .success else {
            // No way to ask: the refusal stands as it was.
            throw .rmmError(command: .rmmConfigSet, status: .errorGlobal)
        }
        guard state.x1 == RMMLifecycleState.active.architecturalEncoding else {
            throw .configurationRefused(state: state.x1)
        }
        _ = try checkedStep(.rmmConfigGet, page.rawValue)
        let found: [UInt64]
        do {
            found = try memory.readWords(2, at: page)
        } catch {
            throw .memoryFault(error)
        }
        let tracking = found[Int(RMMConfiguration.trackingRegionSizeOffset / 8)]
        let granule = found[Int(RMMConfiguration.granuleSizeOffset / 8)]
        guard tracking == wanted.trackingRegionSizeEncoding, granule == wanted.granuleSize.rmiEncoding else {
            throw .activeWithOtherConfiguration(
                wanted: wanted, granuleSizeEncoding: granule, trackingRegionSizeEncoding: tracking)
        }
    }

    /// Walks one DRAM region with RMI_GRANULE_TRACKING_GET(base, top), advancing by X3.
    private func checkTracking(_ region: GranuleRange) throws(HostInitError) {
        var cursor = region.base
        while cursor < region.top {
            let answer = try checkedStep(.granuleTrackingGet, cursor.rawValue, region.top.rawValue)
            let outTop = PhysicalAddress(answer.x3)
            if let bad = BadProgressAnswer.check(
                command: .granuleTrackingGet, base: cursor, top: region.top, outTop: outTop, granuleSize: granuleSize)
            {
                throw .trackingNoProgress(region: region, answer: bad)
            }
            guard answer.x1 == UInt64(TrackingCategory.conventional.rawValue),
                answer.x2 == UInt64(TrackingState.fine.rawValue)
            else {
                throw .regionNotFineConventional(
                    region: region, base: cursor, top: outTop, category: answer.x1, state: answer.x2)
            }
            cursor = outTop
        }
    }

    /// RMI_GPT_L1_CREATE for every L0 region holding DRAM, in address order; returns those this host created.
    private func ensureL1Tables(l0RegionSize: UInt64) throws(HostInitError) -> [PhysicalAddress] {
        var l0Bases: [UInt64] = []
        for region in configuration.dramRegions where !region.isEmpty {
            var base = region.base.rawValue & ~(l0RegionSize - 1)
            let last = (region.top.rawValue - 1) & ~(l0RegionSize - 1)
            while true {
                l0Bases.append(base)
                guard base < last else { break }
                base += l0RegionSize
            }
        }
        var created: [PhysicalAddress] = []
        for base in Set(l0Bases).sorted() {
            let l0Base = PhysicalAddress(base)
            let outcome = execute(SMCArguments(FunctionID.gptL1Create.rawValue, base), transfersMemory: true)
            switch outcome.end {
            case .stalled(let status): throw .stalled(command: .gptL1Create, status: status)
            case .failed(let failure): throw .statefulOperation(command: .gptL1Create, failure)
            case .completed(let answer):
                switch RMIResult(rawValue: answer.x0).status {
                case .success: created.append(l0Base)
                case .errorGPT, .errorGlobal: break
                case let status: throw .gptL1CreateFailed(l0Base: l0Base, status: status)
                }
            }
        }
        return created
    }
}
