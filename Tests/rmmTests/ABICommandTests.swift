import CCAArch
import Testing

@testable import rmm

@Suite("rmm abi")
struct ABICommandTests {
    @Test("prints every RMI function ID in plain hexadecimal with its name")
    func everyFunctionID() {
        let text = ABITables.render()
        for command in FunctionID.rmiCommands {
            let hexValue = "0x" + String(command.id.rawValue, radix: 16, uppercase: true)
            #expect(text.contains("\(hexValue)  \(command.name)"))
        }
        #expect(text.contains("0xC4000163  RMI_RTT_DEV_VALIDATE\n"))
    }

    @Test("gives each implemented command its section and the states it is answered in, from the RMM's table")
    func implementedRows() {
        let lines = ABITables.render().split(separator: "\n")
        let delegate = lines.first { $0.contains("0xC40001F1  RMI_GRANULE_RANGE_DELEGATE") }
        #expect(delegate?.hasSuffix("B4.5.17               ACTIVE") == true)
        let opContinue = lines.first { $0.contains("RMI_OP_CONTINUE") }
        #expect(opContinue?.hasSuffix("any state") == true)
        #expect(
            lines.filter { $0.hasSuffix("ACTIVE") || $0.hasSuffix("INIT") || $0.hasSuffix("any state") }.count == 28)
    }

    @Test("prints every EL3 function ID with its name")
    func everyEL3FunctionID() {
        let text = ABITables.render()
        for id in EL3FunctionID.allCases {
            #expect(text.contains("0x" + String(id.rawValue, radix: 16, uppercase: true) + "  \(id.name)\n"))
        }
        #expect(text.contains("0xC4000402  FIRME_GM_GPI_SET\n"))
        #expect(text.contains("0xC40001B0  RMM_GTSI_DELEGATE\n"))
    }

    @Test("prints all 17 status codes with their values")
    func everyStatus() {
        let text = ABITables.render()
        #expect(text.contains("  0    RMI_SUCCESS\n"))
        #expect(text.contains("  10   RMI_BUSY\n"))
        #expect(text.contains("  16   RMI_ERROR_GRANULE\n"))
        #expect(RMIStatus.allDefined.allSatisfy { text.contains("\($0.name)") })
    }
}
