public import CCAArch

extension GranuleProtectionTable {
    /// Fuses every uniform block of every L1 table up to the largest contiguous size, whether or not it has sat
    /// out the fusing delay: the explicit compaction step EL3 offers (docs/gpt.md, "Fusing"), for a quiet moment
    /// such as a CPU going idle. Afterwards memory that stayed Non-secure or Realm has its full TLB reach back, and
    /// no block is pending any more.
    ///
    /// Takes each lock block's lock in turn, never two at once; with `.tryLock` it skips the blocks another CPU
    /// holds. Fusing changes no GPI, so it needs no TLB invalidation (TF-A's fuse_block issues none).
    ///
    /// - Returns: the maintenance performed: the L1 words written.
    public func compact(lockPolicy: GPTLockPolicy = .wait) -> GPTMaintenance {
        var maintenance = GPTMaintenance.none
        let locksPerRegion = 1 << (l0Shift - options.lockBlockShift)
        for index in 0..<memory.l0Count where memory.loadL0(index) & 0xF == GPTL0Descriptor.tableType {
            for local in 0..<locksPerRegion {
                let lock = index * locksPerRegion + local
                switch lockPolicy {
                case .wait: memory.lock(lock)
                case .tryLock: guard memory.tryLock(lock) else { continue }
                }
                defer { memory.unlock(lock) }
                // Read again under the lock: L1 create and destroy take every lock of the region.
                guard memory.loadL0(index) & 0xF == GPTL0Descriptor.tableType, let table = memory.l1(index) else {
                    continue
                }
                var writer = _L1Writer(table: table, geometry: self)
                fusing.compact(lock: local, writer: &writer)
                memory.setPending(lock, false)
                maintenance.l1DescriptorWrites += writer.writes
            }
        }
        _checkInvariants()
        return maintenance
    }
}
