import ArgumentParser

/// The `rmm` tool: drive and inspect the swift-rmm model of Arm CCA memory delegation.
@main
struct RMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rmm",
        abstract: "An executable model of Arm CCA memory delegation: RMM v2.0, EL3 granule protection, host helpers.",
        discussion: """
            Start with `rmm demo`. The documentation is in the repository's docs/ folder: the serve protocol \
            (docs/serve-protocol.md), the scenario format (docs/scenarios.md), the RMI coverage and the reading of \
            the specification the model follows (docs/rmi-coverage.md, docs/spec-reading.md), the explorer behind \
            `rmm check host` (docs/explorer.md) and the C interface (docs/c-interface.md).
            """,
        version: ToolVersion.text,
        subcommands: [
            DemoCommand.self, ServeCommand.self, RunCommand.self, CheckCommand.self, MapCommand.self,
            TraceCommand.self, ABICommand.self,
        ]
    )
}
