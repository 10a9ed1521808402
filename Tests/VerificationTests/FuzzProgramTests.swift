import CCAArch
import CCAPlatform
import Foundation
import Testing

@testable import Verification

@Suite("libFuzzer programs: decoding, the seed corpus, the shared oracle")
struct FuzzProgramTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let corpus = packageRoot.appendingPathComponent("Fuzz/corpus")
    static let regressions = packageRoot.appendingPathComponent("Fuzz/regressions")

    /// The files of `directory` (none if it does not exist), by name.
    static func files(in directory: URL) -> [(name: String, bytes: [UInt8])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { name in
            FileManager.default.contents(atPath: directory.appendingPathComponent(name).path).map { (name, Array($0)) }
        }
    }

    @Test("header bit 3 puts a program on an EL3 limited to 64 granules per call with 2 MiB tracking regions")
    func el3InPiecesHeader() {
        let limited = FuzzProgram(decoding: [8])
        #expect(limited.el3InPieces && !limited.wholeL0Region)
        #expect(limited.configuration().el3MaxGranulesPerCall == 64)
        #expect(limited.configuration().trackingRegionSize == 2 << 20)
        #expect(limited.encoded == [8])
        for header: UInt8 in [0, 3, 4, 7] {
            #expect(FuzzProgram(decoding: [header]).configuration().el3MaxGranulesPerCall == nil)
        }
    }

    @Test("a program decodes from the bytes it encodes to")
    func roundTrip() {
        for (name, program) in FuzzSeeds.all {
            #expect(FuzzProgram(decoding: program.encoded) == program, "\(name)")
        }
        let every = FuzzProgram(
            hostCreatedL1Tables: true, bringUp: false,
            steps: [
                .smc(
                    cpu: 3, function: .raw(0x1234),
                    arguments: [
                        .zero, .small(15), .granule(200), .farGranule(1023), .handle(2), .afterPrevious(7),
                    ]),
                .smc(
                    cpu: 1, function: .known(8), arguments: [.edge(15), .raw(~0), .misaligned(granule: 9, offset: 15)]),
                .read(.granule(1), length: 255), .write(.edge(2), value: .raw(7), count: 63),
                .inject(fault: 5, count: 7), .injectAnswer(function: .known(21), status: 3, count: 3),
            ])
        #expect(FuzzProgram(decoding: every.encoded) == every)
    }

    @Test("every byte string is a program: a step cut short is dropped, and the step count is bounded")
    func anyBytesDecode() throws {
        #expect(FuzzProgram(decoding: []).steps.isEmpty)
        #expect(FuzzProgram(decoding: []).bringUp)
        // An SMC with two operands whose second (a raw word) is cut short.
        let cut = FuzzProgram(decoding: [2, 0x40, 8, 2, 0, 7, 1, 2, 3])
        #expect(cut.bringUp == false && cut.steps.isEmpty)
        let long = FuzzProgram(decoding: [0] + [UInt8](repeating: 0x10, count: 2 * FuzzProgram.maximumSteps + 10))
        #expect(long.steps.count == FuzzProgram.maximumSteps)
        #expect(long.steps.first == .smc(cpu: 2, function: .known(16), arguments: []))
    }

    @Test("random byte strings run to their end with every check passing", arguments: [UInt64(1), 2, 3])
    func randomBytesRunClean(seed: UInt64) throws {
        var random = DeterministicRandom(seed: seed, stream: 0xF055)
        for _ in 0..<4 {
            let bytes = (0..<256).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let program = FuzzProgram(decoding: bytes)
            let outcome = try program.run()
            #expect(outcome.violation == nil, "\(bytes)")
            #expect(outcome.stepsRun == program.steps.count)
        }
    }

    @Test("the files of Fuzz/corpus are the seeds FuzzSeeds builds (rmm check fuzz --write-seeds Fuzz/corpus)")
    func corpusMatchesSeeds() {
        let files = Self.files(in: Self.corpus)
        for (name, program) in FuzzSeeds.all {
            #expect(
                files.first { $0.name == name }?.bytes == program.encoded, "Fuzz/corpus/\(name) is stale or missing")
        }
        #expect(files.count >= FuzzSeeds.all.count)
    }

    @Test("Fuzz/smc.dict is the dictionary FuzzDictionary builds (rmm check fuzz --write-dictionary Fuzz/smc.dict)")
    func dictionaryMatches() throws {
        let file = try String(contentsOf: Self.packageRoot.appendingPathComponent("Fuzz/smc.dict"), encoding: .utf8)
        #expect(file == FuzzDictionary.text)
    }

    @Test("every corpus and regression file runs with every check passing")
    func corpusRunsClean() throws {
        let files = Self.files(in: Self.corpus) + Self.files(in: Self.regressions)
        #expect(!files.isEmpty)
        for file in files {
            let outcome = try FuzzProgram(decoding: file.bytes).run()
            #expect(outcome.violation == nil, "\(file.name): \(outcome.violation.map { "\($0)" } ?? "")")
        }
    }

    @Test("the seeds reach every implemented command's success and at least one of its failures")
    func seedsReachEveryCommand() throws {
        var statuses: [FunctionID: Set<RMIStatus>] = [:]
        for (_, program) in FuzzSeeds.all {
            statuses.merge(try program.run().statuses) { $0.union($1) }
        }
        for function in FuzzProgram.functions[..<28] {
            let seen = statuses[function] ?? []
            let allowed = AllowedStatuses.allowed(function) ?? []
            let progress = seen.contains(.success) || seen.contains(.incomplete)
            #expect(progress || !allowed.contains(.success) && !allowed.contains(.incomplete), "\(function)")
            let failures = allowed.filter { $0 != .success && $0 != .incomplete }
            #expect(failures.isEmpty || !seen.isDisjoint(with: failures), "\(function): \(seen)")
        }
    }

    @Test("the oracle flags a host access that reached a delegated granule, and a granule undelegated unscrubbed")
    func oracleFindsProblems() throws {
        let machine = try Machine(configuration: FuzzProgram(steps: []).configuration())
        try machine.host().initialize()
        let oracle = SMCOracle(machine: machine)
        let delegate = SMCArguments(FunctionID.granuleRangeDelegate.rawValue, 0x8000_0000, 0x8000_1000)
        var before = oracle.snapshot()
        var answer = machine.smc(delegate)
        #expect(oracle.check(delegate, answer: answer, before: before, invariants: .always) == nil)
        before = oracle.snapshot()
        #expect(
            oracle.checkHostAccess(pa: PhysicalAddress(0x8000_0ff8), count: 16, succeeded: true, before: before)
                == "the host reached 0x80000000, a DELEGATED granule")
        #expect(
            oracle.checkHostAccess(pa: PhysicalAddress(0x8000_1000), count: 16, succeeded: true, before: before)
                == nil)
        // A granule that left the Realm world with a byte in it (written behind the RMM's back here).
        let undelegate = SMCArguments(FunctionID.granuleRangeUndelegate.rawValue, 0x8000_0000, 0x8000_1000)
        answer = machine.smc(undelegate)
        _ = machine.memory.memory.rawWrite(PhysicalAddress(0x8000_0800), bytes: [1])
        #expect(
            oracle.check(undelegate, answer: answer, before: before, invariants: .never)
                == "granule 0x80000000 became Non-secure with realm bytes in it")
        // A failure that changed the machine.
        before = oracle.snapshot()
        _ = machine.smc(delegate)
        let failed = SMCReturn(RMIResult(.errorInput).rawValue)
        #expect(
            oracle.check(delegate, answer: failed, before: before, invariants: .never)
                == "the command failed with RMI_ERROR_INPUT but changed the machine")
    }

    @Test("a snapshot carried from call to call (snapshot(after:)) is the snapshot taken afresh, after every call")
    func carriedSnapshotMatchesFresh() throws {
        let machine = try Machine(configuration: SMCFuzzer.configuration(seed: 7))
        try machine.host().initialize()
        let oracle = SMCOracle(machine: machine)
        var random = DeterministicRandom(seed: 7, stream: 1)
        var carried = oracle.snapshot()
        var gptChanges = 0
        for _ in 0..<400 {
            // Range commands over a small window, so that many succeed and move the GPT.
            let base = 0x8000_0000 + random.next() % 64 * 0x1000
            let top = base + (random.next() % 8 + 1) * 0x1000
            let id: FunctionID = random.next() % 2 == 0 ? .granuleRangeDelegate : .granuleRangeUndelegate
            _ = machine.smc(SMCArguments(id.rawValue, base, top), cpu: 0)
            let before = carried
            carried = oracle.snapshot(after: carried)
            let fresh = oracle.snapshot()
            let sameGroups = carried.protection == fresh.protection  // (a Bool: the arrays are long to print)
            #expect(carried.fingerprint == fresh.fingerprint)
            #expect(sameGroups)
            if carried.protection != before.protection { gptChanges += 1 }
        }
        #expect(gptChanges > 50, "the run moved the GPT often enough to test the carried groups")
    }

    @Test(
        "the scrub check finds a non-zero byte anywhere in a granule (first, middle, tail) but not in the host's output"
    )
    func nonZeroBytes() throws {
        let machine = try Machine(configuration: FuzzProgram(steps: []).configuration())
        let oracle = SMCOracle(machine: machine)
        let memory = machine.memory.memory
        let granule = PhysicalAddress(0x8000_0000)
        #expect(!oracle.holdsNonZeroByte(granule, byteCount: 4096, outside: nil))
        for offset in [0, 7, 8, 2049, 4095] as [UInt64] {
            _ = memory.rawZero(granule, byteCount: 4096)
            _ = memory.rawWrite(granule + offset, bytes: [0x5A])
            #expect(oracle.holdsNonZeroByte(granule, byteCount: 4096, outside: nil))
            let address = granule.rawValue + offset
            #expect(!oracle.holdsNonZeroByte(granule, byteCount: 4096, outside: address..<address + 1))
            // A second byte outside the output still counts.
            _ = memory.rawWrite(granule + (offset + 100) % 4096, bytes: [1])
            #expect(oracle.holdsNonZeroByte(granule, byteCount: 4096, outside: address..<address + 1))
        }
        // Lengths that are not a multiple of eight: the tail is checked too.
        _ = memory.rawZero(granule, byteCount: 4096)
        _ = memory.rawWrite(granule + 9, bytes: [3])
        #expect(oracle.holdsNonZeroByte(granule, byteCount: 10, outside: nil))
        #expect(!oracle.holdsNonZeroByte(granule, byteCount: 9, outside: nil))
        // Across a 2 MiB chunk never written into one that was: the written byte is found.
        let chunkEdge = PhysicalAddress(0x8020_0000)
        _ = memory.rawWrite(chunkEdge + 5, bytes: [7])
        #expect(oracle.holdsNonZeroByte(PhysicalAddress(chunkEdge.rawValue - 4096), byteCount: 8192, outside: nil))
        #expect(!oracle.holdsNonZeroByte(PhysicalAddress(chunkEdge.rawValue - 4096), byteCount: 4096 + 5, outside: nil))
    }
}
