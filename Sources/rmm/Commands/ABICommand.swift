import ArgumentParser
import CCAArch
import RMM

/// `rmm abi`: the RMI v2.0 function IDs and status codes, and the EL3 interface IDs the RMM uses.
struct ABICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abi",
        abstract: "Print the RMI and EL3 function IDs and the RMI status codes.",
        discussion: """
            Every RMI v2.0 command the reference lists, with its SMC function ID; for a command the model \
            implements, the DEN0137 section that specifies it and the RMM states it is answered in (the RMM's \
            command table; elsewhere RMI_ERROR_GLOBAL). Then the RMM-EL3 and FIRME IDs, then the 17 RmiStatusCode \
            values. docs/rmi-coverage.md says more of what the model implements, and docs/spec-reading.md which \
            reading of the specification it follows.

            Examples:
              rmm abi
              rmm abi | grep DELEGATE
            """
    )

    func run() {
        print(ABITables.render(), terminator: "")
    }
}

/// The text `rmm abi` prints, built separately so tests can check it.
enum ABITables {
    static func render() -> String {
        var out = "RMI function IDs (DEN0137 RMM 2.0; implemented: section, states answered in)\n"
        let width = FunctionID.rmiCommands.map { "\($0.name)".count }.max() ?? 0
        for command in FunctionID.rmiCommands {
            out += "  \(hex(command.id.rawValue))  \(command.name)"
            if let row = RealmManagementMonitor.command(command.id) {
                out += String(repeating: " ", count: width - "\(command.name)".count)
                out += "  \(pad("\(row.section)", 20))  \(row.gate.name)"
            }
            out += "\n"
        }
        out += "\nEL3 function IDs the RMM calls (RMM-EL3 GTSI, FIRME granule management)\n"
        for id in EL3FunctionID.allCases {
            out += "  \(hex(id.rawValue))  \(id.name)\n"
        }
        out += "\nRMI status codes (RmiStatusCode, bits 7:0 of X0)\n"
        for status in RMIStatus.allDefined {
            out += "  \(pad(String(status.rawValue), 3))  \(status.name)\n"
        }
        out += "\nAn unknown function ID answers SMCCC NOT_SUPPORTED: X0 = 0xFFFFFFFFFFFFFFFF (-1).\n"
        return out
    }
}
