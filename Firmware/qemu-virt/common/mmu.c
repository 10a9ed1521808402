#include "mmu.h"
#include "board.h"

#define DESC_BLOCK 0x1ULL
#define DESC_TABLE 0x3ULL
#define DESC_ATTR(index) ((uint64_t)(index) << 2)  // MAIR index: 0 Device-nGnRnE, 1 Normal write-back
#define DESC_INNER_SHAREABLE (3ULL << 8)
#define DESC_AF (1ULL << 10)
#define DESC_XN (1ULL << 54)

static uint64_t block(uint64_t pa, enum mmu_memory memory) {
    if (memory == MMU_DEVICE) return pa | DESC_BLOCK | DESC_ATTR(0) | DESC_AF | DESC_XN;
    return pa | DESC_BLOCK | DESC_ATTR(1) | DESC_INNER_SHAREABLE | DESC_AF;
}

void mmu_build(struct mmu_tables *tables, const struct mmu_range *ranges, int count) {
    for (int i = 0; i < 512; i++) tables->level1[i] = tables->level2[i] = 0;
    tables->level1[1] = (uint64_t)(uintptr_t)tables->level2 | DESC_TABLE;
    for (int r = 0; r < count; r++) {
        const struct mmu_range *range = &ranges[r];
        uint64_t pa = range->base;
        while (pa < range->top) {
            if (pa >= 0x40000000 && pa < 0x80000000) {
                tables->level2[(pa >> 21) & 511] = block(pa, range->memory);
                pa += 1ULL << 21;
            } else {
                tables->level1[pa >> 30] = block(pa, range->memory);
                pa += 1ULL << 30;
            }
        }
    }
}

int mmu_maps(const struct mmu_tables *tables, uint64_t va) {
    if (va >= (1ULL << 32)) return 0;
    uint64_t entry = tables->level1[va >> 30];
    if ((entry & 3) == DESC_TABLE) entry = tables->level2[(va >> 21) & 511];
    return (entry & 3) == DESC_BLOCK;
}
