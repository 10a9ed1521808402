// The RMM's platform layer at S-EL2: its translation tables and fault report.
#include "board.h"
#include "mmu.h"
#include "rmm_boot.h"
#include "runtime.h"

struct mmu_tables rmm_tables;
extern uint64_t __rmm_stacks[];

// The RMM maps the UART, its own region and the DRAM the host may delegate: not EL3's memory nor the host's image.
void rmm_mmu_build(void) {
    const struct mmu_range map[] = {
        {0, DRAM_BASE, MMU_DEVICE},
        {RMM_BASE, RMM_BASE + RMM_SIZE, MMU_NORMAL},
        {NS_BANK_BASE, 0x80000000, MMU_NORMAL},
        {0x80000000, NS_BANK_TOP, MMU_NORMAL},
    };
    mmu_build(&rmm_tables, map, array_count(map));
    // Paint the stacks for the depth figure: all of the secondaries', CPU 0's below this frame.
    uint64_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    stack_paint(__rmm_stacks, (uint64_t *)(sp - 256));
    stack_paint(__rmm_stacks + RMM_STACK_SIZE / 8, __rmm_stacks + BOARD_CPU_COUNT * (RMM_STACK_SIZE / 8));
    struct rmm_boot_manifest *manifest = (struct rmm_boot_manifest *)RMM_SHARED_BUFFER;
    manifest->stacks_base = (uint64_t)__rmm_stacks;
}

// Whether the RMM's stage 1 maps [pa, pa + size): the port answers a failed access rather than take a fault.
int rmm_maps(uint64_t pa, uint64_t size) {
    if (size == 0 || pa + size < pa) return 0;
    for (uint64_t at = pa & ~0x1FFFFFULL; at < pa + size; at += 0x200000)
        if (!mmu_maps(&rmm_tables, at) || at < DRAM_BASE) return 0;
    return 1;
}

uint64_t rmm_interrupt_pending(void) {
    uint64_t isr;
    __asm__ volatile("mrs %0, isr_el1" : "=r"(isr));
    return isr & 0x1C0;  // A, I, F
}

void rmm_report_fault(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far) {
    console_puts("\n*** RMM: exception at S-EL2, vector ");
    console_hex(kind);
    console_puts(" ESR ");
    console_hex(esr);
    console_puts(" ELR ");
    console_hex(elr);
    console_puts(" FAR ");
    console_hex(far);
    console_puts("\n");
    semihosting_exit(3);
}
