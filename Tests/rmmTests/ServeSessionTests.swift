import Foundation
import Testing

@testable import rmm

@Suite("rmm serve: operations")
struct ServeSessionTests {
    @Test("smc returns X0..X4 as lowercase quantities and defaults to CPU 0")
    func smcVersion() throws {
        let session = try ServeFixture.session()
        let text = session.respond(toLine: #"{"op":"smc","x":["0xC4000150","0x20000"]}"#)
        #expect(text == #"{"x":["0x0","0x20000","0x20000","0x0","0x0"]}"#)
    }

    @Test("smc accepts registers as JSON integers and decimal strings, on any CPU")
    func smcNumberForms() throws {
        let session = try ServeFixture.session()
        let answer = ServeFixture.answer(session, #"{"op":"smc","cpu":3,"x":[3288334672,"131072"]}"#)
        #expect(answer["x"] as? [String] == ["0x0", "0x20000", "0x20000", "0x0", "0x0"])
        #expect(ServeFixture.answer(session, #"{"op":"stats"}"#)["smc"] as? Int == 1)
    }

    @Test("smc with a function ID nothing implements answers NOT_SUPPORTED")
    func smcNotSupported() throws {
        let session = try ServeFixture.session()
        let answer = ServeFixture.answer(session, #"{"op":"smc","x":["0xdeadbeef"]}"#)
        #expect((answer["x"] as? [String])?.first == "0xffffffffffffffff")
    }

    @Test("write then read round-trips bytes; hex input may be uppercase, output is lowercase")
    func writeThenRead() throws {
        let session = try ServeFixture.session()
        #expect(
            session.respond(toLine: #"{"op":"write","world":"ns","pa":"0x80000ffe","data":"DEADBEEF"}"#)
                == #"{"ok":true}"#)
        #expect(
            session.respond(toLine: #"{"op":"read","world":"ns","pa":"0x80000ffc","len":8}"#)
                == #"{"data":"0000deadbeef0000"}"#)
    }

    @Test("read of unwritten memory gives zeros, up to 65536 bytes")
    func readLargest() throws {
        let session = try ServeFixture.session()
        let answer = ServeFixture.answer(session, #"{"op":"read","world":"ns","pa":"0x80000000","len":65536}"#)
        let data = try #require(answer["data"] as? String)
        #expect(data.count == 131072 && data.allSatisfy { $0 == "0" })
    }

    @Test("a Realm access to Non-secure memory is a granule protection fault with PA, GPCSC and level")
    func readFault() throws {
        let session = try ServeFixture.session()
        let text = session.respond(toLine: #"{"op":"read","world":"realm","pa":"0x80001000","len":4}"#)
        #expect(text == #"{"fault":{"kind":"gpf","pa":"0x80001000","gpcsc":"0xd","level":1}}"#)
        #expect(ServeFixture.answer(session, #"{"op":"stats"}"#)["gpf"] as? Int == 1)
    }

    @Test("a fault names the first failing granule of a multi-granule access")
    func readFaultFirstFailingGranule() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"host.delegate","base":"0x80001000","size":"0x1000"}"#)
        let answer = ServeFixture.answer(session, #"{"op":"read","world":"ns","pa":"0x80000ff0","len":32}"#)
        let fault = try #require(answer["fault"] as? [String: Any])
        #expect(fault["pa"] as? String == "0x80001000")
        #expect(fault["kind"] as? String == "gpf")
    }

    @Test("a faulting write changes no byte")
    func faultingWriteChangesNothing() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"host.delegate","base":"0x80001000","size":"0x1000"}"#)
        let answer = ServeFixture.answer(session, #"{"op":"write","world":"ns","pa":"0x80000ffe","data":"11223344"}"#)
        #expect((answer["fault"] as? [String: Any])?["pa"] as? String == "0x80001000")
        #expect(
            session.respond(toLine: #"{"op":"read","world":"ns","pa":"0x80000ffe","len":2}"#) == #"{"data":"0000"}"#)
        #expect(
            session.respond(toLine: #"{"op":"read","world":"realm","pa":"0x80001000","len":2}"#)
                == #"{"data":"0000"}"#)
    }

    @Test("an access that passes the check but reaches no DRAM is a not_memory fault")
    func readNotMemory() throws {
        let session = try ServeFixture.session()
        #expect(
            session.respond(toLine: #"{"op":"read","world":"ns","pa":"0x1000","len":1}"#)
                == #"{"fault":{"kind":"not_memory","pa":"0x1000"}}"#)
    }

    @Test("granule reports state, GPI and reference count")
    func granule() throws {
        let session = try ServeFixture.session(activate: true)
        #expect(
            session.respond(toLine: #"{"op":"granule","pa":"0x80000000"}"#)
                == #"{"state":"UNDELEGATED","gpi":"NS","refcount":0}"#)
        _ = session.respond(toLine: #"{"op":"host.delegate","base":"0x880000000","size":"0x1000"}"#)
        #expect(
            session.respond(toLine: #"{"op":"granule","pa":"0x880000abc"}"#)
                == #"{"state":"DELEGATED","gpi":"REALM","refcount":0}"#)
    }

    @Test("granule reports state NONE where no tracked memory covers the address")
    func granuleNone() throws {
        let session = try ServeFixture.session(activate: true)
        let answer = ServeFixture.answer(session, #"{"op":"granule","pa":"0x1000"}"#)
        #expect(answer["state"] as? String == "NONE")
        #expect(answer["gpi"] as? String == "NS")
        #expect(
            ServeFixture.answer(session, #"{"op":"granule","pa":"0xffffffffffffffff"}"#)["state"] as? String == "NONE")
    }

    @Test("stats lists the protocol's counters in a fixed order")
    func stats() throws {
        let session = try ServeFixture.session()
        #expect(
            session.respond(toLine: #"{"op":"stats"}"#)
                == #"{"smc":0,"el3_calls":0,"tlbi":0,"dsb":0,"cipapa_lines":0,"scrubbed_bytes":0,"gpf":0}"#)
    }

    @Test("check answers ok on a consistent machine")
    func check() throws {
        let session = try ServeFixture.session(activate: true)
        #expect(session.respond(toLine: #"{"op":"check"}"#) == #"{"ok":true}"#)
    }

    @Test("host.init brings the platform up and reports the version; again it answers at once")
    func hostInit() throws {
        let session = try ServeFixture.session()
        #expect(session.respond(toLine: #"{"op":"host.init","cpu":2}"#) == #"{"ok":true,"version":"2.0"}"#)
        let smcs = ServeFixture.answer(session, #"{"op":"stats"}"#)["smc"] as? Int
        #expect(session.respond(toLine: #"{"op":"host.init"}"#) == #"{"ok":true,"version":"2.0"}"#)
        #expect(ServeFixture.answer(session, #"{"op":"stats"}"#)["smc"] as? Int == smcs)
    }

    @Test("host operations before host.init answer not_initialized without an SMC")
    func hostNotInitialized() throws {
        let session = try ServeFixture.session()
        let answer = ServeFixture.answer(session, #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
        #expect(answer["ok"] as? Bool == false)
        #expect(answer["error"] as? String == "not_initialized")
        #expect(answer["top"] as? String == "0x80000000")
        #expect(answer["smc"] as? Int == 0)
        #expect(answer["status"] == nil)
        let undelegate = ServeFixture.answer(
            session, #"{"op":"host.undelegate","base":"0x80000000","size":"0x1000"}"#)
        #expect(undelegate["error"] as? String == "not_initialized")
    }

    @Test("host.delegate and host.undelegate move a range and count their SMCs")
    func hostDelegateUndelegate() throws {
        let session = try ServeFixture.session(activate: true)
        #expect(
            session.respond(toLine: #"{"op":"host.delegate","cpu":1,"base":"0x80000000","size":"0x200000"}"#)
                == #"{"ok":true,"top":"0x80200000","smc":1}"#)
        #expect(ServeFixture.answer(session, #"{"op":"granule","pa":"0x801ff000"}"#)["state"] as? String == "DELEGATED")
        #expect(
            session.respond(toLine: #"{"op":"host.undelegate","cpu":3,"base":"0x80000000","size":"0x200000"}"#)
                == #"{"ok":true,"top":"0x80200000","smc":1}"#)
        #expect(ServeFixture.answer(session, #"{"op":"stats"}"#)["scrubbed_bytes"] as? Int == 0x20_0000)
    }

    @Test("host.delegate reports the failure kind, how far it got and the RMI status")
    func hostDelegateFailure() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"inject","fault":"busy","count":1024}"#)
        let answer = ServeFixture.answer(session, #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
        #expect(answer["ok"] as? Bool == false)
        #expect(answer["error"] as? String == "stalled")
        #expect(answer["top"] as? String == "0x80000000")
        #expect(answer["status"] as? String == "0xa")
        #expect(answer["smc"] as? Int == 1024)
        #expect(answer["message"] is String)
    }

    @Test("host.delegate rejects an unaligned range before any SMC")
    func hostDelegateUnaligned() throws {
        let session = try ServeFixture.session(activate: true)
        let answer = ServeFixture.answer(session, #"{"op":"host.delegate","base":"0x80000800","size":"0x1000"}"#)
        #expect(answer["error"] as? String == "unaligned")
        #expect(answer["smc"] as? Int == 0)
    }

    @Test("host.leaks lists the granules a failed undelegation gave up")
    func hostLeaks() throws {
        let session = try ServeFixture.session(activate: true)
        #expect(session.respond(toLine: #"{"op":"host.leaks"}"#) == #"{"granules":[]}"#)
        _ = session.respond(toLine: #"{"op":"host.delegate","base":"0x80000000","size":"0x2000"}"#)
        _ = session.respond(toLine: #"{"op":"inject","fault":"busy","count":1024}"#)
        let answer = ServeFixture.answer(session, #"{"op":"host.undelegate","base":"0x80000000","size":"0x2000"}"#)
        #expect(answer["error"] as? String == "stalled")
        #expect(session.respond(toLine: #"{"op":"host.leaks"}"#) == #"{"granules":["0x80000000","0x80001000"]}"#)
    }

    @Test("host.deactivate takes the RMM back to INIT; host.init then brings it up again")
    func hostDeactivate() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"host.delegate","base":"0x80000000","size":"0x2000"}"#)
        _ = session.respond(toLine: #"{"op":"host.undelegate","base":"0x80000000","size":"0x2000"}"#)
        #expect(session.respond(toLine: #"{"op":"host.deactivate","cpu":1}"#) == #"{"ok":true}"#)
        // RMI_RMM_STATE_GET: 0 in INIT; the host's range helpers refuse until host.init.
        #expect(
            ServeFixture.answer(session, #"{"op":"smc","x":["0xc40001ee"]}"#)["x"] as? [String] == [
                "0x0", "0x0", "0x0", "0x0", "0x0",
            ])
        let refused = ServeFixture.answer(session, #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
        #expect(refused["error"] as? String == "not_initialized")
        #expect(session.respond(toLine: #"{"op":"host.init"}"#) == #"{"ok":true,"version":"2.0"}"#)
        #expect(
            session.respond(toLine: #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
                == #"{"ok":true,"top":"0x80001000","smc":1}"#)
    }

    @Test("host.deactivate before host.init answers not_initialized without an SMC")
    func hostDeactivateNotInitialized() throws {
        let session = try ServeFixture.session()
        let answer = ServeFixture.answer(session, #"{"op":"host.deactivate"}"#)
        #expect(answer["ok"] as? Bool == false)
        #expect(answer["error"] as? String == "not_initialized")
        #expect(answer["status"] == nil)
        #expect((answer["message"] as? String)?.contains("host.init") == true)
        #expect(ServeFixture.answer(session, #"{"op":"stats"}"#)["smc"] as? Int == 0)
    }

    @Test("host.deactivate with memory the host delegated answers still_delegated, without an SMC or a change")
    func hostDeactivateStillDelegated() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"host.delegate","base":"0x80000000","size":"0x2000"}"#)
        let smcs = ServeFixture.answer(session, #"{"op":"stats"}"#)["smc"] as? Int
        let answer = ServeFixture.answer(session, #"{"op":"host.deactivate"}"#)
        #expect(answer["error"] as? String == "still_delegated")
        #expect(answer["status"] == nil)
        #expect((answer["message"] as? String)?.contains("[0x80000000, 0x80002000)") == true)
        #expect(ServeFixture.answer(session, #"{"op":"stats"}"#)["smc"] as? Int == smcs)
        #expect(
            session.respond(toLine: #"{"op":"host.undelegate","base":"0x80000000","size":"0x2000"}"#)
                == #"{"ok":true,"top":"0x80002000","smc":1}"#)
    }

    @Test("host.deactivate with memory delegated behind the host's back answers rmm_error with RMI_ERROR_GLOBAL")
    func hostDeactivateRefusedByRMM() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"smc","x":["0xc40001f1","0x80000000","0x80001000"]}"#)
        let answer = ServeFixture.answer(session, #"{"op":"host.deactivate"}"#)
        #expect(answer["error"] as? String == "rmm_error")
        #expect(answer["status"] as? String == "0xb")
        #expect(answer["message"] as? String == "RMI_RMM_DEACTIVATE answered RMI_ERROR_GLOBAL")
        // The host stays ready: its helpers still work.
        #expect(
            session.respond(toLine: #"{"op":"host.delegate","base":"0x80001000","size":"0x1000"}"#)
                == #"{"ok":true,"top":"0x80002000","smc":1}"#)
    }

    @Test("inject busy makes the next range SMCs answer RMI_BUSY, retried within the budget")
    func injectBusy() throws {
        let session = try ServeFixture.session(activate: true)
        #expect(session.respond(toLine: #"{"op":"inject","fault":"busy","count":2}"#) == #"{"ok":true}"#)
        #expect(
            session.respond(toLine: #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
                == #"{"ok":true,"top":"0x80001000","smc":3}"#)
    }

    @Test("inject blocked stalls the host once its blocked budget is spent")
    func injectBlocked() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"inject","fault":"blocked","count":3}"#)
        let answer = ServeFixture.answer(session, #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
        #expect(answer["error"] as? String == "stalled")
        #expect(answer["status"] as? String == "0xe")
    }

    @Test("inject zero_progress makes the host stop with no_progress after one SMC")
    func injectZeroProgress() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"inject","fault":"zero_progress"}"#)
        let answer = ServeFixture.answer(session, #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
        #expect(answer["error"] as? String == "no_progress")
        #expect(answer["smc"] as? Int == 1)
        #expect(answer["status"] as? String == "0x0")
    }

    @Test("inject el3_refuse makes the delegation fail with an RMM error and leaves the granule Non-secure")
    func injectEL3Refuse() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"inject","fault":"el3_refuse","count":1}"#)
        let answer = ServeFixture.answer(session, #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
        #expect(answer["error"] as? String == "rmm_error")
        #expect(ServeFixture.answer(session, #"{"op":"granule","pa":"0x80000000"}"#)["gpi"] as? String == "NS")
    }

    @Test("inject irq makes the RMM yield; the host drives the operation to the end")
    func injectIRQ() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"inject","fault":"irq","count":1}"#)
        let answer = ServeFixture.answer(session, #"{"op":"host.delegate","base":"0x80000000","size":"0x4000"}"#)
        #expect(answer["ok"] as? Bool == true)
        #expect(answer["top"] as? String == "0x80004000")
        #expect((answer["smc"] as? Int ?? 0) > 1)
    }

    @Test("inject clear drops every pending injection")
    func injectClear() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"inject","fault":"busy","count":5}"#)
        #expect(session.respond(toLine: #"{"op":"inject","fault":"clear"}"#) == #"{"ok":true}"#)
        #expect(
            session.respond(toLine: #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
                == #"{"ok":true,"top":"0x80001000","smc":1}"#)
    }

    @Test(
        "the id is echoed unchanged, first, whatever JSON value it is",
        arguments: [
            #"7"#, #""req-1""#, #"null"#, #"[1,"a",false]"#, #"{"a":{"b":[]},"n":-2.5}"#,
        ])
    func idEcho(id: String) throws {
        let session = try ServeFixture.session()
        let text = try #require(session.respond(toLine: #"{"id":\#(id),"op":"check"}"#))
        #expect(text.hasPrefix(#"{"id":\#(id),"#))
        let bad = try #require(session.respond(toLine: #"{"op":"bogus","id":\#(id)}"#))
        #expect(bad.hasPrefix(#"{"id":\#(id),"error":"#))
    }

    @Test("a response line has the id first, then the operation's keys, and a trailing carriage return is ignored")
    func outputFormat() throws {
        let session = try ServeFixture.session()
        #expect(
            session.respond(toLine: "{\"op\":\"granule\",\"pa\":\"0x1000\",\"id\":1}\r")
                == #"{"id":1,"state":"NONE","gpi":"NS","refcount":0}"#)
    }
}
