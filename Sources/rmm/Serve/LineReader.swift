/// Splits a byte stream into lines of bounded length, holding at most one line's worth of bytes.
///
/// Push-based so it does no I/O itself: feed it whatever `read(2)` returned, and it hands back the lines those
/// bytes completed. A line longer than `maximumLineBytes` is not kept: its bytes are counted and dropped until its
/// newline, and it comes back as `.oversized`, so a huge line costs no memory (docs/serve-protocol.md, "Refused requests").
struct LineReader {
    /// One line of input, without its newline.
    enum Line: Equatable {
        case complete([UInt8])
        /// A line that was too long; `byteCount` is its length without the newline.
        case oversized(byteCount: Int)
    }

    let maximumLineBytes: Int
    private var pending: [UInt8] = []
    /// The length so far of the line being dropped, or `nil` while the current line fits.
    private var droppedByteCount: Int?

    init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Bytes held for the line in progress: never more than `maximumLineBytes`.
    var bufferedByteCount: Int { pending.count }

    /// Takes the next bytes of the stream; returns the lines they completed, in order.
    mutating func feed(_ chunk: some Collection<UInt8>) -> [Line] {
        var lines: [Line] = []
        var rest = chunk[...]
        while !rest.isEmpty {
            let newline = rest.firstIndex(of: UInt8(ascii: "\n"))
            let segment = rest[..<(newline ?? rest.endIndex)]
            append(segment)
            guard let newline else { break }
            lines.append(takeLine())
            rest = rest[rest.index(after: newline)...]
        }
        return lines
    }

    /// Ends the stream: the last line if it had no newline, or `nil`.
    mutating func finish() -> Line? {
        guard droppedByteCount != nil || !pending.isEmpty else { return nil }
        return takeLine()
    }

    private mutating func append(_ segment: some Collection<UInt8>) {
        if let dropped = droppedByteCount {
            droppedByteCount = dropped + segment.count
        } else if pending.count + segment.count > maximumLineBytes {
            droppedByteCount = pending.count + segment.count
            pending = []
        } else {
            pending.append(contentsOf: segment)
        }
    }

    private mutating func takeLine() -> Line {
        defer {
            pending = []
            droppedByteCount = nil
        }
        if let dropped = droppedByteCount { return .oversized(byteCount: dropped) }
        return .complete(pending)
    }
}
