import ArgumentParser
import Foundation
import Verification

/// `rmm check merge`: one verdict from the shard reports of `rmm check host --shard K/N --report FILE`.
struct CheckMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the reports of every shard of an exploration into one verdict.",
        discussion: """
            Each FILE is the --report of one `rmm check host --shard K/N` run; all N shards must be given, once \
            each, with the same helpers and bounds. The counts add up, and each kind of violation is told with the \
            shortest schedule over all shards. Exits 1 if any helper has a violation, 2 (changing nothing) if the \
            files are not the shards of one exploration. docs/explorer.md shows a Kubernetes indexed Job and a \
            Slurm job array that run the shards.

            Example:
              rmm check host --helper delegate --depth 14 --shard 0/2 --report shard-0.json
              rmm check host --helper delegate --depth 14 --shard 1/2 --report shard-1.json
              rmm check merge shard-0.json shard-1.json
            """
    )

    @Argument(help: ArgumentHelp("Shard reports (every shard of one exploration).", valueName: "FILE"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give the report of every shard") }
    }

    func run() throws {
        let entries: [ShardReport.Entry]
        do {
            entries = try Self.merge(files)
        } catch {
            FileHandle.standardError.write(Data("rmm check merge: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var clean = true
        for (index, entry) in entries.enumerated() {
            let seconds = entry.elapsedSeconds
            let report = ExplorationReport(
                helper: entry.helper, bounds: entry.bounds,
                mode: ExplorationMode(search: .exhaustive(memoise: entry.memoise), answers: entry.answers),
                partial: entry.partial,
                elapsed: .seconds(Int64(seconds)) + .nanoseconds(Int64((seconds - seconds.rounded(.down)) * 1e9)))
            if index > 0 { print() }
            print(CheckHostCommand.render(report))
            clean = clean && report.isClean
        }
        if !clean { throw ExitCode.failure }
    }

    /// Reads and merges `files`; the error names the file and what is wrong with it.
    static func merge(_ files: [String]) throws -> [ShardReport.Entry] {
        var reports: [(name: String, report: ShardReport)] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ShardReport.Problem("\(file): cannot be read")
            }
            reports.append((file, try ShardReport(json: data, name: file)))
        }
        return try ShardReport.merge(reports)
    }
}
