/// Where a key lies relative to one element of a sorted array: the shared question of every lookup by address or
/// ID in the model (the bank or tracking region holding an address, an L0 region's entry, an RMI command by FID).
public enum SearchOrder: Sendable {
    /// The key sorts before the element.
    case before
    /// The element is the one sought (it holds or equals the key).
    case match
    /// The key sorts after the element.
    case after
}

extension RandomAccessCollection where Index == Int {
    /// The element `order` matches, by binary search over an array (or buffer) sorted the way `order` reads it;
    /// `nil` if none does. O(log n), allocation-free.
    @inlinable
    public func sortedSearch(_ order: (Element) -> SearchOrder) -> Element? {
        var low = startIndex
        var high = endIndex
        while low < high {
            let middle = (low + high) / 2
            switch order(self[middle]) {
            case .before: high = middle
            case .after: low = middle + 1
            case .match: return self[middle]
            }
        }
        return nil
    }
}
