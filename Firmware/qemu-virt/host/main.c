// The host's run: bring the RMM up, delegate and undelegate as a kernel does, drive GPT L1 creation and
// destruction (stateful operations), check what the world switch must keep, then start the other CPUs with PSCI
// and have all of them call the RMM at once. One line per check; the last line is "N passed, M failed".
#include "board.h"
#include "mmu.h"
#include "rmi.h"
#include "runtime.h"

struct mmu_tables host_tables;

uint64_t host_probe_read(uint64_t va);
uint64_t host_smc_keeps_simd(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                             uint64_t a6);
uint64_t host_smc_keeps_registers(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                                  uint64_t a6);

// The bank, as the host carves it (all inside [NS_BANK_BASE, NS_BANK_TOP)).
#define POOL_BASE       0x44000000ULL   // 32 MiB: pages for the host's own use (config, lists, donations)
#define PAGES_BASE      0x46000000ULL   // single pages the checks delegate
#define TIMED_BASE      0x48000000ULL   // the 64 MiB range delegation timed below
#define TIMED_SIZE      (64ULL << 20)
#define CPU_RANGE_BASE  0x50000000ULL   // one 32 MiB range per CPU for the concurrent run
#define CPU_RANGE_SIZE  (32ULL << 20)
#define SHARED_BASE     0x5C000000ULL   // 64 pages every CPU delegates and undelegates at once
#define SHARED_PAGES    64
#define ROUNDS          4

#define GPI_NON_SECURE  0x9
#define GPI_ROOT        0xA
#define GPI_REALM       0xB

// The host's stage 1 maps the devices, its own image and the bank: neither EL3's nor the RMM's memory.
void host_mmu_build(void) {
    const struct mmu_range map[] = {
        {0, DRAM_BASE, MMU_DEVICE},
        {HOST_BASE, 0x80000000, MMU_NORMAL},
        {0x80000000, NS_BANK_TOP, MMU_NORMAL},
    };
    mmu_build(&host_tables, map, array_count(map));
}

// --- Checks ---
static uint32_t passed, failed;

static void check(int ok, unsigned cpu, const char *what, uint64_t detail) {
    console_lock();
    console_puts(ok ? "[ok]   " : "[FAIL] ");
    console_puts("cpu");
    console_dec(cpu);
    console_puts(" ");
    console_puts(what);
    if (!ok) {
        console_puts(" (got ");
        console_hex(detail);
        console_puts(")");
    }
    console_puts("\n");
    console_unlock();
    __atomic_fetch_add(ok ? &passed : &failed, 1, __ATOMIC_RELAXED);
}

static void note(const char *what, uint64_t value, const char *unit) {
    console_lock();
    console_puts("[info] ");
    console_puts(what);
    console_dec(value);
    console_puts(unit);
    console_puts("\n");
    console_unlock();
}

static uint64_t gpi(phys_addr_t pa) {
    struct arm_smccc_res res;
    rmi_smc(SIP_BOARD_GPI_GET, pa, 0, 0, &res);
    return res.a0 == 0 ? res.a1 : 0xFF;
}

static int range_gpi_is(phys_addr_t base, uint64_t size, uint64_t expected) {
    for (phys_addr_t pa = base; pa < base + size; pa += RMM_PAGE_SIZE)
        if (gpi(pa) != expected) return 0;
    return 1;
}

// --- Bring-up: the order of a kernel's RMI initialisation ---
static void bring_up(void) {
    struct arm_smccc_res res;
    int version = rmi_check_version();
    check(version == 0, 0, "RMI_VERSION(2.0): SUCCESS, lower revision 2.x", (uint64_t)version);
    rmi_smc(PSCI_VERSION, 0, 0, 0, &res);
    check(res.a0 == 0x10001, 0, "PSCI_VERSION from EL3: 1.1", res.a0);
    rmi_smc(0xC4000500, 0, 0, 0, &res);
    check(res.a0 == SMCCC_NOT_SUPPORTED, 0, "a FID outside every service: EL3 answers NOT_SUPPORTED", res.a0);
    rmi_smc(0xC40003F0, 0, 0, 0, &res);
    check(res.a0 == SMCCC_NOT_SUPPORTED, 0, "an unassigned FID in the RMI range: the RMM answers NOT_SUPPORTED",
          res.a0);
    rmi_smc(SMC_RMI_FEATURES, 0, 0, 0, &res);
    check(RMI_RETURN_STATUS(res.a0) == RMI_SUCCESS, 0, "RMI_FEATURES(0)", res.a0);
    check(rmi_rmm_state() == 0, 0, "RMI_RMM_STATE_GET before activation: INIT", rmi_rmm_state());
    rmi_smc(SMC_RMI_GRANULE_RANGE_DELEGATE, PAGES_BASE, PAGES_BASE + RMM_PAGE_SIZE, 0, &res);
    check(RMI_RETURN_STATUS(res.a0) == RMI_ERROR_GLOBAL, 0, "RANGE_DELEGATE before activation: RMI_ERROR_GLOBAL",
          res.a0);
    phys_addr_t config = host_alloc_pages(RMM_PAGE_SIZE, RMM_PAGE_SIZE);
    int status = rmi_rmm_config_set(config);
    check(status == RMI_SUCCESS, 0, "RMI_RMM_CONFIG_SET(4 KB granules, 1 GiB tracking regions)", (uint64_t)status);
    host_free_pages(config, RMM_PAGE_SIZE);
    status = rmi_rmm_activate();
    check(status == RMI_SUCCESS, 0, "RMI_RMM_ACTIVATE", (uint64_t)status);
    check(rmi_rmm_state() == 1, 0, "RMI_RMM_STATE_GET after activation: ACTIVE", rmi_rmm_state());
    // Every granule of the bank is CONVENTIONAL and FINE: follow out_top (X3) to the bank's end.
    phys_addr_t cursor = NS_BANK_BASE;
    uint64_t calls = 0;
    while (cursor < NS_BANK_TOP && calls < 16) {
        rmi_smc(SMC_RMI_GRANULE_TRACKING_GET, cursor, NS_BANK_TOP, 0, &res);
        calls++;
        if (RMI_RETURN_STATUS(res.a0) != RMI_SUCCESS || res.a1 != RMI_MEM_CATEGORY_CONVENTIONAL ||
            res.a2 != RMI_TRACKING_FINE || res.a3 <= cursor)
            break;
        cursor = res.a3;
    }
    check(cursor == NS_BANK_TOP, 0, "GRANULE_TRACKING_GET: the bank is CONVENTIONAL and FINE to its top", cursor);
}

// --- Delegation ---
static void delegation(void) {
    // Twice: the first round touches guest RAM QEMU has not backed yet, the second is warm.
    for (int round = 0; round < 2; round++) {
        phys_addr_t done;
        uint64_t smcs;
        uint64_t t0 = counter_ticks();
        uint64_t ret = rmi_delegate_range(TIMED_BASE, TIMED_SIZE, &done, &smcs);
        uint64_t t1 = counter_ticks();
        check(ret == RMI_SUCCESS && done == TIMED_BASE + TIMED_SIZE, 0, "RANGE_DELEGATE of 64 MiB following out_top",
              ret);
        note(round ? "64 MiB range delegation (warm), us: " : "64 MiB range delegation (cold), us: ",
             ticks_to_us(t1 - t0), "");
        note("  SMCs: ", smcs, "");
        check(gpi(TIMED_BASE) == GPI_REALM && gpi(TIMED_BASE + TIMED_SIZE - RMM_PAGE_SIZE) == GPI_REALM &&
                  gpi(TIMED_BASE + TIMED_SIZE) == GPI_NON_SECURE,
              0, "GPT: the 64 MiB are Realm, the granule past them Non-secure", gpi(TIMED_BASE));
        t0 = counter_ticks();
        ret = rmi_undelegate_range(TIMED_BASE, TIMED_SIZE, &done, &smcs);
        t1 = counter_ticks();
        check(ret == RMI_SUCCESS && done == TIMED_BASE + TIMED_SIZE, 0,
              "RANGE_UNDELEGATE of 64 MiB following out_top", ret);
        note(round ? "64 MiB range undelegation with scrub (warm), us: "
                   : "64 MiB range undelegation with scrub (cold), us: ",
             ticks_to_us(t1 - t0), "");
        note("  SMCs: ", smcs, "");
        check(range_gpi_is(TIMED_BASE, TIMED_SIZE, GPI_NON_SECURE), 0, "GPT: all 64 MiB are Non-secure again", 0);
    }

    // The scrub: what the host wrote before delegation is gone after undelegation.
    phys_addr_t page = PAGES_BASE;
    memset((void *)page, 0xA5, RMM_PAGE_SIZE);
    uint64_t ret = rmi_delegate_page(page);
    check(ret == RMI_SUCCESS && gpi(page) == GPI_REALM, 0, "rmi_delegate_page", ret);
    ret = rmi_delegate_page(page);
    check(ret == RMI_SUCCESS && gpi(page) == GPI_REALM, 0, "rmi_delegate_page again: already delegated, progress",
          ret);
    ret = rmi_undelegate_page(page);
    check(ret == RMI_SUCCESS && gpi(page) == GPI_NON_SECURE, 0, "rmi_undelegate_page", ret);
    const uint64_t *words = (const uint64_t *)page;
    uint64_t nonzero = 0;
    for (unsigned i = 0; i < RMM_PAGE_SIZE / 8; i++) nonzero += words[i] != 0;
    check(nonzero == 0, 0, "undelegation scrubbed the page the host had filled", nonzero);

    struct arm_smccc_res res;
    rmi_smc(SMC_RMI_GRANULE_RANGE_DELEGATE, page + 8, page + RMM_PAGE_SIZE, 0, &res);
    check(RMI_RETURN_STATUS(res.a0) == RMI_ERROR_INPUT, 0, "RANGE_DELEGATE with an unaligned base: ERROR_INPUT",
          res.a0);
    rmi_smc(SMC_RMI_GRANULE_RANGE_DELEGATE, page + RMM_PAGE_SIZE, page, 0, &res);
    check(RMI_RETURN_STATUS(res.a0) == RMI_ERROR_INPUT, 0, "RANGE_DELEGATE with top below base: ERROR_INPUT", res.a0);
    rmi_smc(SMC_RMI_GRANULE_RANGE_DELEGATE, RMM_BASE, RMM_BASE + RMM_PAGE_SIZE, 0, &res);
    check(RMI_RETURN_STATUS(res.a0) != RMI_SUCCESS && gpi(RMM_BASE) == GPI_REALM, 0,
          "RANGE_DELEGATE of the RMM's own memory is refused", res.a0);
    rmi_smc(0xC4000402, page, 1, GPI_REALM, &res);  // FIRME_GM_GPI_SET
    check(res.a0 == SMCCC_NOT_SUPPORTED && gpi(page) == GPI_NON_SECURE, 0,
          "EL3's granule service refuses the Non-secure world", res.a0);
}

// --- What the world switch must keep, and what the host must not reach ---
static void isolation(void) {
    uint64_t esr = host_probe_read(RMM_BASE);
    check((esr >> 26) == 0x25, 0, "a host load from the RMM's memory faults (not mapped at NS-EL2)", esr);
    esr = host_probe_read(EL3_BASE);
    check((esr >> 26) == 0x25, 0, "a host load from EL3's memory faults", esr);
    check(gpi(RMM_BASE) == GPI_REALM && gpi(RMM_BASE + RMM_SIZE - RMM_PAGE_SIZE) == GPI_REALM, 0,
          "GPT: the RMM's memory is Realm", gpi(RMM_BASE));
    uint64_t changed = host_smc_keeps_simd(SMC_RMI_GRANULE_RANGE_DELEGATE, TIMED_BASE, TIMED_BASE + SZ_2M, 0, 0, 0, 0);
    check(changed == 0, 0, "V0-V31 survive an RMI call that runs Swift at S-EL2", changed);
    changed = host_smc_keeps_registers(SMC_RMI_GRANULE_RANGE_UNDELEGATE, TIMED_BASE, TIMED_BASE + SZ_2M, 0, 0, 0, 0);
    check(changed == 0, 0, "X7-X28 survive an RMI call", changed);
    uint64_t tpidr = 0x7E57ED0000000000ULL | counter_ticks() >> 16, vbar, ttbr, after, vbar_after, ttbr_after;
    __asm__ volatile("msr tpidr_el2, %0" : : "r"(tpidr));
    __asm__ volatile("mrs %0, vbar_el2; mrs %1, ttbr0_el2" : "=r"(vbar), "=r"(ttbr));
    check(rmi_check_version() == 0, 0, "RMI_VERSION again", 0);
    __asm__ volatile("mrs %0, tpidr_el2; mrs %1, vbar_el2; mrs %2, ttbr0_el2"
                     : "=r"(after), "=r"(vbar_after), "=r"(ttbr_after));
    check(after == tpidr && vbar_after == vbar && ttbr_after == ttbr, 0,
          "TPIDR_EL2, VBAR_EL2, TTBR0_EL2 survive the switch to the RMM's EL2", after);
    check(range_gpi_is(TIMED_BASE, SZ_2M, GPI_NON_SECURE), 0, "the 2 MiB of those calls are Non-secure again", 0);
}

// --- GPT L1 tables the host creates and destroys: stateful operations with donation and reclaim ---
static void l1_tables(void) {
    struct rmi_sro_stats stats;
    phys_addr_t probe = HOST_L1_REGION + 0x10000000;
    uint64_t ret = rmi_delegate_page(probe);
    check(RMI_RETURN_STATUS(ret) != RMI_SUCCESS && gpi(probe) == GPI_NON_SECURE, 0,
          "delegation in a GiB without an L1 GPT table is refused", ret);
    ret = rmi_sro_execute(SMC_RMI_GPT_L1_CREATE, HOST_L1_REGION, 0, &stats);
    check(RMI_RETURN_STATUS(ret) == RMI_SUCCESS && stats.donations >= 1 && stats.donated_granules >= 1, 0,
          "GPT_L1_CREATE driven to SUCCESS, the table's memory donated", ret);
    note("GPT_L1_CREATE: granules donated ", stats.donated_granules, "");
    check(gpi(stats.last_donated) == GPI_ROOT, 0, "GPT: the donated table is Root", gpi(stats.last_donated));
    phys_addr_t table = stats.last_donated;
    ret = rmi_delegate_page(probe);
    check(ret == RMI_SUCCESS && gpi(probe) == GPI_REALM, 0, "delegation in that GiB now succeeds", ret);
    ret = rmi_undelegate_page(probe);
    check(ret == RMI_SUCCESS && gpi(probe) == GPI_NON_SECURE, 0, "and undelegation", ret);
    ret = rmi_sro_execute(SMC_RMI_GPT_L1_DESTROY, HOST_L1_REGION, 0, &stats);
    check(RMI_RETURN_STATUS(ret) == RMI_SUCCESS && stats.reclaims >= 1 && stats.last_reclaimed == table, 0,
          "GPT_L1_DESTROY driven to SUCCESS, the table's memory reclaimed", ret);
    check(gpi(table) == GPI_NON_SECURE, 0, "GPT: the reclaimed table is Non-secure", gpi(table));
}

// --- Several CPUs at once ---
static uint32_t cpus_started, cpus_done;

// Each CPU: its own 32 MiB range delegated and undelegated ROUNDS times, every call answering SUCCESS; and the
// shared pages delegated and undelegated one by one, racing the others. Racing on one granule is outside a
// kernel's discipline, so there the RMM may also answer RMI_ERROR_INPUT (the granule changed state under the
// call: the project's AllowedStatuses for range commands); RMI_BUSY and RMI_BLOCKED are retried by the range loop.
static uint64_t shared_refusals;
static void concurrent_run(unsigned cpu) {
    phys_addr_t base = CPU_RANGE_BASE + cpu * CPU_RANGE_SIZE;
    uint64_t failures = 0, first = 0;  // first: the step (bits 63:56) and status of the first failure
#define EXPECT(step, condition, status)                                          \
    do {                                                                         \
        if (!(condition)) {                                                      \
            if (!failures++) first = ((uint64_t)(step) << 56) | (status);        \
        }                                                                        \
    } while (0)
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t ret = rmi_delegate_range(base, CPU_RANGE_SIZE, 0, 0);
        EXPECT(1, ret == RMI_SUCCESS, ret);
        EXPECT(2, gpi(base) == GPI_REALM && gpi(base + CPU_RANGE_SIZE - RMM_PAGE_SIZE) == GPI_REALM, gpi(base));
        ret = rmi_undelegate_range(base, CPU_RANGE_SIZE, 0, 0);
        EXPECT(3, ret == RMI_SUCCESS, ret);
        for (unsigned i = 0; i < SHARED_PAGES; i++) {
            phys_addr_t page = SHARED_BASE + ((i + cpu * 7) % SHARED_PAGES) * RMM_PAGE_SIZE;
            ret = rmi_delegate_page(page);
            EXPECT(4, ret == RMI_SUCCESS || ret == RMI_ERROR_INPUT, ret);
            if (ret == RMI_ERROR_INPUT) __atomic_fetch_add(&shared_refusals, 1, __ATOMIC_RELAXED);
            ret = rmi_undelegate_page(page);
            EXPECT(5, ret == RMI_SUCCESS || ret == RMI_ERROR_INPUT, ret);
            if (ret == RMI_ERROR_INPUT) __atomic_fetch_add(&shared_refusals, 1, __ATOMIC_RELAXED);
        }
    }
#undef EXPECT
    check(failures == 0, cpu, "concurrent delegation: SUCCESS on its range, an allowed answer on shared pages",
          first);
    check(range_gpi_is(base, CPU_RANGE_SIZE, GPI_NON_SECURE), cpu, "its 32 MiB are Non-secure at the end", 0);
}

static void secondary_main(unsigned cpu) {
    __atomic_fetch_add(&cpus_started, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&cpus_started, __ATOMIC_ACQUIRE) < BOARD_CPU_COUNT) {}
    concurrent_run(cpu);
    __atomic_fetch_add(&cpus_done, 1, __ATOMIC_RELEASE);
    for (;;) __asm__ volatile("wfe");
}

static void several_cpus(void) {
    struct arm_smccc_res res;
    for (unsigned cpu = 1; cpu < BOARD_CPU_COUNT; cpu++) {
        rmi_smc(PSCI_CPU_ON, cpu, HOST_BASE, cpu, &res);
        check(res.a0 == 0, 0, "PSCI CPU_ON of a secondary CPU", res.a0);
    }
    rmi_smc(PSCI_CPU_ON, 1, HOST_BASE, 1, &res);
    check(res.a0 == (uint64_t)-4 || res.a0 == (uint64_t)-5, 0, "PSCI CPU_ON again: ALREADY_ON or ON_PENDING", res.a0);
    uint64_t t0 = counter_ticks();
    __atomic_fetch_add(&cpus_started, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&cpus_started, __ATOMIC_ACQUIRE) < BOARD_CPU_COUNT) {}
    concurrent_run(0);
    while (__atomic_load_n(&cpus_done, __ATOMIC_ACQUIRE) < BOARD_CPU_COUNT - 1) {}
    note("concurrent run on 4 CPUs: ", ticks_to_us(counter_ticks() - t0), " us");
    note("RMI_BUSY or RMI_BLOCKED answers retried: ", __atomic_load_n(&rmi_range_retries, __ATOMIC_RELAXED), "");
    for (unsigned cpu = 1; cpu < BOARD_CPU_COUNT; cpu++) {
        rmi_smc(PSCI_AFFINITY_INFO, cpu, 0, 0, &res);
        check(res.a0 == 0, 0, "PSCI AFFINITY_INFO: the secondary is ON", res.a0);
    }
    note("shared-page calls answered RMI_ERROR_INPUT in the race: ", shared_refusals, "");
    // After the race, one CPU undelegates what may be left delegated: all of it must come back.
    uint64_t ret = rmi_undelegate_range(SHARED_BASE, SHARED_PAGES * RMM_PAGE_SIZE, 0, 0);
    check(ret == RMI_SUCCESS && range_gpi_is(SHARED_BASE, SHARED_PAGES * RMM_PAGE_SIZE, GPI_NON_SECURE), 0,
          "the shared pages undelegate after the race and are Non-secure", ret);
}

void host_main(uint64_t cpu, uint64_t context) {
    if (cpu != 0) secondary_main((unsigned)cpu);
    uint64_t start = counter_ticks();
    console_puts("[host] NS-EL2 on CPU 0, ");
    console_dec(ticks_to_us(start));
    console_puts(" us after power-on\n");
    host_pages_init(POOL_BASE, PAGES_BASE);
    bring_up();
    delegation();
    isolation();
    l1_tables();
    several_cpus();
    struct arm_smccc_res res;
    rmi_smc(SIP_BOARD_REPORT, 0, 0, 0, &res);
    console_lock();
    console_dec(passed);
    console_puts(" passed, ");
    console_dec(failed);
    console_puts(" failed\n");
    console_unlock();
    rmi_smc(SIP_BOARD_EXIT, failed == 0 ? 0 : 1, 0, 0, &res);
    for (;;) __asm__ volatile("wfe");
}

void host_fault(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far) {
    console_puts("\n*** host: unexpected exception at NS-EL2, vector ");
    console_hex(kind);
    console_puts(" ESR ");
    console_hex(esr);
    console_puts(" ELR ");
    console_hex(elr);
    console_puts(" FAR ");
    console_hex(far);
    console_puts("\n");
    semihosting_exit(4);
}
