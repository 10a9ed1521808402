import CCAArch
import Testing

@Suite("FunctionID")
struct FunctionIDTests {
    @Test("every RMI command has the 0xC4000000 | n shape and a unique ID, in FID order")
    func tableShape() {
        let ids = FunctionID.rmiCommands.map(\.id.rawValue)
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0 & 0xFFFF_0000 == 0xC400_0000 && $0 >> 32 == 0 })
    }

    @Test(
        "the commands of the delegation model have the reference's values",
        arguments: [
            (FunctionID.version, UInt64(0xC400_0150), "RMI_VERSION"),
            (.features, 0xC400_0165, "RMI_FEATURES"),
            (.rmmConfigSet, 0xC400_016E, "RMI_RMM_CONFIG_SET"),
            (.rmmConfigGet, 0xC400_01EC, "RMI_RMM_CONFIG_GET"),
            (.rmmStateGet, 0xC400_01EE, "RMI_RMM_STATE_GET"),
            (.rmmActivate, 0xC400_0202, "RMI_RMM_ACTIVATE"),
            (.rmmDeactivate, 0xC400_020F, "RMI_RMM_DEACTIVATE"),
            (.granuleTrackingGet, 0xC400_01E1, "RMI_GRANULE_TRACKING_GET"),
            (.granuleTrackingSet, 0xC400_01E3, "RMI_GRANULE_TRACKING_SET"),
            (.granuleRangeDelegate, 0xC400_01F1, "RMI_GRANULE_RANGE_DELEGATE"),
            (.granuleRangeUndelegate, 0xC400_01F2, "RMI_GRANULE_RANGE_UNDELEGATE"),
            (.gptL1Create, 0xC400_01F3, "RMI_GPT_L1_CREATE"),
            (.gptL1Destroy, 0xC400_01F4, "RMI_GPT_L1_DESTROY"),
            (.gptInfo, 0xC400_0211, "RMI_GPT_INFO"),
            (.opContinue, 0xC400_0203, "RMI_OP_CONTINUE"),
            (.opMemDonate, 0xC400_0208, "RMI_OP_MEM_DONATE"),
            (.opMemReclaim, 0xC400_0209, "RMI_OP_MEM_RECLAIM"),
            (.opCancel, 0xC400_020A, "RMI_OP_CANCEL"),
            (.realmCreate, 0xC400_0158, "RMI_REALM_CREATE"),
            (.realmActivate, 0xC400_0157, "RMI_REALM_ACTIVATE"),
            (.realmTerminate, 0xC400_0201, "RMI_REALM_TERMINATE"),
            (.realmDestroy, 0xC400_0159, "RMI_REALM_DESTROY"),
            (.recCreate, 0xC400_015A, "RMI_REC_CREATE"),
            (.recDestroy, 0xC400_015B, "RMI_REC_DESTROY"),
            (.rttCreate, 0xC400_015D, "RMI_RTT_CREATE"),
            (.rttDestroy, 0xC400_015E, "RMI_RTT_DESTROY"),
            (.rttDataMapInit, 0xC400_0153, "RMI_RTT_DATA_MAP_INIT"),
            (.rttDataMap, 0xC400_01F5, "RMI_RTT_DATA_MAP"),
            (.rttDataUnmap, 0xC400_01F6, "RMI_RTT_DATA_UNMAP"),
        ])
    func referenceValues(id: FunctionID, value: UInt64, name: String) throws {
        #expect(id.rawValue == value)
        let command = try #require(FunctionID(value).rmiCommand)
        #expect(command.id == id)
        #expect("\(command.name)" == name)
    }

    @Test(
        "unknown and removed IDs are kept as unknown rather than trapping",
        arguments: [
            UInt64(0xC400_0151), 0xC400_0152, 0xC400_0154, 0xC400_0155, 0xC400_0167, 0xC400_01B0, 0xC400_0212,
            0x8400_0000, 0, ~0, 0x1_C400_0150,
        ])
    func unknownIDs(value: UInt64) {
        #expect(FunctionID(value).rmiCommand == nil)
        #expect(!FunctionID(value).isRMI)
    }

    @Test("the SMCCC SVE hint bit and X0's upper half are cleared once, by init(dispatching:), before lookup")
    func sveHint() {
        let hinted = FunctionID.granuleRangeDelegate.rawValue | FunctionID.sveHintBit
        #expect(FunctionID(hinted).hasSVEHint && FunctionID(hinted).rmiCommand == nil)
        #expect(FunctionID(dispatching: hinted | 0xFFFF_FFFF_0000_0000) == .granuleRangeDelegate)
        #expect(FunctionID(dispatching: hinted).rmiCommand?.id == .granuleRangeDelegate)
    }
}

@Suite("RMIStatus and RMIResult")
struct RMIResultTests {
    @Test("all 17 status codes have the spec's values and names")
    func statusTable() {
        let names = RMIStatus.allDefined.map { "\($0.name)" }
        #expect(
            names == [
                "RMI_SUCCESS", "RMI_ERROR_INPUT", "RMI_ERROR_REALM", "RMI_ERROR_REC", "RMI_ERROR_RTT",
                "RMI_ERROR_NOT_SUPPORTED", "RMI_ERROR_DEVICE", "RMI_ERROR_RTT_AUX", "RMI_ERROR_PSMMU_ST",
                "RMI_ERROR_DPT", "RMI_BUSY", "RMI_ERROR_GLOBAL", "RMI_ERROR_TRACKING", "RMI_INCOMPLETE",
                "RMI_BLOCKED", "RMI_ERROR_GPT", "RMI_ERROR_GRANULE",
            ])
        #expect(RMIStatus.busy.rawValue == 10)
        #expect(RMIStatus.incomplete.rawValue == 13)
        #expect(RMIStatus.blocked.rawValue == 14)
    }

    @Test("an undefined status is carried as UNKNOWN and rejected by validation", arguments: [UInt8(17), 0x80, 0xFF])
    func unknownStatus(raw: UInt8) {
        let result = RMIResult(rawValue: UInt64(raw))
        #expect(result.status.rawValue == raw)
        #expect("\(result.status.name)" == "UNKNOWN")
        #expect(throws: RMIResultDecodingError.unknownStatus(raw)) { try result.validated() }
    }

    @Test(
        "an INCOMPLETE result round-trips its memory request and can-cancel bit",
        arguments: OpMemRequest.allCases, [false, true])
    func incompleteRoundTrip(request: OpMemRequest, canCancel: Bool) throws {
        let result = RMIResult.incomplete(request, canCancel: canCancel)
        #expect(result.status == .incomplete)
        #expect(result.memoryRequest == request)
        #expect(result.canCancel == canCancel)
        #expect(result.rawValue >> 11 == 0)
        #expect(try result.validated() == result)
        #expect(RMIResult(rawValue: result.rawValue) == result)
    }

    @Test("INCOMPLETE with the reserved memory request 3 is rejected")
    func reservedMemoryRequest() {
        let raw = UInt64(13) | 3 << 8
        #expect(RMIResult(rawValue: raw).memoryRequest == nil)
        #expect(throws: RMIResultDecodingError.reservedMemoryRequest) { try RMIResult(rawValue: raw).validated() }
    }

    @Test("INCOMPLETE with bits above 10 set is rejected")
    func incompleteReservedBits() {
        #expect(throws: RMIResultDecodingError.self) { try RMIResult(rawValue: 13 | 1 << 11).validated() }
    }

    @Test("walk errors carry a signed level in bits 15:8", arguments: [Int8(-1), 0, 1, 2, 3])
    func levelRoundTrip(level: Int8) throws {
        for status in [RMIStatus.errorRTT, .errorRTTAux, .errorPSMMUST, .errorDPT] {
            let result = RMIResult.level(status, level)
            #expect(result.status == status)
            #expect(result.level == level)
            #expect(try result.validated() == result)
        }
    }

    @Test("a status without data rejects any data bit", arguments: [RMIStatus.success, .errorInput, .busy, .blocked])
    func nullDataRejectsBits(status: RMIStatus) {
        #expect(throws: RMIResultDecodingError.self) {
            try RMIResult(rawValue: UInt64(status.rawValue) | 1 << 8).validated()
        }
        #expect(throws: Never.self) { try RMIResult(status).validated() }
    }

    @Test("ERROR_TRACKING carries the failing address in bits 55:16")
    func trackingAddress() throws {
        let pa = PhysicalAddress(0x9_4000_0000)
        let result = RMIResult.tracking(at: pa, granuleSize: .size4KB)
        #expect(result.status == .errorTracking)
        #expect(result.trackingAddress(granuleSize: .size4KB) == pa)
        #expect(result.level == 0)
        #expect(try result.validated() == result)
        #expect(throws: RMIResultDecodingError.self) { try RMIResult(rawValue: result.rawValue | 1 << 60).validated() }
    }
}

@Suite("RMIInterfaceVersion")
struct RMIInterfaceVersionTests {
    @Test("2.0 encodes as 0x20000")
    func v2() {
        #expect(RMIInterfaceVersion.v2_0.encoding == 0x2_0000)
        #expect(RMIInterfaceVersion(encoding: 0x2_0000) == .v2_0)
    }

    @Test(
        "every revision round-trips, including the field boundaries",
        arguments: [(UInt16(0), UInt16(0)), (1, 0), (2, 0), (2, 1), (0x7FFF, 0xFFFF), (3, 0xFFFF)])
    func roundTrip(major: UInt16, minor: UInt16) {
        let version = RMIInterfaceVersion(major: major, minor: minor)
        #expect(RMIInterfaceVersion(encoding: version.encoding) == version)
    }

    @Test("bits 63:31 must be zero", arguments: [UInt64(1) << 31, 1 << 63, 0xFFFF_FFFF_0002_0000])
    func reservedBits(raw: UInt64) {
        #expect(RMIInterfaceVersion(encoding: raw) == nil)
    }

    @Test("revisions order by major then minor")
    func ordering() {
        #expect(RMIInterfaceVersion(major: 1, minor: 0xFFFF) < .v2_0)
        #expect(RMIInterfaceVersion.v2_0 < RMIInterfaceVersion(major: 2, minor: 1))
    }
}

@Suite("Feature registers")
struct FeatureRegisterTests {
    @Test("register 0 fields sit at the spec's bit positions")
    func register0Layout() {
        var reg = FeatureRegister0()
        reg.s2sz = 48
        #expect(reg.rawValue == 48)
        reg = FeatureRegister0()
        reg.lpa2 = true
        #expect(reg.rawValue == 1 << 8)
        reg = FeatureRegister0()
        reg.sve = true
        reg.sveVL = 0xF
        #expect(reg.rawValue == 1 << 9 | 0xF << 10)
        reg = FeatureRegister0()
        reg.numBPs = 0x3F
        reg.numWPs = 0x3F
        #expect(reg.rawValue == 0x3F << 14 | 0x3F << 20)
        reg = FeatureRegister0()
        reg.pmu = true
        reg.pmuNumCounters = 0x1F
        #expect(reg.rawValue == 1 << 26 | 0x1F << 27)
        reg = FeatureRegister0()
        reg.l0gptBlockDelegate = true
        reg.s2oasz = 0xFF
        #expect(reg.rawValue == 1 << 32 | 0xFF << 33)
    }

    @Test("register 0 rejects reserved bits and the reserved 0 breakpoint and watchpoint counts")
    func register0Validity() {
        var reg = FeatureRegister0()
        reg.numBPs = 1
        reg.numWPs = 1
        #expect(reg.isValid)
        #expect(!FeatureRegister0(rawValue: reg.rawValue | 1 << 41).isValid)
        #expect(!FeatureRegister0(rawValue: reg.rawValue & ~(0x3F << 14)).isValid)
        #expect(!FeatureRegister0(rawValue: reg.rawValue & ~(0x3F << 20)).isValid)
    }

    @Test("register 1 fields sit at the spec's bit positions")
    func register1Layout() {
        var reg = FeatureRegister1()
        reg.setSupports(.size4KB, true)
        reg.setSupports(.size64KB, true)
        #expect(reg.rawValue == 0b101)
        #expect(reg.supports(.size4KB) && !reg.supports(.size16KB) && reg.supports(.size64KB))
        reg = FeatureRegister1()
        reg.hashSHA256 = true
        reg.hashSHA384 = true
        reg.hashSHA512 = true
        #expect(reg.rawValue == 0b111 << 3)
        reg = FeatureRegister1()
        reg.maxRecsOrder = 0xF
        #expect(reg.rawValue == 0xF << 6)
        reg = FeatureRegister1()
        reg.l0gptsz = 0xF
        #expect(reg.rawValue == 0xF << 10)
        reg = FeatureRegister1()
        reg.pps = 0b111
        #expect(reg.rawValue == 0b111 << 14)
        #expect(reg.isValid)
        #expect(!FeatureRegister1(rawValue: 1 << 17).isValid)
    }
}

@Suite("RMM configuration and tracking")
struct RMMConfigurationTests {
    @Test(
        "TrackingRegionSizeFromRmi decodes the reference's table",
        arguments: [
            (GranuleSize.size4KB, UInt64(0), UInt64?(1 << 30)), (.size4KB, 1, nil), (.size4KB, 2, nil),
            (.size16KB, 0, 1 << 25), (.size16KB, 1, 1 << 36), (.size16KB, 2, nil),
            (.size64KB, 0, 1 << 29), (.size64KB, 1, 1 << 42), (.size64KB, 0xFF, nil),
        ])
    func trackingRegionSize(granule: GranuleSize, encoding: UInt64, bytes: UInt64?) {
        #expect(RMMConfiguration.trackingRegionSize(encoding: encoding, granuleSize: granule) == bytes)
        let config = RMMConfiguration(granuleSize: granule, trackingRegionSizeEncoding: encoding)
        #expect(config.trackingRegionSize == bytes)
    }

    @Test("lifecycle states report INIT for INTERMEDIATE, as RMI_RMM_STATE_GET does")
    func lifecycleEncoding() {
        #expect(RMMLifecycleState.initial.architecturalEncoding == 0)
        #expect(RMMLifecycleState.intermediate.architecturalEncoding == 0)
        #expect(RMMLifecycleState.active.architecturalEncoding == 1)
    }

    @Test("tracking states and categories use their RMI encodings")
    func trackingEncodings() {
        #expect(TrackingState.allCases.map(\.rawValue) == [0, 1, 2, 3, 4])
        #expect(TrackingState(rawValue: 5) == nil)
        #expect(TrackingCategory.allCases.map(\.rawValue) == [0, 1, 2, 3])
        #expect(TrackingCategory(rawValue: 4) == nil)
        #expect(GPTL1Owner.allCases.map(\.rawValue) == [0, 1, 2, 3])
    }

    @Test("exactly the object states demand a Realm GPI")
    func granuleStateGPI() {
        let realm = GranuleState.allCases.filter(\.requiresRealmGPI)
        #expect(realm == [.delegated, .rd, .rec, .recAux, .rtt, .data, .internal, .rdAux])
        #expect(GranuleState.allCases.map { "\($0.name)" }.contains("REC_AUX"))
    }
}
