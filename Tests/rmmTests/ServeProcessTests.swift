import Foundation
import Testing

@testable import rmm

/// `rmm serve` end to end: the built executable, fed through a pipe.
@Suite("rmm serve: end to end")
struct ServeProcessTests {
    @Test("answers each line in order, one JSON object per line, and exits 0 at end of input")
    func pipeline() throws {
        let input = """
            {"id":1,"op":"host.init"}
            {"id":2,"op":"host.delegate","base":"0x80000000","size":"0x2000"}
            not json
            {"id":4,"op":"read","world":"ns","pa":"0x80000000","len":4}
            {"id":5,"op":"smc","cpu":9,"x":["0xc4000150"]}
            {"id":6,"op":"granule","pa":"0x80001000"}
            {"id":7,"op":"check"}
            """
        let (status, output) = try ServeFixture.runTool(["serve"], input: Data(input.utf8))
        #expect(status == 0)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 8 && lines.last == "", "seven lines, each ended by a newline")
        #expect(lines.first == #"{"id":1,"ok":true,"version":"2.0"}"#)
        #expect(lines.dropFirst(1).first == #"{"id":2,"ok":true,"top":"0x80002000","smc":1}"#)
        #expect(
            lines.dropFirst(2).first
                == #"{"error":"not valid JSON at column 1: expected a value (object, array, string, number, true, false or null)"}"#
        )
        #expect(
            lines.dropFirst(3).first == #"{"id":4,"fault":{"kind":"gpf","pa":"0x80000000","gpcsc":"0xd","level":1}}"#)
        #expect(lines.dropFirst(4).first?.hasPrefix(#"{"id":5,"error":"field 'cpu'"#) == true)
        #expect(lines.dropFirst(5).first == #"{"id":6,"state":"DELEGATED","gpi":"REALM","refcount":0}"#)
        #expect(lines.dropFirst(6).first == #"{"id":7,"ok":true}"#)
    }

    @Test("--activate brings the host up before the first request; platform options apply")
    func activateOption() throws {
        let input =
            #"{"op":"host.delegate","cpu":1,"base":"0x80000000","size":"0x1000"}"# + "\n"
            + #"{"op":"smc","cpu":1,"x":["0xc4000150","0x20000"]}"# + "\n"
        let (status, output) = try ServeFixture.runTool(
            ["serve", "--activate", "--cpus", "2"], input: Data(input.utf8))
        #expect(status == 0)
        #expect(output.hasPrefix(#"{"ok":true,"top":"0x80001000","smc":1}"# + "\n"))
        #expect(output.hasSuffix(#"{"x":["0x0","0x20000","0x20000","0x0","0x0"]}"# + "\n"))
    }

    @Test("a line over 1 MiB is refused and the server keeps serving")
    func oversizedLine() throws {
        var input = Data(#"{"op":"check","pad":""#.utf8)
        input.append(Data(repeating: UInt8(ascii: "a"), count: 3 << 20))
        input.append(Data("\"}\n{\"op\":\"check\",\"id\":2}".utf8))
        let (status, output) = try ServeFixture.runTool(["serve"], input: input)
        #expect(status == 0)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("longer than the limit") == true)
        #expect(lines.last == #"{"id":2,"ok":true}"#)
    }

    @Test("blank lines get no answer, so every answer lines up with a request")
    func blankLines() throws {
        let input = "\n" + #"{"id":1,"op":"check"}"# + "\n   \n\r\n" + #"{"id":2,"op":"check"}"# + "\n\n"
        let (status, output) = try ServeFixture.runTool(["serve"], input: Data(input.utf8))
        #expect(status == 0)
        #expect(output == #"{"id":1,"ok":true}"# + "\n" + #"{"id":2,"ok":true}"# + "\n")
    }

    @Test("empty input gives no output and exit status 0")
    func emptyInput() throws {
        let (status, output) = try ServeFixture.runTool(["serve"])
        #expect(status == 0)
        #expect(output.isEmpty)
    }
}
