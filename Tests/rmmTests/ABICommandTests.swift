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
            #expect(text.contains("\(hexValue)  \(command.name)\n"))
        }
        #expect(text.contains("0xC40001F1  RMI_GRANULE_RANGE_DELEGATE\n"))
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
