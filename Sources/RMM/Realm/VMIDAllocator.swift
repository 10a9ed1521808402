import FirmwareSync
import Synchronization

/// Virtual machine identifiers for realms: 256 of them, in four atomic bitmap words. VMID 0 is kept back.
final class VMIDAllocator: Sendable {
    final class Word: Sendable {
        let bits: SharedWord
        init(_ initial: UInt64, index: Int, observer: (any SchedulingObserver)?) {
            bits = SharedWord(initial, location: SharedLocation(.vmidBitmap, UInt64(index)), observer: observer)
        }
    }

    private let words: [Word]

    init(observer: (any SchedulingObserver)?) {
        words = (0..<4).map { Word($0 == 0 ? 1 : 0, index: $0, observer: observer) }
    }
    /// A free VMID, now taken; `nil` if none is left.
    func allocate() -> UInt64? {
        for (index, word) in words.enumerated() {
            var current = word.bits.load(ordering: .relaxed)
            while current != ~0 {
                let bit = (~current).trailingZeroBitCount
                // Relaxed: the bitmap guards nothing but itself.
                let (exchanged, original) = word.bits.compareExchange(
                    expected: current, desired: current | 1 << UInt64(bit), ordering: .relaxed)
                if exchanged { return UInt64(index * 64 + bit) }
                current = original
            }
        }
        return nil
    }

    func free(_ vmid: UInt64) {
        words[Int(vmid / 64)].bits.bitwiseAndRelaxed(~(1 << (vmid % 64)))
    }
}
