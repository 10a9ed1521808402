import CCAArch
import Testing

@Suite("EL3 function IDs and return codes")
struct EL3ValueTests {
    @Test(
        "each EL3 function ID has the spec's value and name and is found by value",
        arguments: [
            (EL3FunctionID.gtsiDelegate, UInt64(0xC400_01B0), "RMM_GTSI_DELEGATE"),
            (.gtsiUndelegate, 0xC400_01B1, "RMM_GTSI_UNDELEGATE"),
            (.serviceVersion, 0xC400_0400, "FIRME_SERVICE_VERSION"),
            (.serviceFeatures, 0xC400_0401, "FIRME_SERVICE_FEATURES"),
            (.gpiSet, 0xC400_0402, "FIRME_GM_GPI_SET"),
            (.l1GPTCreate, 0xC400_040E, "FIRME_GM_L1_GPT_CREATE"),
            (.l1GPTDestroy, 0xC400_040F, "FIRME_GM_L1_GPT_DESTROY"),
            (.gpiOpContinue, 0xC400_0412, "FIRME_GM_GPI_OP_CONTINUE"),
        ])
    func functionIDs(id: EL3FunctionID, value: UInt64, name: String) {
        #expect(id.rawValue == value)
        #expect(id.name.description == name)
        #expect(EL3FunctionID(named: value) == id)
        #expect(EL3FunctionID.allCases.contains(id))
    }

    @Test("an unnamed value is not found and prints as UNKNOWN")
    func unknownFunctionID() {
        #expect(EL3FunctionID(named: 0xC400_0403) == nil)
        #expect(EL3FunctionID(rawValue: 0xC400_0403).name.description == "UNKNOWN")
        #expect(EL3FunctionID.allCases.count == 8)
    }

    @Test(
        "GTSI statuses are 0, -1, -2, -3 carried as two's complement in X0",
        arguments: [
            (GTSIStatus.success, Int64(0), "E_RMM_OK"), (.unknown, -1, "E_RMM_UNK"),
            (.badAddress, -2, "E_RMM_BAD_ADDR"),
            (.badPAS, -3, "E_RMM_BAD_PAS"),
        ])
    func gtsiStatus(status: GTSIStatus, value: Int64, name: String) {
        #expect(status.rawValue == value)
        #expect(status.x0 == UInt64(bitPattern: value))
        #expect(GTSIStatus(x0: status.x0) == status)
        #expect(status.name.description == name)
    }

    @Test("FIRME statuses run from SUCCESS 0 to BAD_DATA -11 in the spec's order")
    func firmeStatusValues() {
        #expect(FIRMEStatus.allCases.map(\.rawValue) == Array((-11...0).reversed()))
        let names = FIRMEStatus.allCases.map { $0.name.description }
        #expect(
            names == [
                "FIRME_SUCCESS", "FIRME_NOT_SUPPORTED", "FIRME_INVALID_PARAMETERS", "FIRME_ABORTED",
                "FIRME_INCOMPLETE", "FIRME_DENIED", "FIRME_BUSY", "FIRME_OP_CONFLICT", "FIRME_EXISTS",
                "FIRME_NO_ENTRY", "FIRME_NO_MEMORY", "FIRME_BAD_DATA",
            ])
    }

    @Test("a FIRME status is read from W0 only and written sign-extended", arguments: FIRMEStatus.allCases)
    func firmeStatusEncoding(status: FIRMEStatus) {
        #expect(FIRMEStatus(x0: status.x0) == status)
        #expect(FIRMEStatus(x0: status.x0 & 0xFFFF_FFFF | 0xDEAD_0000_0000_0000) == status)
        #expect(Int64(bitPattern: status.x0) == Int64(status.rawValue))
    }
}
