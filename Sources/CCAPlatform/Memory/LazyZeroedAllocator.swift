import Synchronization

/// Why metadata memory could not be allocated.
public enum MetadataAllocationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A byte count of zero or less.
    case invalidByteCount(Int)
    /// The host refused the address space (`mmap` failed with `errno`).
    case reservationFailed(byteCount: Int, errno: Int32)

    public var description: String {
        switch self {
        case .invalidByteCount(let count): "cannot allocate \(count) bytes of metadata"
        case .reservationFailed(let count, let errno):
            "could not reserve \(count) bytes of metadata address space (errno \(errno))"
        }
    }
}

/// Zero-filled, lazily backed memory for firmware metadata (the RMM's granule tables): a 64 GiB table for a
/// large layout costs only the pages written.
///
/// The memory is the model's stand-in for firmware's own carve-out, outside the simulated physical address
/// space; it stays valid until the allocator is deallocated, so the allocator must outlive its users (the
/// platform holds it for the machine's lifetime). Safe to use from every CPU thread.
public final class LazyZeroedAllocator: Sendable {
    private let reservations = Mutex<[_UnsafeReservation]>([])

    public init() {}

    deinit {
        reservations.withLock { $0.forEach { $0.release() } }
    }

    /// `byteCount` bytes of zero-filled memory, page aligned, valid for the allocator's lifetime.
    package func allocate(byteCount: Int) throws(MetadataAllocationError) -> UnsafeMutableRawPointer {
        guard byteCount > 0 else { throw .invalidByteCount(byteCount) }
        switch _UnsafeReservation.reserve(byteCount: byteCount) {
        case .success(let reservation):
            reservations.withLock { $0.append(reservation) }
            return unsafe reservation.unsafeBaseAddress
        case .failure(let failure):
            throw .reservationFailed(byteCount: byteCount, errno: failure.errno)
        }
    }

    /// The bytes of all allocations the host currently maps (see `PhysicalMemory.residentBytes()`).
    public func residentBytes() -> UInt64 {
        reservations.withLock { $0.reduce(0) { $0 + $1.residentBytes() } }
    }
}
