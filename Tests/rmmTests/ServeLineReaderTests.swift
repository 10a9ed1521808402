import Testing

@testable import rmm

@Suite("rmm serve: line reader")
struct ServeLineReaderTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("splits lines across chunk boundaries and keeps empty lines")
    func splitsLines() {
        var reader = LineReader(maximumLineBytes: 100)
        #expect(reader.feed(bytes("ab")) == [])
        #expect(reader.feed(bytes("c\n\nde")) == [.complete(bytes("abc")), .complete([])])
        #expect(reader.feed(bytes("f\n")) == [.complete(bytes("def"))])
        #expect(reader.finish() == nil)
    }

    @Test("the last line without a newline is returned at the end of input")
    func lastLineWithoutNewline() {
        var reader = LineReader(maximumLineBytes: 100)
        #expect(reader.feed(bytes("x\ny")) == [.complete(bytes("x"))])
        #expect(reader.finish() == .complete(bytes("y")))
    }

    @Test("a line of exactly the limit is kept; one byte more is oversized")
    func limit() {
        var reader = LineReader(maximumLineBytes: 4)
        #expect(
            reader.feed(bytes("abcd\nabcde\nok\n")) == [
                .complete(bytes("abcd")), .oversized(byteCount: 5), .complete(bytes("ok")),
            ])
    }

    @Test("an oversized line holds no more than the limit while it streams in")
    func oversizedIsBounded() {
        var reader = LineReader(maximumLineBytes: 1 << 10)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 12)
        for _ in 0..<256 {
            #expect(reader.feed(chunk) == [])
            #expect(reader.bufferedByteCount <= 1 << 10)
        }
        #expect(reader.feed(bytes("a\n{}\n")) == [.oversized(byteCount: (1 << 20) + 1), .complete(bytes("{}"))])
        #expect(reader.bufferedByteCount == 0)
    }

    @Test("an oversized last line without a newline is reported at the end of input")
    func oversizedAtEnd() {
        var reader = LineReader(maximumLineBytes: 2)
        #expect(reader.feed(bytes("abc")) == [])
        #expect(reader.finish() == .oversized(byteCount: 3))
    }
}
