import ArgumentParser
import Foundation
import Verification

/// How an exhaustive exploration is spread: threads, shards, and the memo table's size.
struct ExplorationScaleOptions: ParsableArguments {
    @Option(help: "Threads exploring subtrees at once (default: the cores; --random runs on one thread).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(
        help: ArgumentHelp(
            "Explore only shard K of N: a fixed 1/N of the subtrees (K from 0 to N-1).", valueName: "K/N"))
    var shard: ShardArgument?

    @Option(
        name: .customLong("memo-limit"),
        help: "Most megabytes of memo table per subtree; a full table forgets and re-explores instead of growing.")
    var memoLimit = 128

    @Option(
        help: ArgumentHelp(
            "Also write what was found as JSON to FILE, for `rmm check merge` (with --shard: this shard's share).",
            valueName: "FILE"))
    var report: String?

    func validate() throws {
        guard (1...1024).contains(jobs) else { throw ValidationError("--jobs must be 1 to 1024") }
        if let report {
            // Checked before exploring, so that hours of search are not lost to a typo.
            let directory = URL(fileURLWithPath: report).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard unsafe FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
                isDirectory.boolValue,
                FileManager.default.isWritableFile(atPath: directory)
            else { throw ValidationError("--report: the directory \(directory) does not exist or is not writable") }
        }
        guard (1...65_536).contains(memoLimit) else { throw ValidationError("--memo-limit must be 1 to 65536 (MB)") }
    }

    func partition() -> ExplorationPartition {
        ExplorationPartition(
            jobs: jobs, shard: shard.map { ExplorationPartition.Shard(index: $0.index, count: $0.count) },
            memoByteLimit: memoLimit << 20)
    }
}

/// `K/N`, as `--shard` takes it.
struct ShardArgument: ExpressibleByArgument, Equatable {
    let index: Int
    let count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
            (0..<count).contains(index)
        else { return nil }
        self.index = index
        self.count = count
    }
}
