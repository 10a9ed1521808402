public import Synchronization

/// One 64-bit atomic word of shared firmware state whose every step passes the scheduling point.
///
/// Like `Atomic`, it lives in a `let` of a class (or other stable storage). Every operation names its ordering;
/// the comments at the call sites say why. Narrower values (states, counts) are kept zero-extended.
public struct SharedWord: ~Copyable, Sendable {
    public typealias Value = UInt64
    @usableFromInline let storage: Atomic<UInt64>
    public let location: SharedLocation
    /// Who watches the steps; not retained: the observer outlives the firmware it watches.
    @usableFromInline unowned(unsafe) let observer: (any SchedulingObserver)?

    @inlinable
    public init(_ initial: consuming Value, location: SharedLocation, observer: (any SchedulingObserver)?) {
        storage = Atomic(initial)
        self.location = location
        unsafe self.observer = observer
    }

    // Atomic needs its orderings as constants: each operation picks the constant the caller named, and the
    // branches fold away once inlined.

    @inlinable
    @inline(__always)
    public func load(ordering: AtomicLoadOrdering) -> Value {
        unsafe schedulingPoint(observer, location, .load)
        if ordering == .relaxed { return storage.load(ordering: .relaxed) }
        if ordering == .acquiring { return storage.load(ordering: .acquiring) }
        return storage.load(ordering: .sequentiallyConsistent)
    }

    @inlinable
    @inline(__always)
    public func store(_ desired: consuming Value, ordering: AtomicStoreOrdering) {
        unsafe schedulingPoint(observer, location, .store)
        if ordering == .relaxed { return storage.store(desired, ordering: .relaxed) }
        if ordering == .releasing { return storage.store(desired, ordering: .releasing) }
        storage.store(desired, ordering: .sequentiallyConsistent)
    }

    @inlinable
    @inline(__always)
    public func compareExchange(
        expected: consuming Value, desired: consuming Value, ordering: AtomicUpdateOrdering
    ) -> (exchanged: Bool, original: Value) {
        unsafe schedulingPoint(observer, location, .readModifyWrite)
        if ordering == .relaxed {
            return storage.compareExchange(expected: expected, desired: desired, ordering: .relaxed)
        }
        if ordering == .acquiring {
            return storage.compareExchange(expected: expected, desired: desired, ordering: .acquiring)
        }
        if ordering == .releasing {
            return storage.compareExchange(expected: expected, desired: desired, ordering: .releasing)
        }
        if ordering == .acquiringAndReleasing {
            return storage.compareExchange(expected: expected, desired: desired, ordering: .acquiringAndReleasing)
        }
        return storage.compareExchange(expected: expected, desired: desired, ordering: .sequentiallyConsistent)
    }

    /// A compare-and-exchange whose failure only reads (`failureOrdering` relaxed or acquiring, no stronger than
    /// the success ordering).
    @inlinable
    @inline(__always)
    public func compareExchange(
        expected: consuming Value, desired: consuming Value, successOrdering: AtomicUpdateOrdering,
        failureOrdering: AtomicLoadOrdering
    ) -> (exchanged: Bool, original: Value) {
        if failureOrdering == .relaxed {
            unsafe schedulingPoint(observer, location, .readModifyWrite)
            if successOrdering == .acquiring {
                return storage.compareExchange(
                    expected: expected, desired: desired, successOrdering: .acquiring, failureOrdering: .relaxed)
            }
            if successOrdering == .releasing {
                return storage.compareExchange(
                    expected: expected, desired: desired, successOrdering: .releasing, failureOrdering: .relaxed)
            }
            if successOrdering == .acquiringAndReleasing {
                return storage.compareExchange(
                    expected: expected, desired: desired, successOrdering: .acquiringAndReleasing,
                    failureOrdering: .relaxed)
            }
            return storage.compareExchange(
                expected: expected, desired: desired, successOrdering: .relaxed, failureOrdering: .relaxed)
        }
        unsafe schedulingPoint(observer, location, .readModifyWrite)
        if successOrdering == .acquiring {
            return storage.compareExchange(
                expected: expected, desired: desired, successOrdering: .acquiring, failureOrdering: .acquiring)
        }
        return storage.compareExchange(
            expected: expected, desired: desired, successOrdering: .acquiringAndReleasing, failureOrdering: .acquiring)
    }
}

extension SharedWord {
    /// Subtracts `operand`, releasing (the only use: a user leaving a tracking region).
    @inlinable
    @inline(__always)
    @discardableResult
    public func wrappingSubtractReleasing(_ operand: UInt64) -> (oldValue: UInt64, newValue: UInt64) {
        unsafe schedulingPoint(observer, location, .readModifyWrite)
        return storage.wrappingSubtract(operand, ordering: .releasing)
    }

    /// Adds `operand`, sequentially consistent (the only use: a CPU entering an RMI command, which must be
    /// ordered before its load of the lifecycle word against a deactivation's claim and its load of this count).
    @inlinable
    @inline(__always)
    @discardableResult
    public func wrappingAddSequentiallyConsistent(_ operand: UInt64) -> (oldValue: UInt64, newValue: UInt64) {
        unsafe schedulingPoint(observer, location, .readModifyWrite)
        return storage.wrappingAdd(operand, ordering: .sequentiallyConsistent)
    }

    /// Clears the bits `operand` lacks, relaxed (the only use: freeing a VMID, a bitmap guarding nothing else).
    @inlinable
    @inline(__always)
    @discardableResult
    public func bitwiseAndRelaxed(_ operand: UInt64) -> (oldValue: UInt64, newValue: UInt64) {
        unsafe schedulingPoint(observer, location, .readModifyWrite)
        return storage.bitwiseAnd(operand, ordering: .relaxed)
    }
}
