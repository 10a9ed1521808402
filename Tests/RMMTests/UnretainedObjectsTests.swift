import CCAArch
import Testing

@testable import RMM

@Suite("UnretainedObjects: objects lent without a retain")
struct UnretainedObjectsTests {
    final class Range: Sendable {
        let base: UInt64
        let top: UInt64
        init(_ base: UInt64, _ top: UInt64) {
            self.base = base
            self.top = top
        }
    }

    /// Three sorted ranges with a gap between the second and the third.
    static func threeRanges() -> UnretainedObjects<Range> {
        UnretainedObjects([Range(0, 10), Range(10, 20), Range(30, 40)])
    }

    /// The base of the range holding `value`.
    func find(_ value: UInt64, in objects: borrowing UnretainedObjects<Range>) -> UInt64? {
        objects.withSortedSearch({ value < $0.base ? .before : value >= $0.top ? .after : .match }) { $0.base }
    }

    @Test("the sorted search finds the object holding each value, and none in a gap or beyond the last")
    func sortedSearch() {
        let objects = Self.threeRanges()
        for (value, base) in [(0, 0), (9, 0), (10, 10), (35, 30)] as [(UInt64, UInt64)] {
            #expect(find(value, in: objects) == base, "value \(value)")
        }
        for value: UInt64 in [20, 29, 40] { #expect(find(value, in: objects) == nil, "value \(value)") }
    }

    @Test("withObject lends the object at each index, the same objects `all` owns, in order")
    func byIndex() {
        let objects = Self.threeRanges()
        #expect(objects.count == 3)
        for index in 0..<objects.count {
            #expect(objects.withObject(at: index) { $0 === objects.all[index] })
        }
        #expect(objects.withObject(at: 2) { $0.top } == 40)
    }

    @Test("an empty set finds nothing")
    func empty() {
        let none = UnretainedObjects<Range>([])
        #expect(none.count == 0)
        #expect(none.withSortedSearch({ _ in .match }) { $0.base } == nil)
    }
}
