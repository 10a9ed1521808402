import CCAArch
import Foundation
import Testing

@testable import Verification

@Suite("ShardReport")
struct ShardReportTests {
    private let bounds = ExplorationBounds(granules: 2, choiceDepth: 3)

    private func shard(_ index: Int, of count: Int, helper: HostHelper = .linuxV14Delegate) -> ShardReport {
        let partition = ExplorationPartition(shard: ExplorationPartition.Shard(index: index, count: count))
        let partial = Explorer.explorePartitioned(
            helper: helper, bounds: bounds, memoise: true, answers: .includingForbidden, partition: partition)
        return ShardReport(
            shard: partition.shard!,
            entries: [
                ShardReport.Entry(
                    helper: helper, bounds: bounds, answers: .includingForbidden, memoise: true,
                    splitDepth: partition.splitDepth, partial: partial, elapsedSeconds: 0.5)
            ])
    }

    @Test func aReportReadBackIsTheReportWritten() throws {
        let written = shard(1, of: 2)
        let read = try ShardReport(json: written.json(), name: "s1.json")
        #expect(read.shard == written.shard)
        let before = written.entries[0].partial
        let after = read.entries[0].partial
        #expect(after.schedulesRun == before.schedulesRun && after.smcsAnswered == before.smcsAnswered)
        #expect(after.violatingRuns == before.violatingRuns)
        #expect(after.shortest.mapValues(\.violation.description) == before.shortest.mapValues(\.violation.description))
        #expect(after.shortest.mapValues(\.position) == before.shortest.mapValues(\.position))
        #expect(!after.shortest.isEmpty)
        #expect(read.entries[0].bounds == bounds)
    }

    @Test func everyAnswerSurvivesItsEncoding() {
        let answers: [AdversaryAnswer] = [
            .refuse(.busy), .progress(outTop: 0xFFFF_FFFF_FFFF_F000), .incomplete(canCancel: true),
            .requestDonation(granules: 2, state: .undelegated, canCancel: false), .reservedMemoryRequest,
            .finish(.errorInput), .failAndReclaim(.errorInput), .consume(1), .handBack(0), .cancel,
        ]
        for answer in answers { #expect(ShardReport.answer(words: ShardReport.words(of: answer)) == answer) }
        #expect(ShardReport.answer(words: [11]) == nil)
        #expect(ShardReport.answer(words: [1, 0x100]) == nil)
    }

    @Test func mergedShardsGiveOneVerdict() throws {
        let merged = try ShardReport.merge([("a", shard(0, of: 2)), ("b", shard(1, of: 2))])
        #expect(merged.count == 1)
        #expect(!merged[0].partial.shortest.isEmpty)
        #expect(
            merged[0].partial.schedulesRun == shard(0, of: 2).entries[0].partial.schedulesRun
                + shard(1, of: 2).entries[0].partial.schedulesRun)
    }

    @Test(
        "shards that are not one exploration are refused, naming the file",
        arguments: [
            ([(0, 2)], "shard 1/2 missing"), ([(0, 2), (0, 2)], "are both shard 0/2"),
            ([(0, 2), (1, 3)], "is one of 2 shards"),
        ])
    func refused(shards: [(Int, Int)], problem: String) {
        let reports = shards.enumerated().map { ("file\($0.offset)", shard($0.element.0, of: $0.element.1)) }
        #expect {
            try ShardReport.merge(reports)
        } throws: { error in
            "\(error)".contains(problem)
        }
    }

    @Test func shardsOfOtherHelpersDoNotMerge() {
        #expect(throws: ShardReport.Problem.self) {
            try ShardReport.merge([("a", shard(0, of: 2)), ("b", shard(1, of: 2, helper: .linuxV14Undelegate))])
        }
    }

    @Test(
        "files that are not shard reports are refused with what is wrong",
        arguments: [
            ("[]", "not a JSON object"), (#"{"format": "other"}"#, "not a shard report"),
            (#"{"format": "rmm-check-host-shard", "version": 9}"#, "version 9"),
            (#"{"format": "rmm-check-host-shard", "version": 1, "shard": {"index": 2, "count": 2}}"#, "\"shard\""),
        ])
    func badFiles(text: String, problem: String) {
        #expect {
            try ShardReport(json: Data(text.utf8), name: "x.json")
        } throws: { error in
            "\(error)".contains(problem) && "\(error)".hasPrefix("x.json")
        }
    }
}
