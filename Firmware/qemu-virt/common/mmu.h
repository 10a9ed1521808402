// Identity maps for the images' stage 1 (EL3, the RMM's EL2, the host's EL2): a 4 GiB VA space, 4 KB granule,
// level 1 of four 1 GiB entries, and one level 2 table of 2 MiB blocks for the DRAM's first GiB.
#ifndef MMU_H
#define MMU_H
#include <stdint.h>

enum mmu_memory { MMU_DEVICE, MMU_NORMAL };

struct mmu_range {
    uint64_t base, top;  // 2 MiB aligned; a range in [2 GiB, 4 GiB) must be 1 GiB aligned
    enum mmu_memory memory;
};

struct mmu_tables {
    uint64_t level1[512] __attribute__((aligned(4096)));
    uint64_t level2[512] __attribute__((aligned(4096)));  // the GiB at 0x4000_0000
};

// Writes `tables` so that exactly `ranges` are mapped, VA = PA; everything else faults.
void mmu_build(struct mmu_tables *tables, const struct mmu_range *ranges, int count);

// Whether `va` is mapped by `tables` (what a walk would find), for the images' own checks of their maps.
int mmu_maps(const struct mmu_tables *tables, uint64_t va);
#endif
