/// A run's schedule as text: the CPU chosen at each decision, runs of one CPU written `cpu*count`
/// (`0*11,1*5,0*3`), `-` for none. `rmm check interleavings --replay` reads it back.
public enum InterleavingSchedule {
    public static func text(_ schedule: [Int]) -> String {
        guard !schedule.isEmpty else { return "-" }
        var parts: [String] = []
        var start = 0
        while start < schedule.count {
            var end = start + 1
            while end < schedule.count && schedule[end] == schedule[start] { end += 1 }
            parts.append(end - start == 1 ? "\(schedule[start])" : "\(schedule[start])*\(end - start)")
            start = end
        }
        return parts.joined(separator: ",")
    }

    /// The schedule `text` writes, or `nil` if `text` is not one.
    public static func parse(_ text: String) -> [Int]? {
        if text == "-" { return [] }
        var schedule: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "*", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let cpu = Int(pieces[0]), cpu >= 0 else { return nil }
            var count = 1
            if pieces.count == 2 {
                guard let repeated = Int(pieces[1]), repeated > 0, repeated <= 1_000_000 else { return nil }
                count = repeated
            }
            schedule += Array(repeating: cpu, count: count)
        }
        return schedule
    }
}
