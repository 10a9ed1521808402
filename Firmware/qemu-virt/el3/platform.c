// EL3's platform layer: cold and warm boot of each CPU, the world contexts, PSCI, the RMM boot manifest, and
// reports. The SMC dispatch itself is Swift (el3/EL3Firmware.swift).
#include "board.h"
#include "mmu.h"
#include "rmm_boot.h"
#include "runtime.h"

struct world_context {
    uint64_t x[31];
    uint64_t sp_el2, elr_el3, spsr_el3, scr_el3, el3_sp, cpu, world, fpsr, fpcr;
    uint64_t q[64];  // Q0...Q31, two words each
    uint64_t el2[CTX_EL2_COUNT];
} __attribute__((aligned(16)));

_Static_assert(__builtin_offsetof(struct world_context, sp_el2) == CTX_SP_EL2, "context layout");
_Static_assert(__builtin_offsetof(struct world_context, el3_sp) == CTX_EL3_SP, "context layout");
_Static_assert(__builtin_offsetof(struct world_context, fpsr) == CTX_FPSR, "context layout");
_Static_assert(__builtin_offsetof(struct world_context, q) == CTX_Q0, "context layout");
_Static_assert(__builtin_offsetof(struct world_context, el2) == CTX_EL2, "context layout");
_Static_assert(sizeof(struct world_context) <= CTX_SIZE, "context layout");

// Indices into world_context.el2, in the order of el2_sysregs in el3/entry.S.
enum { EL2_SCTLR = 0, EL2_HCR = 11, EL2_CPTR = 12 };

static struct world_context contexts[BOARD_CPU_COUNT][2];
struct mmu_tables el3_tables;
uint32_t el3_tables_ready;
extern uint64_t __el3_stacks[];

__attribute__((noreturn)) void el3_report_unexpected(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far);

// Implemented in Swift.
int el3_gpt_init(void);
uint64_t el3_dispatch(uint64_t cpu, uint64_t origin, uint64_t *ns, uint64_t *realm);
void el3_counts(uint64_t out[3]);

// --- PSCI: the state of each CPU and its mailbox ---
enum cpu_state { CPU_OFF = 0, CPU_ON_PENDING = 1, CPU_ON = 2 };
static struct {
    uint32_t state;
    uint64_t entry, context_id;
} cpus[BOARD_CPU_COUNT];

static uint64_t reset_ticks;
static uint64_t boot_heap_used, boot_heap_allocations;
static uint64_t rmm_ready_ticks;

void el3_mmu_build(void) {
    // EL3 maps everything: devices, and all of DRAM (it writes the RMM's manifest and reads its stacks).
    const struct mmu_range map[] = {
        {0, DRAM_BASE, MMU_DEVICE},
        {DRAM_BASE, 0x80000000, MMU_NORMAL},
        {0x80000000, DRAM_TOP, MMU_NORMAL},
    };
    mmu_build(&el3_tables, map, array_count(map));
}

// A world's first entry: the image's entry point at EL2h, with its EL2 registers at their reset values.
static void context_init(unsigned cpu, unsigned world, uint64_t entry, uint64_t x0, uint64_t x1, uint64_t x2,
                         uint64_t x3) {
    struct world_context *context = &contexts[cpu][world];
    memset(context, 0, sizeof *context);
    context->x[0] = x0;
    context->x[1] = x1;
    context->x[2] = x2;
    context->x[3] = x3;
    context->elr_el3 = entry;
    context->spsr_el3 = SPSR_EL2H_MASKED;
    context->scr_el3 = SCR_RES1 | SCR_RW | SCR_HCE | SCR_API_APK | (world == WORLD_NON_SECURE ? SCR_NS : SCR_EEL2);
    context->el3_sp = (uint64_t)__el3_stacks + (cpu + 1) * EL3_STACK_SIZE;
    context->cpu = cpu;
    context->world = world;
    context->el2[EL2_SCTLR] = SCTLR_EL2_RES1;
    context->el2[EL2_HCR] = HCR_EL2_RW;
    context->el2[EL2_CPTR] = CPTR_EL2_NO_TRAPS;
}

static void write_manifest(void) {
    struct rmm_boot_manifest *manifest = (struct rmm_boot_manifest *)RMM_SHARED_BUFFER;
    memset(manifest, 0, sizeof *manifest);
    manifest->version = RMM_BOOT_VERSION;
    manifest->physical_address_bits = 32;
    manifest->granule_shift = 12;
    manifest->l0_region_bits = 30;
    manifest->cpu_count = BOARD_CPU_COUNT;
    manifest->bank_count = 1;
    manifest->banks[0].base = NS_BANK_BASE;
    manifest->banks[0].size = NS_BANK_TOP - NS_BANK_BASE;
    manifest->platform_l1_count = 1;
    manifest->platform_l1_regions[0] = PLATFORM_L1_REGION;
}

static void paint_el3_stack(unsigned cpu) {
    uint64_t *bottom = __el3_stacks + cpu * (EL3_STACK_SIZE / 8);
    uint64_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    uint64_t *top = bottom + EL3_STACK_SIZE / 8;
    if (sp > (uint64_t)bottom && sp <= (uint64_t)top) top = (uint64_t *)(sp - 256);
    stack_paint(bottom, top);
}

// The primary CPU after .bss and the MMU: the GPT, the manifest, then the RMM's cold boot.
struct world_context *el3_cold_boot(void) {
    reset_ticks = counter_ticks();
    paint_el3_stack(0);
    console_puts("\n[EL3] swift-rmm firmware on QEMU virt: EL3 at ");
    console_hex(EL3_BASE);
    console_puts(", RMM (S-EL2) at ");
    console_hex(RMM_BASE);
    console_puts(", host (NS-EL2) at ");
    console_hex(HOST_BASE);
    console_puts("\n");
    if (el3_gpt_init() != 0) semihosting_exit(10);
    boot_heap_used = heap_used();
    boot_heap_allocations = heap_allocations();
    write_manifest();
    cpus[0].state = CPU_ON;
    context_init(0, WORLD_REALM, RMM_BASE, 0, RMM_BOOT_VERSION, BOARD_CPU_COUNT, RMM_SHARED_BUFFER);
    context_init(0, WORLD_NON_SECURE, HOST_BASE, 0, 0, 0, 0);
    // Release: the secondaries read the tables (and .bss) only after seeing the flag.
    __atomic_store_n(&el3_tables_ready, 1, __ATOMIC_RELEASE);
    __asm__ volatile("dsb ish; sev");
    return &contexts[0][WORLD_REALM];
}

// A secondary CPU: waits for PSCI CPU_ON, then boots the RMM on it (warm) before the host's entry point.
struct world_context *el3_secondary_wait(uint64_t cpu) {
    paint_el3_stack((unsigned)cpu);
    // Acquire: entry and context_id were written before the state.
    while (__atomic_load_n(&cpus[cpu].state, __ATOMIC_ACQUIRE) != CPU_ON_PENDING) __asm__ volatile("wfe");
    context_init((unsigned)cpu, WORLD_REALM, RMM_BASE, cpu, RMM_BOOT_VERSION, BOARD_CPU_COUNT, RMM_SHARED_BUFFER);
    context_init((unsigned)cpu, WORLD_NON_SECURE, cpus[cpu].entry, cpus[cpu].context_id, 0, 0, 0);
    return &contexts[cpu][WORLD_REALM];
}

uint64_t psci_cpu_on(uint64_t target, uint64_t entry, uint64_t context_id) {
    const uint64_t invalid_parameters = (uint64_t)-2, already_on = (uint64_t)-4, on_pending = (uint64_t)-5;
    if ((target & ~0xFFULL) != 0 || target >= BOARD_CPU_COUNT) return invalid_parameters;
    if (entry < HOST_BASE || entry >= HOST_BASE + HOST_SIZE) return invalid_parameters;
    uint32_t state = __atomic_load_n(&cpus[target].state, __ATOMIC_ACQUIRE);
    if (state == CPU_ON) return already_on;
    if (state == CPU_ON_PENDING) return on_pending;
    cpus[target].entry = entry;
    cpus[target].context_id = context_id;
    uint32_t expected = CPU_OFF;
    // Release: the secondary reads entry and context_id after it sees ON_PENDING.
    if (!__atomic_compare_exchange_n(&cpus[target].state, &expected, CPU_ON_PENDING, 0, __ATOMIC_RELEASE,
                                     __ATOMIC_RELAXED))
        return expected == CPU_ON ? already_on : on_pending;
    __asm__ volatile("dsb ish; sev");
    return 0;
}

uint64_t psci_affinity_info(uint64_t target, uint64_t level) {
    if (level != 0 || target >= BOARD_CPU_COUNT) return (uint64_t)-2;
    uint32_t state = __atomic_load_n(&cpus[target].state, __ATOMIC_ACQUIRE);
    return state == CPU_ON ? 0 : state == CPU_ON_PENDING ? 2 : 1;  // ON, ON_PENDING, OFF
}

// RMM_BOOT_COMPLETE on `cpu`: the RMM is up there; a failed boot ends the run.
void el3_rmm_booted(uint64_t cpu, uint64_t status) {
    if (status != 0) {
        console_puts("[EL3] RMM boot failed on CPU ");
        console_dec(cpu);
        console_puts(", status ");
        console_hex(status);
        console_puts("\n");
        semihosting_exit(11);
    }
    if (cpu == 0) {
        rmm_ready_ticks = counter_ticks();
        console_puts("[EL3] RMM ready after ");
        console_dec(ticks_to_us(rmm_ready_ticks));
        console_puts(" us since power-on; entering the host\n");
    } else {
        __atomic_store_n(&cpus[cpu].state, CPU_ON, __ATOMIC_RELEASE);
    }
}

struct world_context *el3_handle_sync(struct world_context *from) {
    uint64_t esr, elr, far;
    __asm__ volatile("mrs %0, esr_el3; mrs %1, elr_el3; mrs %2, far_el3" : "=r"(esr), "=r"(elr), "=r"(far));
    if ((esr >> 26) != 0x17 || (esr & 0xFFFF) != 0)  // only SMC #0 from AArch64
        el3_report_unexpected(0x400 | from->world, esr, elr, far);
    unsigned cpu = (unsigned)from->cpu;
    struct world_context *ns = &contexts[cpu][WORLD_NON_SECURE], *realm = &contexts[cpu][WORLD_REALM];
    uint64_t resume = el3_dispatch(cpu, from->world, ns->x, realm->x);
    return resume == WORLD_REALM ? realm : ns;
}

// An exception EL3 does not serve: kind is the vector offset (0x400 | world for a lower EL's non-SMC trap).
void el3_report_unexpected(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far) {
    console_puts("\n*** EL3: unexpected exception, vector ");
    console_hex(kind);
    console_puts(" ESR ");
    console_hex(esr);
    console_puts(" ELR ");
    console_hex(elr);
    console_puts(" FAR ");
    console_hex(far);
    console_puts("\n");
    semihosting_exit(2);
}

// SIP_BOARD_REPORT: stack depths and heaps of EL3 and the RMM, and EL3's counts.
void el3_report(void) {
    const struct rmm_boot_manifest *manifest = (const struct rmm_boot_manifest *)RMM_SHARED_BUFFER;
    uint64_t counts[3] = {0, 0, 0};
    el3_counts(counts);
    console_lock();
    console_puts("[EL3] boot: RMM ready at ");
    console_dec(ticks_to_us(rmm_ready_ticks));
    console_puts(" us (EL3 reset at ");
    console_dec(ticks_to_us(reset_ticks));
    console_puts(" us, RMM cold boot ");
    console_dec(ticks_to_us(manifest->boot_ticks));
    console_puts(" us)\n[EL3] stack depth (bytes) EL3/RMM per CPU:");
    for (unsigned cpu = 0; cpu < BOARD_CPU_COUNT; cpu++) {
        uint64_t *el3 = __el3_stacks + cpu * (EL3_STACK_SIZE / 8);
        uint64_t *rmm = (uint64_t *)manifest->stacks_base + cpu * (RMM_STACK_SIZE / 8);
        console_puts(" ");
        console_dec(stack_depth(el3, el3 + EL3_STACK_SIZE / 8));
        console_puts("/");
        console_dec(stack_depth(rmm, rmm + RMM_STACK_SIZE / 8));
    }
    console_puts("\n[EL3] heap: EL3 ");
    console_dec(boot_heap_used);
    console_puts(" bytes in ");
    console_dec(boot_heap_allocations);
    console_puts(" allocations at boot, ");
    console_dec(heap_used());
    console_puts(" in ");
    console_dec(heap_allocations());
    console_puts(" now (L1 tables the host created); RMM ");
    console_dec(manifest->heap_used);
    console_puts(" bytes in ");
    console_dec(manifest->heap_allocations);
    console_puts(" allocations at boot, ");
    console_dec(manifest->heap_used_now);
    console_puts(" now (granule metadata at activation), ");
    console_dec(manifest->call_allocations);
    console_puts(" allocations serving other RMI calls\n[EL3] RMI calls forwarded ");
    console_dec(counts[0]);
    console_puts(", granule services for the RMM ");
    console_dec(counts[1]);
    console_puts(", L1 GPT tables ");
    console_dec(counts[2]);
    console_puts("\n");
    console_unlock();
}
