import CCAArch
public import Foundation

/// What one shard of `rmm check host --shard K/N` found, as a JSON file that `rmm check merge` reads back.
///
/// Registers and addresses are written as hexadecimal strings (JSON numbers lose bits above 2^53). A file names
/// its format and version; one file holds every helper the shard explored.
public struct ShardReport: Sendable {
    /// The format's name and version, checked when a file is read.
    public static let format = "rmm-check-host-shard"
    public static let version = 1

    /// One helper's share.
    public struct Entry: Sendable {
        public var helper: HostHelper
        public var bounds: ExplorationBounds
        public var answers: AnswerRules
        public var memoise: Bool
        public var splitDepth: Int
        public var partial: PartialExploration
        public var elapsedSeconds: Double

        public init(
            helper: HostHelper, bounds: ExplorationBounds, answers: AnswerRules, memoise: Bool, splitDepth: Int,
            partial: PartialExploration, elapsedSeconds: Double
        ) {
            self.helper = helper
            self.bounds = bounds
            self.answers = answers
            self.memoise = memoise
            self.splitDepth = splitDepth
            self.partial = partial
            self.elapsedSeconds = elapsedSeconds
        }

        /// What must agree between shards of one exploration.
        var exploration: String {
            "\(helper.rawValue), \(bounds.description), \(answers), \(memoise ? "memoised" : "not memoised"), "
                + "split at \(splitDepth)"
        }
    }

    public var shard: ExplorationPartition.Shard
    public var entries: [Entry]

    public init(shard: ExplorationPartition.Shard, entries: [Entry]) {
        self.shard = shard
        self.entries = entries
    }

    /// A file that cannot be read as a shard report, or shards that do not make one exploration.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    // MARK: Writing

    public func json() -> Data {
        let object: [String: Any] = [
            "format": Self.format, "version": Self.version,
            "shard": ["index": shard.index, "count": shard.count],
            "helpers": entries.map(Self.object(of:)),
        ]
        // Sorted keys: the same exploration writes the same bytes.
        return (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    private static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    private static func object(of entry: Entry) -> [String: Any] {
        let bounds = entry.bounds
        let partial = entry.partial
        return [
            "helper": entry.helper.rawValue,
            "bounds": [
                "granules": bounds.granules, "depth": bounds.choiceDepth, "attemptBudget": bounds.attemptBudget,
                "blockedAttemptBudget": bounds.blockedAttemptBudget,
                "continuationBudget": bounds.continuationBudget, "spareGranules": bounds.spareGranules,
            ],
            "forbidden": entry.answers == .includingForbidden, "memoise": entry.memoise,
            "splitDepth": entry.splitDepth, "elapsedSeconds": entry.elapsedSeconds,
            "schedulesRun": partial.schedulesRun, "schedulesPruned": partial.schedulesPruned,
            "distinctChoicePoints": partial.distinctChoicePoints, "memoEvictions": partial.memoEvictions,
            "smcsAnswered": partial.smcsAnswered, "subtrees": partial.subtrees,
            "violatingRuns": partial.violatingRuns.sorted { $0.key < $1.key }.map { key, runs in
                ["kind": key.kind.rawValue, "cause": key.cause, "runs": runs] as [String: Any]
            },
            "violations": partial.shortest.values.sorted { $0.violation.key < $1.violation.key }.map {
                violation, position in
                [
                    "kind": violation.kind.rawValue, "detail": violation.detail,
                    "position": [position.pass, position.subtree, position.run],
                    "schedule": violation.schedule.map(object(of:)),
                ] as [String: Any]
            },
        ]
    }

    private static func object(of step: ScheduleStep) -> [String: Any] {
        let registers = (0...6).map { hex(step.arguments[$0]) }
        return [
            "registers": registers, "answer": words(of: step.answer).map(hex), "chosen": step.chosen,
            "alternatives": step.alternatives, "forbidden": step.forbidden,
        ]
    }

    /// An answer as a tag and its fields.
    static func words(of answer: AdversaryAnswer) -> [UInt64] {
        switch answer {
        case .refuse(let status): [1, UInt64(status.rawValue)]
        case .progress(let outTop): [2, outTop]
        case .incomplete(let canCancel): [3, canCancel ? 1 : 0]
        case .requestDonation(let granules, let state, let canCancel):
            [4, UInt64(granules), UInt64(state.rawValue), canCancel ? 1 : 0]
        case .reservedMemoryRequest: [5]
        case .finish(let status): [6, UInt64(status.rawValue)]
        case .failAndReclaim(let status): [7, UInt64(status.rawValue)]
        case .consume(let count): [8, UInt64(count)]
        case .handBack(let count): [9, UInt64(count)]
        case .cancel: [10]
        }
    }

    static func answer(words: [UInt64]) -> AdversaryAnswer? {
        func status(_ index: Int) -> RMIStatus? {
            index < words.count && words[index] <= 0xFF ? RMIStatus(rawValue: UInt8(words[index])) : nil
        }
        func count(_ index: Int) -> Int? { index < words.count && words[index] <= 1 << 20 ? Int(words[index]) : nil }
        func flag(_ index: Int) -> Bool? { index < words.count && words[index] <= 1 ? words[index] == 1 : nil }
        switch (words.first, words.count) {
        case (1, 2): return status(1).map { .refuse($0) }
        case (2, 2): return .progress(outTop: words[1])
        case (3, 2): return flag(1).map { .incomplete(canCancel: $0) }
        case (4, 4):
            guard let granules = count(1), words[2] <= 0xFF, let state = OpMemState(rawValue: UInt8(words[2])),
                let canCancel = flag(3)
            else { return nil }
            return .requestDonation(granules: granules, state: state, canCancel: canCancel)
        case (5, 1): return .reservedMemoryRequest
        case (6, 2): return status(1).map { .finish($0) }
        case (7, 2): return status(1).map { .failAndReclaim($0) }
        case (8, 2): return count(1).map { .consume($0) }
        case (9, 2): return count(1).map { .handBack($0) }
        case (10, 1): return .cancel
        default: return nil
        }
    }

    // MARK: Reading

    /// Reads a report written by `json()`; `name` names the file in the problem's text.
    public init(json data: Data, name: String) throws(Problem) {
        guard let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Problem("\(name): not a JSON object")
        }
        guard top["format"] as? String == Self.format else {
            throw Problem("\(name): not a shard report (\"format\" is not \"\(Self.format)\")")
        }
        guard top["version"] as? Int == Self.version else {
            throw Problem(
                "\(name): shard report version \(top["version"].map { "\($0)" } ?? "missing"), "
                    + "this rmm reads version \(Self.version)")
        }
        guard let shard = top["shard"] as? [String: Any], let index = shard["index"] as? Int,
            let count = shard["count"] as? Int, count >= 1, (0..<count).contains(index)
        else { throw Problem("\(name): \"shard\" must be {\"index\": K, \"count\": N} with 0 <= K < N") }
        guard let helpers = top["helpers"] as? [[String: Any]] else {
            throw Problem("\(name): \"helpers\" must be a list")
        }
        self.shard = ExplorationPartition.Shard(index: index, count: count)
        var entries: [Entry] = []
        for (position, object) in helpers.enumerated() {
            entries.append(try Self.entry(object, where: "\(name): helpers[\(position)]"))
        }
        self.entries = entries
    }

    private static func int(_ object: [String: Any], _ key: String, _ place: String) throws(Problem) -> Int {
        guard let value = object[key] as? Int, value >= 0 else {
            throw Problem("\(place): \"\(key)\" must be a whole number of at least 0")
        }
        return value
    }

    private static func word(_ value: Any?, _ place: String) throws(Problem) -> UInt64 {
        guard let text = value as? String, text.hasPrefix("0x"), let word = UInt64(text.dropFirst(2), radix: 16)
        else { throw Problem("\(place): expected a hexadecimal string such as \"0x80000000\"") }
        return word
    }

    private static func entry(_ object: [String: Any], where place: String) throws(Problem) -> Entry {
        guard let name = object["helper"] as? String, let helper = HostHelper(rawValue: name) else {
            throw Problem("\(place): \"helper\" must name a helper")
        }
        guard let boundsObject = object["bounds"] as? [String: Any] else {
            throw Problem("\(place): \"bounds\" must be an object")
        }
        let granules = try int(boundsObject, "granules", place)
        let spare = try int(boundsObject, "spareGranules", place)
        guard granules >= 1, spare >= 1 else { throw Problem("\(place): the bounds need at least one granule") }
        let bounds = ExplorationBounds(
            granules: granules, choiceDepth: try int(boundsObject, "depth", place),
            attemptBudget: try int(boundsObject, "attemptBudget", place),
            blockedAttemptBudget: try int(boundsObject, "blockedAttemptBudget", place),
            continuationBudget: try int(boundsObject, "continuationBudget", place), spareGranules: spare)
        guard let forbidden = object["forbidden"] as? Bool, let memoise = object["memoise"] as? Bool else {
            throw Problem("\(place): \"forbidden\" and \"memoise\" must be true or false")
        }
        var partial = PartialExploration()
        partial.schedulesRun = try int(object, "schedulesRun", place)
        partial.schedulesPruned = try int(object, "schedulesPruned", place)
        partial.distinctChoicePoints = try int(object, "distinctChoicePoints", place)
        partial.memoEvictions = try int(object, "memoEvictions", place)
        partial.smcsAnswered = try int(object, "smcsAnswered", place)
        partial.subtrees = try int(object, "subtrees", place)
        guard let runs = object["violatingRuns"] as? [[String: Any]],
            let violations = object["violations"] as? [[String: Any]]
        else { throw Problem("\(place): \"violatingRuns\" and \"violations\" must be lists") }
        for run in runs {
            guard let kindName = run["kind"] as? String, let kind = Violation.Kind(rawValue: kindName),
                let cause = run["cause"] as? String
            else { throw Problem("\(place): a violating-runs entry needs a known \"kind\" and a \"cause\"") }
            partial.violatingRuns[Violation.Key(kind: kind, cause: cause)] = try int(run, "runs", place)
        }
        for (index, violationObject) in violations.enumerated() {
            let here = "\(place).violations[\(index)]"
            guard let kindName = violationObject["kind"] as? String, let kind = Violation.Kind(rawValue: kindName),
                let detail = violationObject["detail"] as? String,
                let position = violationObject["position"] as? [Int], position.count == 3,
                let steps = violationObject["schedule"] as? [[String: Any]]
            else { throw Problem("\(here): needs a known \"kind\", \"detail\", \"position\" [3] and \"schedule\"") }
            var schedule: [ScheduleStep] = []
            for (number, step) in steps.enumerated() {
                let stepPlace = "\(here).schedule[\(number)]"
                guard let registers = step["registers"] as? [Any], registers.count == 7,
                    let answerWords = step["answer"] as? [Any], let chosen = step["chosen"] as? Bool,
                    let alternatives = step["alternatives"] as? Int, let forbidden = step["forbidden"] as? Bool
                else {
                    throw Problem("\(stepPlace): needs \"registers\" [7], \"answer\", \"chosen\", \"alternatives\"")
                }
                var words: [UInt64] = []
                for register in registers { words.append(try word(register, stepPlace)) }
                var answerValues: [UInt64] = []
                for value in answerWords { answerValues.append(try word(value, stepPlace)) }
                guard let answer = Self.answer(words: answerValues) else {
                    throw Problem("\(stepPlace): \"answer\" is not an answer the adversary gives")
                }
                schedule.append(
                    ScheduleStep(
                        arguments: SMCArguments(
                            words[0], words[1], words[2], words[3], words[4], words[5], words[6]),
                        answer: answer, chosen: chosen, alternatives: alternatives, forbidden: forbidden))
            }
            partial.offer(
                Violation(kind: kind, detail: detail, schedule: schedule),
                at: SearchPosition(pass: position[0], subtree: position[1], run: position[2]))
        }
        return Entry(
            helper: helper, bounds: bounds, answers: forbidden ? .includingForbidden : .specCompliant,
            memoise: memoise, splitDepth: try int(object, "splitDepth", place), partial: partial,
            elapsedSeconds: object["elapsedSeconds"] as? Double ?? 0)
    }

    /// Merges the reports of all N shards of one exploration: each shard once, every helper with the same bounds.
    public static func merge(_ reports: [(name: String, report: ShardReport)]) throws(Problem) -> [Entry] {
        guard let first = reports.first else { throw Problem("no shard report given") }
        let count = first.report.shard.count
        var seen: [Int: String] = [:]
        for (name, report) in reports {
            guard report.shard.count == count else {
                throw Problem(
                    "\(name) is shard \(report.shard.index)/\(report.shard.count), but \(first.name) is one of "
                        + "\(count) shards")
            }
            if let earlier = seen[report.shard.index] {
                throw Problem("\(name) and \(earlier) are both shard \(report.shard.index)/\(count)")
            }
            seen[report.shard.index] = name
            guard report.entries.map(\.exploration) == first.report.entries.map(\.exploration) else {
                throw Problem("\(name) explored other helpers or bounds than \(first.name)")
            }
        }
        let missing = (0..<count).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            throw Problem(
                "shard\(missing.count > 1 ? "s" : "") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) "
                    + "missing: a verdict needs every shard")
        }
        var merged = first.report.entries
        for index in merged.indices {
            merged[index].partial = PartialExploration()
            merged[index].elapsedSeconds = 0
            for (_, report) in reports {
                merged[index].partial.merge(report.entries[index].partial)
                merged[index].elapsedSeconds = Swift.max(
                    merged[index].elapsedSeconds, report.entries[index].elapsedSeconds)
            }
        }
        return merged
    }
}
