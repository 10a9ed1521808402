// The buffer EL3 and the RMM share at RMM_SHARED_BUFFER (the role of TF-A's RMM boot manifest): EL3 writes the
// memory layout before the RMM's cold boot; the RMM writes figures EL3 reports. 64-bit words only: the RMM reads
// it from Swift by word index (RMMBootWord in rmm/RMMFirmware.swift).
#ifndef RMM_BOOT_H
#define RMM_BOOT_H
#include <stdint.h>

#define RMM_BOOT_MAX_BANKS 4
#define RMM_BOOT_MAX_L1_REGIONS 4

struct rmm_boot_manifest {
    uint64_t version;                   // 0: RMM_BOOT_VERSION
    uint64_t physical_address_bits;     // 1
    uint64_t granule_shift;             // 2
    uint64_t l0_region_bits;            // 3
    uint64_t cpu_count;                 // 4
    uint64_t bank_count;                // 5
    struct { uint64_t base, size; } banks[RMM_BOOT_MAX_BANKS];  // 6...13
    uint64_t platform_l1_count;         // 14
    uint64_t platform_l1_regions[RMM_BOOT_MAX_L1_REGIONS];     // 15...18
    // Written by the RMM:
    uint64_t heap_used;                 // 19: bytes of heap after the cold boot
    uint64_t heap_allocations;          // 20
    uint64_t stacks_base;               // 21: the RMM's per-CPU stacks, RMM_STACK_SIZE each
    uint64_t boot_ticks;                // 22: counter ticks the cold boot took
    uint64_t heap_used_now;             // 23: refreshed on every RMI call
    uint64_t call_allocations;          // 24: heap allocations made serving RMI calls other than RMM_ACTIVATE
};
#endif
