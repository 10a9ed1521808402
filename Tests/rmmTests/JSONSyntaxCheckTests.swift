import Testing

@testable import rmm

@Suite("JSONSyntaxCheck")
struct JSONSyntaxCheckTests {
    private func problem(_ text: String) -> JSONSyntaxCheck.Problem? {
        JSONSyntaxCheck.firstProblem(in: Array(text.utf8))
    }

    @Test(
        "accepts every JSON value the RFC allows",
        arguments: [
            #"{}"#, "null", #"[]"#, #" {"a" : [1, -2.5e+3, 0, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"]} "#,
            #"{"a":{"b":{"c":[[],[{}]]}}}"#, "42", #""text""#, "-0.0E-1",
        ])
    func accepts(text: String) {
        #expect(problem(text) == nil)
    }

    @Test(
        "finds the first problem and its column",
        arguments: [
            ("", 1, "expected a value, found the end of the line"),
            (#"{"a":1,}"#, 8, "expected a string key in double quotes"),
            (#"[1,]"#, 4, "expected a value"),
            (#"[1 2]"#, 4, "expected ',' or ']'"),
            (#"{"a":01}"#, 7, "expected ',' or '}'"),
            (#"{"a":1."#, 8, "expected a digit after the decimal point"),
            (#"{"a":"\q"}"#, 8, "invalid escape in a string"),
            (#"{"a":"\u12"}"#, 11, "expected four hexadecimal digits after \\u"),
            (#"{"a":tru}"#, 6, "expected a value"),
            ("not json", 1, "expected a value (object, array, string, number, true, false or null)"),
            (#"{"a":"x"#, 8, "the string is not closed"),
            ("{\"a\":\"\u{1}\"}", 7, "a control character inside a string must be escaped"),
            (#"{"ü":1 x"#, 8, "expected ',' or '}'"),
        ])
    func problems(text: String, column: Int, expectation: String) throws {
        let found = try #require(problem(text))
        #expect(found.column == column)
        #expect(found.expectation.hasPrefix(expectation), "\(found.expectation)")
    }

    @Test("a megabyte of opening brackets is refused at the depth limit, not by exhausting the stack")
    func deepNesting() throws {
        let found = try #require(problem(String(repeating: "[", count: 1 << 20)))
        #expect(found.column == JSONSyntaxCheck.maximumDepth + 1)
        #expect(found.expectation.contains("nested deeper"))
        #expect(problem(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) == nil)
    }
}
