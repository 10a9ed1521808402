import ArgumentParser
import Testing
import Verification

@testable import rmm

@Suite("rmm check host: jobs, shards and the memo limit")
struct CheckHostScaleTests {
    @Test("--shard K/N names one of N shards", arguments: [("0/1", 0, 1), ("3/4", 3, 4)])
    func shardParses(text: String, index: Int, count: Int) throws {
        let command = try CheckHostCommand.parse(["--shard", text])
        #expect(command.scale.shard == ShardArgument(argument: text))
        #expect(command.scale.partition().shard == ExplorationPartition.Shard(index: index, count: count))
    }

    @Test(
        "bad --shard, --jobs and --memo-limit values are refused with the option's name",
        arguments: [
            (["--shard", "4/4"], "--shard"), (["--shard", "1/0"], "--shard"), (["--shard", "-1/3"], "--shard"),
            (["--shard", "1"], "--shard"), (["--shard", "1/2/3"], "--shard"), (["--jobs", "0"], "--jobs"),
            (["--memo-limit", "0"], "--memo-limit"), (["--random", "5", "--shard", "0/2"], "--shard"),
        ])
    func refused(arguments: [String], name: String) {
        #expect(throws: (any Error).self) { try CheckHostCommand.parse(arguments) }
        let message = CheckHostCommand.message(for: CheckHostCommand.validationFailure(arguments))
        #expect(message.contains(name), "\(message)")
    }

    @Test("the memo limit is given in megabytes")
    func memoLimit() throws {
        let command = try CheckHostCommand.parse(["--memo-limit", "300", "--jobs", "3"])
        #expect(command.scale.partition().memoByteLimit == 300 << 20)
        #expect(command.scale.partition().jobs == 3)
    }
}

@Suite("rmm check host: a full memo table")
struct CheckHostMemoNoteTests {
    @Test("a memo that had to forget says so, and one that did not says nothing")
    func memoNote() {
        var partial = PartialExploration()
        #expect(CheckHostCommand.memoNote(partial, limit: 128) == nil)
        partial.memoEvictions = 12
        let note = CheckHostCommand.memoNote(partial, limit: 1)
        #expect(note?.contains("12 choice points forgotten to stay within --memo-limit 1 MB") == true)
    }
}
