#include "board.h"
#include "runtime.h"
#include "mmu.h"
#include <stdint.h>
struct mmu_tables host_tables;
struct res { uint64_t x0, x1, x2, x3, x4; };
void host_smc(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, struct res *);
void host_mmu_build(void) {
    const struct mmu_range map[] = {
        {0, DRAM_BASE, MMU_DEVICE},
        {HOST_BASE, NS_BANK_TOP > 0x80000000 ? 0x80000000 : NS_BANK_TOP, MMU_NORMAL},
        {0x80000000, NS_BANK_TOP, MMU_NORMAL},
    };
    mmu_build(&host_tables, map, array_count(map));
}
void host_main(uint64_t cpu, uint64_t context) {
    struct res r;
    host_smc(0xC4000150, 0x20000, 0, 0, 0, 0, 0, &r);
    console_puts("version "); console_hex(r.x0); console_puts(" "); console_hex(r.x1); console_puts("\n");
    int ok = r.x0 == 0 && r.x1 == 0x20000;
    console_puts(ok ? "1 passed, 0 failed\n" : "0 passed, 1 failed\n");
    host_smc(SIP_BOARD_EXIT, !ok, 0, 0, 0, 0, 0, &r);
}
void host_fault(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far) {
    console_puts("host fault "); console_hex(kind); console_hex(esr); console_hex(elr); console_hex(far);
    semihosting_exit(5);
}
