import ArgumentParser

/// The `rmm` tool: drive and inspect the swift-rmm model of Arm CCA memory delegation.
@main
struct RMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rmm",
        abstract: "An executable model of Arm CCA memory delegation: RMM v2.0, EL3 granule protection, host helpers.",
        subcommands: [
            DemoCommand.self, ServeCommand.self, RunCommand.self, CheckCommand.self, MapCommand.self,
            TraceCommand.self, ABICommand.self,
        ]
    )
}
