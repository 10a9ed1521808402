import Glibc
import Synchronization

/// Distinguishes the shared memory objects of one process (relaxed: only uniqueness matters).
private let sharedCounter = Atomic<UInt64>(0)

/// One region's reserved address space: the only type in the platform that holds raw pointers.
///
/// The reservation is `mmap(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)`: the kernel
/// commits a page of real memory only when it is first written, and untouched pages read as zero. Every
/// operation takes offsets the caller (`PhysicalMemory`) has already checked against `byteCount`; the bounds are
/// re-checked here with preconditions because a wrong offset would corrupt the process, not the model.
///
/// `@unchecked Sendable`: the pointer is immutable after creation, and concurrent accesses to disjoint bytes are
/// independent; ordering accesses to the same bytes is the protocol of the caller (the GPT and the RMM's granule
/// locks serialise owners, as on hardware).
@safe
struct _UnsafeReservation: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer
    /// The reserved size in bytes.
    let byteCount: Int
    /// Whether the memory is a shared file mapping (`reserveShared`): dropping its pages needs `MADV_REMOVE`.
    private let shared: Bool

    /// The host's page size.
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    private init(base: UnsafeMutableRawPointer, byteCount: Int, shared: Bool = false) {
        unsafe self.base = unsafe base
        self.byteCount = byteCount
        self.shared = shared
    }

    /// Reserves `byteCount` bytes as `reserve` does, but backed by an anonymous memory file mapped twice: the
    /// reservation (the model's own access path) and a second mapping of the same pages, returned beside it, that
    /// the host view (`HostMemoryView`) protects granule run by granule run. Pages are still committed on first
    /// write; huge pages are not advised (shared memory gets them only where the kernel's shmem setting says so).
    static func reserveShared(
        byteCount: Int
    ) -> Result<(_UnsafeReservation, UnsafeMutableRawPointer), _ReservationFailure> {
        // A POSIX shared memory object, unlinked at once: only the two mappings keep it (memfd_create is not
        // visible to Swift's Glibc module).
        let name = "/swift-rmm-dram-\(getpid())-\(sharedCounter.add(1, ordering: .relaxed).newValue)"
        let file = unsafe shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard file >= 0 else { return unsafe .failure(_ReservationFailure(errno: errno)) }
        unsafe shm_unlink(name)
        defer { close(file) }
        guard ftruncate(file, off_t(byteCount)) == 0 else { return unsafe .failure(_ReservationFailure(errno: errno)) }
        let primary = unsafe mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, file, 0)
        guard let primary = unsafe primary, unsafe primary != MAP_FAILED else {
            return unsafe .failure(_ReservationFailure(errno: errno))
        }
        let view = unsafe mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, file, 0)
        guard let view = unsafe view, unsafe view != MAP_FAILED else {
            let failure = errno
            unsafe munmap(primary, byteCount)
            return unsafe .failure(_ReservationFailure(errno: failure))
        }
        return unsafe .success((_UnsafeReservation(base: primary, byteCount: byteCount, shared: true), view))
    }

    /// Reserves `byteCount` bytes of lazily backed, zero-filled address space; fails with the `errno` of `mmap`.
    ///
    /// With `hugePages`, the range is advised `MADV_HUGEPAGE` (as QEMU advises guest RAM): where the kernel's
    /// transparent huge pages allow it, a first write commits a whole 2 MiB page, and wiping whole 2 MiB pages
    /// returns them in one step instead of 512, about ten times cheaper than clearing them. Memory then costs
    /// per 2 MiB block written rather than per 4 KiB page; a wipe of part of a huge page splits it and drops only
    /// the wiped small pages. Where huge pages are off, nothing changes.
    static func reserve(byteCount: Int, hugePages: Bool = false) -> Result<_UnsafeReservation, _ReservationFailure> {
        let pointer = unsafe mmap(
            nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let pointer = unsafe pointer, unsafe pointer != MAP_FAILED else {
            return .failure(_ReservationFailure(errno: errno))
        }
        // Only advice: refused (no THP support), the reservation works the same with small pages.
        if hugePages { _ = unsafe madvise(pointer, byteCount, MADV_HUGEPAGE) }
        return unsafe .success(_UnsafeReservation(base: pointer, byteCount: byteCount))
    }

    /// The first byte of the reservation, for the one client that must hand raw memory on
    /// (`LazyZeroedAllocator`, whose callers own the memory for the allocator's lifetime).
    var unsafeBaseAddress: UnsafeMutableRawPointer { unsafe base }

    /// Returns the address space to the host. The reservation must not be used afterwards.
    func release() {
        unsafe munmap(base, byteCount)
    }

    private func checkBounds(_ offset: Int, _ count: Int) {
        precondition(offset >= 0 && count >= 0 && count <= byteCount - offset, "reservation access out of bounds")
    }

    /// Copies `destination.count` bytes at `offset` out of the reservation.
    func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer) {
        checkBounds(offset, destination.count)
        guard let target = destination.baseAddress, destination.count > 0 else { return }
        unsafe target.copyMemory(from: base + offset, byteCount: destination.count)
    }

    /// Copies `source` into the reservation at `offset`.
    func write(at offset: Int, from source: UnsafeRawBufferPointer) {
        checkBounds(offset, source.count)
        guard let origin = source.baseAddress, source.count > 0 else { return }
        unsafe (base + offset).copyMemory(from: origin, byteCount: source.count)
    }

    /// Zeroes `count` bytes at `offset`: whole host pages are dropped (`MADV_DONTNEED`, so they stop costing
    /// memory and read as zero), the partial pages at either end are cleared in place.
    func zero(at offset: Int, count: Int) {
        checkBounds(offset, count)
        guard count > 0 else { return }
        let page = Self.pageSize
        let start = offset
        let end = offset + count
        let firstWholePage = (start + page - 1) / page * page
        let endOfWholePages = end / page * page
        guard firstWholePage < endOfWholePages else {
            unsafe memset(base + start, 0, count)
            return
        }
        if start < firstWholePage { unsafe memset(base + start, 0, firstWholePage - start) }
        // A shared mapping keeps its pages in the file after MADV_DONTNEED: MADV_REMOVE frees them (zero on read).
        if unsafe madvise(base + firstWholePage, endOfWholePages - firstWholePage, shared ? MADV_REMOVE : MADV_DONTNEED)
            != 0
        {
            // The advice is only refused for arguments this type already checked; clear in place regardless.
            unsafe memset(base + firstWholePage, 0, endOfWholePages - firstWholePage)
        }
        if endOfWholePages < end { unsafe memset(base + endOfWholePages, 0, end - endOfWholePages) }
    }

    /// Copies `count` bytes from `sourceOffset` in `source` to `offset` in this reservation (overlap allowed).
    func copy(to offset: Int, from source: _UnsafeReservation, at sourceOffset: Int, count: Int) {
        checkBounds(offset, count)
        source.checkBounds(sourceOffset, count)
        guard count > 0 else { return }
        unsafe memmove(base + offset, source.base + sourceOffset, count)
    }

    /// The bytes of the reservation the host currently backs with memory, counted with `mincore`.
    func residentBytes() -> UInt64 {
        let page = Self.pageSize
        // One status byte per page; 1 GiB of address per call keeps the vector at 256 KiB for 4 KiB pages.
        let chunk = Swift.min(byteCount, 1 << 30)
        var status = [UInt8](repeating: 0, count: (chunk + page - 1) / page)
        var resident: UInt64 = 0
        var offset = 0
        while offset < byteCount {
            let length = Swift.min(chunk, byteCount - offset)
            let pages = (length + page - 1) / page
            let result = unsafe status.withUnsafeMutableBufferPointer {
                unsafe mincore(base + offset, length, $0.baseAddress)
            }
            if result == 0 {
                unsafe resident += UInt64(page) * status.withUnsafeBytes { unsafe Self.countResident($0, pages: pages) }
            }
            offset += length
        }
        return resident
    }

    /// The number of `mincore` status bytes among the first `pages` whose residency bit (bit 0) is set, read
    /// eight at a time so that the empty stretches of a mostly untouched terabyte cost little.
    private static func countResident(_ status: UnsafeRawBufferPointer, pages: Int) -> UInt64 {
        let residencyBits: UInt64 = 0x0101_0101_0101_0101
        var count: UInt64 = 0
        var index = 0
        while index + 8 <= pages {
            let word = unsafe status.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if word != 0 { count += UInt64((word & residencyBits).nonzeroBitCount) }
            index += 8
        }
        while index < pages {
            if unsafe status[index] & 1 != 0 { count += 1 }
            index += 1
        }
        return count
    }
}

/// The `errno` of a failed reservation.
struct _ReservationFailure: Error {
    let errno: Int32
}
