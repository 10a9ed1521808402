import Foundation
import Testing

@testable import rmm

/// serve-protocol.md, "Bad requests": each class answers `{"error": ...}`, leaves the platform untouched and the
/// server serving.
@Suite("rmm serve: bad requests")
struct ServeBadRequestTests {
    /// Sends `line`, checks it is refused with a message containing `fragment`, and that nothing changed.
    private func expectRefused(_ line: String, mentioning fragment: String, activate: Bool = true) throws {
        let session = try ServeFixture.session(activate: activate)
        let before = session.respond(toLine: #"{"op":"stats"}"#)
        let answer = ServeFixture.answer(session, line)
        let message = try #require(answer["error"] as? String, "refused: \(line)")
        #expect(message.contains(fragment), "message: \(message)")
        #expect(!message.contains("\n"))
        #expect(session.respond(toLine: #"{"op":"stats"}"#) == before)
        #expect(session.respond(toLine: #"{"op":"granule","pa":"0x80000000"}"#)?.contains(#""gpi":"NS""#) == true)
        #expect(
            session.respond(toLine: #"{"op":"read","world":"ns","pa":"0x80000000","len":2}"#) == #"{"data":"0000"}"#)
        #expect(session.respond(toLine: #"{"op":"check"}"#) == #"{"ok":true}"#)
    }

    @Test("a line that is not JSON", arguments: [#"{"op":"#, "hello", #"{"op":"check"}}"#])
    func notJSON(line: String) throws {
        try expectRefused(line, mentioning: "not valid JSON")
    }

    @Test(
        "a JSON value that is not an object, answered without an id", arguments: [#"[1,2]"#, "42", #""check""#, "null"])
    func notAnObject(line: String) throws {
        let session = try ServeFixture.session()
        #expect(session.respond(toLine: line) == #"{"error":"not a JSON object"}"#)
    }

    @Test(
        "a blank line gets no answer at all, so a client that sends one stays in step",
        arguments: ["", "   ", "\t", " \r"])
    func blankLine(line: String) throws {
        let session = try ServeFixture.session()
        #expect(session.respond(toLine: line) == nil)
        #expect(session.respond(toLine: #"{"id":1,"op":"check"}"#) == #"{"id":1,"ok":true}"#)
    }

    @Test(
        "malformed JSON is answered with the column where it goes wrong",
        arguments: [
            (#"{"op":"check",}"#, 15, "expected a string key in double quotes"),
            (#"{"op" "check"}"#, 7, "expected ':' after an object key"),
            (#"{"op":"check""#, 14, "the object is not closed"),
            (#"{"op":chek}"#, 7, "expected a value"),
            (#"{"op":"check"}}"#, 15, "unexpected text after the JSON value"),
            (#"{"op":"é",x}"#, 11, "expected a string key"),
        ])
    func malformedJSONColumn(line: String, column: Int, fragment: String) throws {
        try expectRefused(line, mentioning: "not valid JSON at column \(column): \(fragment)")
    }

    @Test(
        "a field the operation does not take is refused by name, and nothing changes",
        arguments: [
            (
                #"{"op":"host.delegate","base":"0x80000000","size":"0x1000","sise":"0x1000"}"#,
                "'sise' for op 'host.delegate'"
            ),
            (#"{"op":"granule","pa":"0x80000000","expect":{"gpi":"NS"}}"#, "'expect' for op 'granule': it takes pa"),
            (#"{"op":"stats","cpu":1}"#, "'cpu' for op 'stats': it takes no fields besides op and id"),
            (#"{"op":"smc","x":["0xc4000150"],"cpus":1}"#, "'cpus' for op 'smc': it takes cpu and x"),
            (#"{"op":"host.deactivate","force":true}"#, "'force' for op 'host.deactivate': it takes cpu"),
        ])
    func unknownField(line: String, fragment: String) throws {
        try expectRefused(line, mentioning: "unknown field \(fragment)")
    }

    @Test("an unknown field is refused with the request's id echoed")
    func unknownFieldEchoesID() throws {
        let session = try ServeFixture.session()
        #expect(
            session.respond(toLine: #"{"id":"a","op":"check","verbose":true}"#)
                == #"{"id":"a","error":"unknown field 'verbose' for op 'check': it takes no fields besides op and id"}"#
        )
    }

    @Test("bytes that are not UTF-8")
    func invalidUTF8() throws {
        let session = try ServeFixture.session()
        let line: [UInt8] = Array(#"{"op":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        #expect(ServeFixture.decode(session.respond(toLine: line) ?? "")["error"] != nil)
    }

    @Test("an unknown op, with the id echoed")
    func unknownOp() throws {
        let session = try ServeFixture.session()
        #expect(
            session.respond(toLine: #"{"id":3,"op":"reboot"}"#)?.hasPrefix(#"{"id":3,"error":"unknown op 'reboot'"#)
                == true)
        try expectRefused(#"{"op":"host.explode"}"#, mentioning: "unknown op")
    }

    @Test(
        "a missing required field",
        arguments: [
            (#"{"pa":"0x80000000"}"#, "'op'"),
            (#"{"op":"smc"}"#, "'x'"),
            (#"{"op":"read","world":"ns","len":4}"#, "'pa'"),
            (#"{"op":"read","world":"ns","pa":"0x80000000"}"#, "'len'"),
            (#"{"op":"read","pa":"0x80000000","len":4}"#, "'world'"),
            (#"{"op":"write","world":"ns","pa":"0x80000000"}"#, "'data'"),
            (#"{"op":"granule"}"#, "'pa'"),
            (#"{"op":"host.delegate","base":"0x80000000"}"#, "'size'"),
            (#"{"op":"host.undelegate","size":"0x1000"}"#, "'base'"),
            (#"{"op":"inject","count":1}"#, "'fault'"),
        ])
    func missingField(line: String, field: String) throws {
        try expectRefused(line, mentioning: "missing field \(field)")
    }

    @Test(
        "a field of the wrong type",
        arguments: [
            #"{"op":7}"#,
            #"{"op":"smc","x":"0xc4000150"}"#,
            #"{"op":"smc","x":[true]}"#,
            #"{"op":"smc","x":[{"a":1}]}"#,
            #"{"op":"granule","pa":false}"#,
            #"{"op":"read","world":1,"pa":"0x80000000","len":4}"#,
            #"{"op":"read","world":"ns","pa":"0x80000000","len":"four"}"#,
            #"{"op":"write","world":"ns","pa":"0x80000000","data":1234}"#,
            #"{"op":"host.delegate","cpu":[0],"base":"0x80000000","size":"0x1000"}"#,
            #"{"op":"inject","fault":"busy","count":1.5}"#,
        ])
    func wrongType(line: String) throws {
        try expectRefused(line, mentioning: "field '")
    }

    @Test(
        "a quantity out of range or malformed",
        arguments: [
            #"{"op":"granule","pa":"0x10000000000000000"}"#,
            #"{"op":"granule","pa":"18446744073709551616"}"#,
            #"{"op":"granule","pa":9007199254740993}"#,
            #"{"op":"granule","pa":-4096}"#,
            #"{"op":"granule","pa":"0x"}"#,
            #"{"op":"granule","pa":"0x80g00000"}"#,
            #"{"op":"granule","pa":"-1"}"#,
            #"{"op":"smc","x":["0xc4000150",1e3]}"#,
            #"{"op":"host.delegate","base":"0x80000000","size":"0x1_000"}"#,
        ])
    func valueOutOfRange(line: String) throws {
        try expectRefused(line, mentioning: "field '")
    }

    @Test("the largest values each form accepts are accepted")
    func largestValues() throws {
        let session = try ServeFixture.session()
        #expect(ServeFixture.error(session, #"{"op":"granule","pa":"0xFFFFFFFFFFFFFFFF"}"#) == nil)
        #expect(ServeFixture.error(session, #"{"op":"granule","pa":"18446744073709551615"}"#) == nil)
        #expect(ServeFixture.error(session, #"{"op":"granule","pa":9007199254740992}"#) == nil)
    }

    @Test(
        "more than seven SMC registers, or none",
        arguments: [
            #"{"op":"smc","x":[]}"#, #"{"op":"smc","x":[1,2,3,4,5,6,7,8]}"#,
        ])
    func registerCount(line: String) throws {
        try expectRefused(line, mentioning: "registers")
    }

    @Test(
        "a CPU index the machine does not have is refused before any SMC",
        arguments: [
            #"{"op":"smc","cpu":4,"x":["0xc4000150","0x20000"]}"#,
            #"{"op":"smc","cpu":-1,"x":["0xc4000150","0x20000"]}"#,
            #"{"op":"host.init","cpu":"0xffffffffffffffff"}"#,
            #"{"op":"host.delegate","cpu":99,"base":"0x80000000","size":"0x1000"}"#,
            #"{"op":"host.undelegate","cpu":4,"base":"0x80000000","size":"0x1000"}"#,
            #"{"op":"host.deactivate","cpu":4}"#,
        ])
    func badCPU(line: String) throws {
        try expectRefused(line, mentioning: "field 'cpu'")
    }

    @Test("a read length outside 1 to 65536", arguments: [0, 65537, -1])
    func readLength(length: Int) throws {
        try expectRefused(#"{"op":"read","world":"ns","pa":"0x80000000","len":\#(length)}"#, mentioning: "'len'")
    }

    @Test("write data that is empty or longer than 65536 bytes")
    func writeLength() throws {
        try expectRefused(#"{"op":"write","world":"ns","pa":"0x80000000","data":""}"#, mentioning: "'data'")
        let long = String(repeating: "ab", count: 65537)
        try expectRefused(#"{"op":"write","world":"ns","pa":"0x80000000","data":"\#(long)"}"#, mentioning: "'data'")
    }

    @Test("write data that is not hexadecimal byte pairs", arguments: ["abc", "zz", "0x00", "12 34", "é1"])
    func badHex(data: String) throws {
        try expectRefused(#"{"op":"write","world":"ns","pa":"0x80000000","data":"\#(data)"}"#, mentioning: "'data'")
    }

    @Test("a world name the protocol does not define", arguments: ["NS", "normal", "", "el3"])
    func badWorld(world: String) throws {
        try expectRefused(#"{"op":"read","world":"\#(world)","pa":"0x80000000","len":1}"#, mentioning: "'world'")
    }

    @Test("an unknown fault name")
    func unknownFault() throws {
        try expectRefused(#"{"op":"inject","fault":"rowhammer","count":1}"#, mentioning: "unknown fault 'rowhammer'")
    }

    @Test("a negative fault count")
    func negativeCount() throws {
        try expectRefused(#"{"op":"inject","fault":"busy","count":-3}"#, mentioning: "negative")
        try expectRefused(#"{"op":"inject","fault":"clear","count":-3}"#, mentioning: "negative")
    }

    @Test("a refused injection queues nothing")
    func refusedInjectionQueuesNothing() throws {
        let session = try ServeFixture.session(activate: true)
        _ = session.respond(toLine: #"{"op":"inject","fault":"busy","count":-1}"#)
        _ = session.respond(toLine: #"{"op":"inject","fault":"nope","count":1}"#)
        #expect(
            session.respond(toLine: #"{"op":"host.delegate","base":"0x80000000","size":"0x1000"}"#)
                == #"{"ok":true,"top":"0x80001000","smc":1}"#)
    }

    @Test("a line over 1 MiB is refused without being parsed")
    func oversizedLine() throws {
        let session = try ServeFixture.session()
        let padding = String(repeating: " ", count: ServeSession.maximumLineBytes)
        let answer = ServeFixture.answer(session, #"{"op":"check",\#(padding)"id":1}"#)
        #expect((answer["error"] as? String)?.contains("longer than the limit") == true)
        #expect(answer["id"] == nil)
        #expect(session.respond(toLine: #"{"op":"check"}"#) == #"{"ok":true}"#)
    }

    @Test("an error message quotes at most 64 characters of what the client sent")
    func longNamesAreShortened() throws {
        let session = try ServeFixture.session()
        let name = String(repeating: "x", count: 5000)
        let message = try #require(ServeFixture.error(session, #"{"op":"\#(name)"}"#))
        #expect(message.count < 300)
    }

    @Test("control characters in a quoted name stay escaped on one line")
    func controlCharacters() throws {
        let session = try ServeFixture.session()
        let text = session.respond(toLine: #"{"op":"a\nb\u0001"}"#) ?? ""
        #expect(!text.contains("\n"))
        #expect(text.contains(#"a\nb\u0001"#))
    }
}
