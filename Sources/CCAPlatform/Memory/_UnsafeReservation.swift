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
/// A reservation made with `trackingWrites` also keeps one bit per 2 MiB chunk (`chunkShift`) that says whether the
/// chunk may hold anything but zeros: set (relaxed) before any write or copy into the chunk, cleared when a wipe
/// covers the whole chunk. `zero` skips the chunks whose bit is clear, so wiping memory that was never written costs
/// no system call. Relaxed ordering is enough because a chunk's bytes and its bit change hands the same way: a wipe
/// that must see a write is ordered after it by the owners' protocol (the RMM scrubs a granule only after the
/// granule's owner released it), and the bit is set before the bytes are written. A wipe of written chunks drops
/// their whole pages when there are 64 KiB of them or more (`inPlaceClearLimit`), and clears smaller ones in place.
///
/// `@unchecked Sendable`: the pointers are immutable after creation, the chunk bits are atomics, and concurrent
/// accesses to disjoint bytes are independent; ordering accesses to the same bytes is the protocol of the caller
/// (the GPT and the RMM's granule locks serialise owners, as on hardware).
@safe
struct _UnsafeReservation: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer
    /// The reserved size in bytes.
    let byteCount: Int
    /// Whether the memory is a shared file mapping (`reserveShared`): dropping its pages needs `MADV_REMOVE`.
    private let shared: Bool
    /// One bit per 2 MiB chunk, 64 to a word: the chunk may have been written since it was last wiped whole.
    /// `nil` when writes are not tracked (every chunk counts as written).
    private let written: UnsafeMutablePointer<Atomic<UInt64>>?

    /// The host's page size.
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    /// log2 of the bytes one written-chunk bit covers: 2 MiB, a transparent huge page.
    static let chunkShift = 21

    private init(base: UnsafeMutableRawPointer, byteCount: Int, shared: Bool = false, trackingWrites: Bool = false) {
        unsafe self.base = unsafe base
        self.byteCount = byteCount
        self.shared = shared
        guard trackingWrites else {
            unsafe written = nil
            return
        }
        let words = Self.chunkWordCount(byteCount)
        let bits = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: words)
        for index in 0..<words { unsafe (bits + index).initialize(to: Atomic(0)) }
        unsafe written = bits
    }

    private static func chunkWordCount(_ byteCount: Int) -> Int {
        let chunks = (byteCount + (1 << chunkShift) - 1) >> chunkShift
        return (chunks + 63) / 64
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
    ///
    /// With `trackingWrites`, the reservation remembers which 2 MiB chunks were written (see the type's comment); only
    /// for memory no one writes behind its back (not `LazyZeroedAllocator`'s, whose base address is handed out).
    static func reserve(
        byteCount: Int, hugePages: Bool = false, trackingWrites: Bool = false
    ) -> Result<_UnsafeReservation, _ReservationFailure> {
        let pointer = unsafe mmap(
            nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let pointer = unsafe pointer, unsafe pointer != MAP_FAILED else {
            return .failure(_ReservationFailure(errno: errno))
        }
        // Only advice: refused (no THP support), the reservation works the same with small pages.
        if hugePages { _ = unsafe madvise(pointer, byteCount, MADV_HUGEPAGE) }
        return unsafe .success(_UnsafeReservation(base: pointer, byteCount: byteCount, trackingWrites: trackingWrites))
    }

    /// The first byte of the reservation, for the one client that must hand raw memory on
    /// (`LazyZeroedAllocator`, whose callers own the memory for the allocator's lifetime).
    var unsafeBaseAddress: UnsafeMutableRawPointer { unsafe base }

    /// `[offset, offset + count)` for a client that keeps its own data there and writes it through the pointer (the
    /// RMM's granule words in donated metadata granules): marked written now, so a later wipe zeroes it for real.
    func writablePointer(at offset: Int, count: Int) -> UnsafeMutableRawPointer {
        checkBounds(offset, count)
        markWritten(at: offset, count: count)
        return unsafe base + offset
    }

    /// Returns the address space to the host. The reservation must not be used afterwards.
    func release() {
        unsafe munmap(base, byteCount)
        if let written = unsafe written {
            unsafe written.deinitialize(count: Self.chunkWordCount(byteCount))
            unsafe written.deallocate()
        }
    }

    /// Notes that `[offset, offset + count)` is about to be written (nothing when writes are not tracked).
    private func markWritten(at offset: Int, count: Int) {
        guard let written = unsafe written, count > 0 else { return }
        let last = (offset + count - 1) >> Self.chunkShift
        for chunk in (offset >> Self.chunkShift)...last {
            let bit: UInt64 = 1 << UInt64(chunk & 63)
            // Relaxed (see the type's comment); a plain load first keeps written chunks free of read-modify-writes.
            if unsafe written[chunk >> 6].load(ordering: .relaxed) & bit == 0 {
                unsafe written[chunk >> 6].bitwiseOr(bit, ordering: .relaxed)
            }
        }
    }

    /// Whether chunk `chunk` may hold anything but zeros.
    private func isWritten(_ chunk: Int) -> Bool {
        guard let written = unsafe written else { return true }
        // Relaxed: see the type's comment.
        return unsafe written[chunk >> 6].load(ordering: .relaxed) & (1 << UInt64(chunk & 63)) != 0
    }

    /// Forgets the writes of chunk `chunk`, which a wipe is about to cover whole.
    private func forget(_ chunk: Int) {
        guard let written = unsafe written else { return }
        let bit: UInt64 = 1 << UInt64(chunk & 63)
        if unsafe written[chunk >> 6].load(ordering: .relaxed) & bit != 0 {
            // Relaxed: see the type's comment. Cleared before the wipe, so a write racing it (which the owners'
            // protocol forbids anyway) would set the bit again rather than be forgotten.
            unsafe written[chunk >> 6].bitwiseAnd(~bit, ordering: .relaxed)
        }
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

    /// The offset of the first non-zero byte in `[offset, offset + count)`, read in place, or `nil`: chunks never
    /// written (since last wiped whole) hold zeros and are not read; the rest is read eight bytes at a time.
    func firstNonZeroByte(at offset: Int, count: Int) -> Int? {
        checkBounds(offset, count)
        let end = offset + count
        var cursor = offset
        while cursor < end {
            let chunkEnd = Swift.min(end, ((cursor >> Self.chunkShift) + 1) << Self.chunkShift)
            defer { cursor = chunkEnd }
            guard isWritten(cursor >> Self.chunkShift) else { continue }
            var at = cursor
            while at + 8 <= chunkEnd {
                let word = unsafe (base + at).loadUnaligned(as: UInt64.self)
                if word != 0 { break }
                at += 8
            }
            while at < chunkEnd {
                let byte = unsafe (base + at).load(as: UInt8.self)
                if byte != 0 { return at }
                at += 1
            }
        }
        return nil
    }

    /// Copies `source` into the reservation at `offset`.
    func write(at offset: Int, from source: UnsafeRawBufferPointer) {
        checkBounds(offset, source.count)
        guard let origin = source.baseAddress, source.count > 0 else { return }
        markWritten(at: offset, count: source.count)
        unsafe (base + offset).copyMemory(from: origin, byteCount: source.count)
    }

    /// Zeroes `count` bytes at `offset`: chunks never written (since last wiped whole) are skipped, they hold zeros;
    /// in the others, whole host pages are dropped (`MADV_DONTNEED`, so they stop costing memory and read as zero)
    /// and the partial pages at either end are cleared in place, one `madvise` per run of written chunks.
    ///
    /// - Returns: the `madvise` calls made.
    func zero(at offset: Int, count: Int) -> Int {
        checkBounds(offset, count)
        guard count > 0 else { return 0 }
        let end = offset + count
        var calls = 0
        var cursor = offset
        while cursor < end {
            let chunkEnd = Swift.min(end, ((cursor >> Self.chunkShift) + 1) << Self.chunkShift)
            guard isWritten(cursor >> Self.chunkShift) else {
                cursor = chunkEnd
                continue
            }
            var runEnd = chunkEnd
            while runEnd < end && isWritten(runEnd >> Self.chunkShift) {
                runEnd = Swift.min(end, ((runEnd >> Self.chunkShift) + 1) << Self.chunkShift)
            }
            // The chunks the run covers whole hold zeros after it (the reservation's last chunk may be short).
            let chunkBytes = 1 << Self.chunkShift
            let firstWhole = (cursor + chunkBytes - 1) >> Self.chunkShift
            let endWhole = (runEnd == byteCount ? runEnd + chunkBytes - 1 : runEnd) >> Self.chunkShift
            if firstWhole < endWhole { for chunk in firstWhole..<endWhole { forget(chunk) } }
            calls += clear(at: cursor, count: runEnd - cursor)
            cursor = runEnd
        }
        return calls
    }

    /// Below this many bytes of whole host pages, a wipe clears them in place rather than dropping them: in a process
    /// with several threads, `madvise` sends every other CPU a TLB shootdown, microseconds a call, where clearing
    /// 64 KiB costs about as much; a larger wipe drops its pages, so it also gives their memory back.
    static let inPlaceClearLimit = 64 << 10

    /// Zeroes `count` bytes at `offset`, dropping the whole host pages if they make `inPlaceClearLimit` bytes or
    /// more; returns the `madvise` calls made (0 or 1).
    private func clear(at offset: Int, count: Int) -> Int {
        let page = Self.pageSize
        let start = offset
        let end = offset + count
        let firstWholePage = (start + page - 1) / page * page
        let endOfWholePages = end / page * page
        guard firstWholePage < endOfWholePages, endOfWholePages - firstWholePage >= Self.inPlaceClearLimit else {
            unsafe memset(base + start, 0, count)
            return 0
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
        return 1
    }

    /// Copies `count` bytes from `sourceOffset` in `source` to `offset` in this reservation (overlap allowed).
    func copy(to offset: Int, from source: _UnsafeReservation, at sourceOffset: Int, count: Int) {
        checkBounds(offset, count)
        source.checkBounds(sourceOffset, count)
        guard count > 0 else { return }
        markWritten(at: offset, count: count)
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
