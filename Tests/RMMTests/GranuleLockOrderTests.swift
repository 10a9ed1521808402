import CCAArch
import CCAPlatform
import Dispatch
import Foundation
import Testing

@testable import RMM

/// Commands that lock an RD and an object (RTT_CREATE, REC_CREATE, RTT_DATA_MAP_INIT) lock the two in ascending
/// PA order and check each as soon as it is locked; REC_CREATE's last step locks the RD before the REC. Before that
/// rule each scenario here left a CPU waiting forever for a granule lock, so each runs under a watchdog: a
/// deadlock fails the test (its threads stay stuck) instead of hanging the run.
@Suite("Granule lock order")
struct GranuleLockOrderTests {
    typealias F = RealmFixture

    /// Runs `work` on a thread of its own (not a dispatch worker, which a spinning CPU could keep waiting);
    /// whether it ended within `seconds`.
    func endsInTime(_ seconds: Double = 30, _ work: @escaping () -> Void) -> Bool {
        let box = Locked(work)
        let done = DispatchSemaphore(value: 0)
        Thread {
            box.withLock { $0 }()
            done.signal()
        }.start()
        return done.wait(timeout: .now() + seconds) == .success
    }

    /// Plays the other CPU of a lock-order cycle: locks `held`, lets `body` run on this test's CPU, then, once
    /// `body` has locked `wanted` or half a second has passed, tries for up to two seconds to lock `wanted` as
    /// well, and releases both. Returns whether it got
    /// `wanted`: it cannot when `body` took `wanted` first and now waits for `held`, the cycle that deadlocks.
    func otherCPU(
        _ h: Harness, holding held: UInt64, thenWanting wanted: UInt64, while body: @escaping () -> Void
    ) -> (gotWanted: Bool, bodyEnded: Bool) {
        @Sendable func lockWord(_ pa: UInt64, until deadline: DispatchTime) -> GranuleWord? {
            let region = h.rmm.table!.region(containing: PhysicalAddress(pa))!
            let index = region.index(of: PhysicalAddress(pa))
            while DispatchTime.now() < deadline {
                let word = region.words.load(index)
                if !word.isLocked && region.words.exchange(index, expected: word, desired: word.locked(true)) {
                    return word
                }
            }
            return nil
        }
        @Sendable func unlockWord(_ pa: UInt64, _ word: GranuleWord) {
            let region = h.rmm.table!.region(containing: PhysicalAddress(pa))!
            region.words._overwrite(region.index(of: PhysicalAddress(pa)), word)
        }
        let heldWord = lockWord(held, until: .now() + 5)!
        let got = Locked(false)
        let otherDone = DispatchSemaphore(value: 0)
        Thread {
            defer { otherDone.signal() }
            // Until `body` has taken `wanted` (a command in the wrong order) or half a second has passed.
            let region = h.rmm.table!.region(containing: PhysicalAddress(wanted))!
            let index = region.index(of: PhysicalAddress(wanted))
            let patience = DispatchTime.now() + 0.5
            while DispatchTime.now() < patience && !region.words.load(index).isLocked {}
            if let wantedWord = lockWord(wanted, until: .now() + 2) {
                got.withLock { $0 = true }
                unlockWord(wanted, wantedWord)
            }
            unlockWord(held, heldWord)
        }.start()
        let ended = endsInTime(10, body)
        otherDone.wait()
        return (got.withLock { $0 }, ended)
    }

    /// The word of the granule at `pa` as stored, lock bit included.
    func word(_ h: Harness, _ pa: UInt64) -> GranuleWord {
        let region = h.rmm.table!.region(containing: PhysicalAddress(pa))!
        return region.words.load(region.index(of: PhysicalAddress(pa)))
    }

    @Test("RTT_CREATE, REC_CREATE and RTT_DATA_MAP_INIT naming the RD itself as the object answer RMI_ERROR_INPUT")
    func objectIsTheRD() throws {
        let f = F()
        #expect(f.createRealm().x0 == 0)
        let answers = Locked<[RMIStatus]>([])
        let ended = endsInTime {
            let calls: [[UInt64]] = [
                [FunctionID.rttCreate.rawValue, F.rd, F.rd, F.ipa, 2],
                [FunctionID.recCreate.rawValue, F.rd, F.rd, F.recParams],
                [FunctionID.rttDataMapInit.rawValue, F.rd, F.rd, F.ipa, F.source, 0],
            ]
            for registers in calls {
                var arguments = SMCArguments(registers[0])
                for (index, value) in registers.enumerated().dropFirst() { arguments[index] = value }
                let status = f.status(f.h.rmm.handle(arguments, cpu: 0))
                answers.withLock { $0.append(status) }
            }
        }
        try #require(ended, "a command waited forever for the RD it holds")
        #expect(answers.withLock { $0 } == [.errorInput, .errorInput, .errorInput])
        #expect(word(f.h, F.rd) == GranuleWord(state: .rd))
        // Nothing was left locked: the realm still takes its tables.
        f.createTables()
    }

    @Test("REC_CREATE naming another realm's RD as its object takes the lower granule first: no crossed orders")
    func crossedRDs() throws {
        let f = F()
        #expect(f.createRealm().x0 == 0)
        // A second realm, its RD above the first one's, so that RD-first locking would cross.
        let rd2: UInt64 = 0x8004_0000
        let rtt2: UInt64 = 0x8004_1000
        f.h.delegateAll(rd2, rd2 + 4 * Harness.g)
        let params2: UInt64 = 0x8020_4000
        for (offset, value) in [
            (RealmParams.s2sz, UInt64(39)), (RealmParams.numBPs, 1), (RealmParams.numWPs, 1),
            (RealmParams.rttBase, rtt2), (RealmParams.rttLevelStart, 1), (RealmParams.rttNumStart, 1),
        ] {
            f.ns(params2 + offset, value)
        }
        #expect(f.status(f.createRealm(rd: rd2, params: params2, aux: rd2 + 2 * Harness.g)) == .success)
        // rd2 (0x8004_0000) is above F.rd (0x8000_0000). The other CPU runs REC_CREATE(F.rd, rd2) in lock order:
        // it holds F.rd and wants rd2. This CPU runs REC_CREATE(rd2, F.rd): RD first, it would take rd2 and wait
        // for F.rd, and neither could go on; in ascending order it waits for F.rd holding nothing.
        let answer = Locked<RMIStatus?>(nil)
        let (gotWanted, ended) = otherCPU(f.h, holding: F.rd, thenWanting: rd2) {
            let arguments = SMCArguments(FunctionID.recCreate.rawValue, rd2, F.rd, F.recParams)
            answer.withLock { $0 = f.status(f.h.rmm.handle(arguments, cpu: 0)) }
        }
        #expect(gotWanted, "this CPU took rd2 before F.rd and waited for F.rd: the orders cross")
        try #require(ended)
        #expect(answer.withLock { $0 } == .errorInput)
        #expect(word(f.h, F.rd) == GranuleWord(state: .rd) && word(f.h, rd2) == GranuleWord(state: .rd))
    }

    @Test("REC_CREATE's last step takes the RD before the REC, as a command holding the RD and wanting the REC does")
    func finishingRECTakesTheRDFirst() throws {
        let f = F()
        #expect(f.createRealm().x0 == 0)
        let start = f.call(.recCreate, F.rd, F.rec, F.recParams)
        let descriptor = AddressRangeDescriptor(
            base: PhysicalAddress(F.aux), blockSize: .level3, count: 16, state: .delegated)
        f.ns(F.list, descriptor.encoding(granule: .size4KB)!)
        try #require(f.call(.opMemDonate, start.x1, F.list, 1).x1 == 16)
        // The other CPU holds the RD and wants the (PARTIAL) REC, as REC_CREATE(rd, rec) with rd < rec does.
        let answer = Locked<SMCReturn?>(nil)
        let (gotWanted, ended) = otherCPU(f.h, holding: F.rd, thenWanting: F.rec) {
            answer.withLock { $0 = f.h.rmm.handle(SMCArguments(FunctionID.opContinue.rawValue, start.x1), cpu: 0) }
        }
        #expect(gotWanted, "OP_CONTINUE took the REC before the RD and waited for the RD: the orders cross")
        try #require(ended)
        #expect(answer.withLock { $0 } == SMCReturn(0))
        #expect(f.h.state(F.rec) == .rec)
    }
}
