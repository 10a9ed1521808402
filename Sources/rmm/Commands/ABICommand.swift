import ArgumentParser
import CCAArch

/// `rmm abi`: the RMI v2.0 function IDs and status codes, and the EL3 interface IDs the RMM uses.
struct ABICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abi",
        abstract: "Print the RMI and EL3 function IDs and the RMI status codes.",
        discussion: """
            Every RMI v2.0 command the reference lists, with its SMC function ID, then the RMM-EL3 and FIRME IDs, \
            then the 17 RmiStatusCode values. docs/rmi-coverage.md says which commands the model implements, and \
            docs/spec-reading.md which reading of the specification it follows.

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
        var out = "RMI function IDs (DEN0137 RMM 2.0)\n"
        for command in FunctionID.rmiCommands {
            out += "  \(hex(command.id.rawValue))  \(command.name)\n"
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
