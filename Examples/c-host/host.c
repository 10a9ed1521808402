/*
 * host.c: a C host driving the swift-rmm model through include/swift_rmm.h.
 *
 * It brings the RMM up with raw SMCs, delegates and undelegates ranges with its own helper loop (written the
 * way granule-delegation.md section 7 asks: bounded retries on RMI_BUSY and RMI_BLOCKED, every SUCCESS checked
 * for base < out_top <= top, size 0 returns before any SMC), checks the results through the debug ports, and
 * exercises every class of bad argument the C interface must reject without crashing.
 *
 * Exit status 0 when every check passes; 1 with a message on the first failure.
 */
#include "swift_rmm.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RMI function IDs (DEN0137) and status codes (bits 7:0 of X0). */
#define RMI_VERSION 0xC4000150u
#define RMI_RMM_ACTIVATE 0xC4000202u
#define RMI_GRANULE_RANGE_DELEGATE 0xC40001F1u
#define RMI_GRANULE_RANGE_UNDELEGATE 0xC40001F2u
#define RMI_OP_CONTINUE 0xC4000203u
#define RMI_ABI_VERSION_2_0 0x20000u
#define SMCCC_NOT_SUPPORTED UINT64_MAX

#define RMI_SUCCESS 0u
#define RMI_ERROR_INPUT 1u
#define RMI_ERROR_GLOBAL 11u
#define RMI_BUSY 10u
#define RMI_INCOMPLETE 13u
#define RMI_BLOCKED 14u

#define GRANULE_SIZE 0x1000u
#define DRAM0_BASE 0x80000000u
#define MIB (1024u * 1024u)

/* Retry bounds: an RMM that answers BUSY or BLOCKED forever must not hang the host. */
#define MAX_ATTEMPTS 1024      /* SMCs per step, the first included */
#define MAX_BLOCKED 3          /* BLOCKED answers tolerated per step (Linux: first try plus two retries) */
#define MAX_CONTINUATIONS 4096 /* RMI_OP_CONTINUE steps per operation */

/* How a range command ended. */
enum range_result {
    RANGE_OK = 0,
    RANGE_UNALIGNED,      /* base or size not granule aligned: no SMC issued */
    RANGE_OVERFLOW,       /* base + size passes 2^64: no SMC issued */
    RANGE_RMM_ERROR,      /* the RMM answered an error status */
    RANGE_NO_PROGRESS,    /* SUCCESS with out_top outside (base, top] or misaligned */
    RANGE_STALLED,        /* the BUSY/BLOCKED/continuation budget ran out */
    RANGE_PLATFORM_ERROR, /* the C interface refused the call */
};

/* The outcome of a range command: `done` is the end of the prefix [base, done) actually moved. */
struct range_outcome {
    enum range_result result;
    uint64_t done;
    uint64_t status; /* the last X0, where the RMM answered */
    unsigned smcs;
};

static void fail(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fputs("host: FAILED: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    exit(1);
}

static void expect_code(int actual, int expected, const char *what)
{
    if (actual != expected) {
        fail("%s: got %d (%s), expected %d (%s)", what, actual, srmm_error_string(actual), expected,
             srmm_error_string(expected));
    }
}

/* One SMC; the platform refusing the call is a failure of this host. */
static void smc(srmm_platform *platform, int cpu, const uint64_t in[7], uint64_t out[5])
{
    int code = srmm_smc(platform, cpu, in, out);
    if (code != SRMM_OK) fail("srmm_smc(0x%" PRIx64 "): %s", in[0], srmm_error_string(code));
}

/* Issues one step, retrying RMI_BUSY and RMI_BLOCKED within their budgets. Returns 0, or -1 when stalled. */
static int step(srmm_platform *platform, int cpu, const uint64_t in[7], uint64_t out[5], unsigned *smcs)
{
    unsigned blocked = 0;
    for (unsigned attempt = 1;; attempt++) {
        smc(platform, cpu, in, out);
        (*smcs)++;
        uint64_t status = out[0] & 0xff;
        if (out[0] == SMCCC_NOT_SUPPORTED) return 0;
        if (status == RMI_BLOCKED) blocked++;
        if (status != RMI_BUSY && status != RMI_BLOCKED) return 0;
        if (attempt >= MAX_ATTEMPTS || blocked >= MAX_BLOCKED) return -1;
    }
}

/* Delegates (fid RMI_GRANULE_RANGE_DELEGATE) or undelegates [base, base + size) as far as it can go. */
static struct range_outcome range_command(srmm_platform *platform, int cpu, uint64_t fid, uint64_t base,
                                          uint64_t size)
{
    struct range_outcome outcome = {RANGE_OK, base, 0, 0};
    if (base % GRANULE_SIZE != 0 || size % GRANULE_SIZE != 0) {
        outcome.result = RANGE_UNALIGNED;
        return outcome;
    }
    if (size > UINT64_MAX - base) {
        outcome.result = RANGE_OVERFLOW;
        return outcome;
    }
    /* Nothing asked, nothing moved: no SMC (the RMM would answer top <= base with RMI_ERROR_INPUT). */
    if (size == 0) return outcome;

    uint64_t top = base + size;
    uint64_t cursor = base;
    while (cursor < top) {
        uint64_t in[7] = {fid, cursor, top, 0, 0, 0, 0};
        uint64_t out[5];
        if (step(platform, cpu, in, out, &outcome.smcs) != 0) {
            outcome.result = RANGE_STALLED;
            outcome.status = out[0];
            return outcome;
        }
        /* An interrupt made the RMM yield: drive the operation through its handle to the final answer. */
        unsigned continuations = 0;
        while ((out[0] & 0xff) == RMI_INCOMPLETE) {
            uint64_t memory_request = (out[0] >> 8) & 0x3;
            if (memory_request != 0 || ++continuations > MAX_CONTINUATIONS) {
                /* A range command never asks for memory; an endless operation is a stall. */
                outcome.result = memory_request != 0 ? RANGE_RMM_ERROR : RANGE_STALLED;
                outcome.status = out[0];
                return outcome;
            }
            uint64_t resume[7] = {RMI_OP_CONTINUE, out[1], 0, 0, 0, 0, 0};
            if (step(platform, cpu, resume, out, &outcome.smcs) != 0) {
                outcome.result = RANGE_STALLED;
                outcome.status = out[0];
                return outcome;
            }
        }
        outcome.status = out[0];
        if (out[0] != RMI_SUCCESS) {
            outcome.result = RANGE_RMM_ERROR;
            return outcome;
        }
        uint64_t out_top = out[1];
        if (!(cursor < out_top && out_top <= top) || out_top % GRANULE_SIZE != 0) {
            outcome.result = RANGE_NO_PROGRESS;
            return outcome;
        }
        cursor = out_top;
        outcome.done = cursor;
    }
    return outcome;
}

static struct range_outcome delegate(srmm_platform *platform, int cpu, uint64_t base, uint64_t size)
{
    return range_command(platform, cpu, RMI_GRANULE_RANGE_DELEGATE, base, size);
}

static struct range_outcome undelegate(srmm_platform *platform, int cpu, uint64_t base, uint64_t size)
{
    return range_command(platform, cpu, RMI_GRANULE_RANGE_UNDELEGATE, base, size);
}

static void expect_range(struct range_outcome outcome, enum range_result result, uint64_t done, const char *what)
{
    if (outcome.result != result || outcome.done != done) {
        fail("%s: result %d, done 0x%" PRIx64 ", X0 0x%" PRIx64 " (%s); expected result %d, done 0x%" PRIx64,
             what, outcome.result, outcome.done, outcome.status, srmm_status_name(outcome.status), result, done);
    }
}

/* Every granule of [base, base + size) is in `state` with GPI `gpi`. */
static void expect_granules(srmm_platform *platform, uint64_t base, uint64_t size, int state, int gpi)
{
    for (uint64_t pa = base; pa < base + size; pa += GRANULE_SIZE) {
        srmm_granule_info info;
        expect_code(srmm_granule(platform, pa, &info), SRMM_OK, "srmm_granule");
        if (info.state != state || info.gpi != gpi) {
            fail("granule 0x%" PRIx64 " is %s/%s (%d/%d), expected %d/%d", pa, info.state_name, info.gpi_name,
                 info.state, info.gpi, state, gpi);
        }
    }
}

static uint64_t smc_count(srmm_platform *platform)
{
    srmm_stats_info stats;
    expect_code(srmm_stats(platform, &stats), SRMM_OK, "srmm_stats");
    return stats.smc;
}

static void expect_clean(srmm_platform *platform)
{
    char text[4096];
    size_t violations = 1;
    expect_code(srmm_check(platform, text, sizeof text, &violations), SRMM_OK, "srmm_check");
    if (violations != 0 || text[0] != '\0') fail("invariants violated (%zu):\n%s", violations, text);
}

/* RMI_VERSION then RMI_RMM_ACTIVATE, as raw SMCs (RMI_RMM_CONFIG_SET is optional: the defaults serve). */
static void bring_up(srmm_platform *platform)
{
    uint64_t out[5];
    uint64_t version[7] = {RMI_VERSION, RMI_ABI_VERSION_2_0, 0, 0, 0, 0, 0};
    smc(platform, 0, version, out);
    if (out[0] != RMI_SUCCESS || (out[1] >> 16) != 2) {
        fail("RMI_VERSION: X0 0x%" PRIx64 " (%s), lower 0x%" PRIx64, out[0], srmm_status_name(out[0]), out[1]);
    }
    uint64_t activate[7] = {RMI_RMM_ACTIVATE, 0, 0, 0, 0, 0, 0};
    smc(platform, 0, activate, out);
    if (out[0] != RMI_SUCCESS) fail("RMI_RMM_ACTIVATE: X0 0x%" PRIx64 " (%s)", out[0], srmm_status_name(out[0]));
}

/* Delegation and undelegation on the default platform, with injected faults. */
static void exercise_default_platform(void)
{
    srmm_options options;
    expect_code(srmm_options_init(&options), SRMM_OK, "srmm_options_init");
    srmm_platform *platform = NULL;
    expect_code(srmm_platform_create(&options, &platform), SRMM_OK, "srmm_platform_create");

    /* Before activation the RMM refuses range commands. */
    uint64_t base = DRAM0_BASE;
    struct range_outcome early = delegate(platform, 0, base, 2 * MIB);
    expect_range(early, RANGE_RMM_ERROR, base, "delegation before activation");
    if (early.status != RMI_ERROR_GLOBAL) fail("delegation before activation: %s", srmm_status_name(early.status));

    bring_up(platform);

    /* A size of 0 and bad ranges issue no SMC. */
    uint64_t before = smc_count(platform);
    expect_range(delegate(platform, 0, base, 0), RANGE_OK, base, "size 0");
    expect_range(delegate(platform, 0, base + 1, GRANULE_SIZE), RANGE_UNALIGNED, base + 1, "unaligned base");
    expect_range(delegate(platform, 0, base, 100), RANGE_UNALIGNED, base, "unaligned size");
    expect_range(delegate(platform, 0, UINT64_MAX - GRANULE_SIZE + 1, 2 * GRANULE_SIZE), RANGE_OVERFLOW,
                 UINT64_MAX - GRANULE_SIZE + 1, "wrapping range");
    if (smc_count(platform) != before) fail("size 0 or a bad range issued an SMC");

    /* Delegate 2 MiB from CPU 1. */
    expect_range(delegate(platform, 1, base, 2 * MIB), RANGE_OK, base + 2 * MIB, "delegate 2 MiB");
    expect_granules(platform, base, 2 * MIB, SRMM_GRANULE_DELEGATED, SRMM_GPI_REALM);
    expect_granules(platform, base + 2 * MIB, GRANULE_SIZE, SRMM_GRANULE_UNDELEGATED, SRMM_GPI_NS);

    /* The host cannot read delegated memory; the Realm world can write it. */
    uint8_t bytes[64];
    srmm_fault fault;
    expect_code(srmm_read(platform, SRMM_WORLD_NS, base + 64, bytes, sizeof bytes, &fault), SRMM_FAULT_GPC,
                "host read of delegated memory");
    if (fault.kind != SRMM_FAULT_KIND_GPF || fault.pa != base + 64 || fault.world != SRMM_WORLD_NS) {
        fail("fault: kind %u pa 0x%" PRIx64 " world %u", fault.kind, fault.pa, fault.world);
    }
    memset(bytes, 0xA5, sizeof bytes);
    expect_code(srmm_write(platform, SRMM_WORLD_REALM, base, bytes, sizeof bytes, &fault), SRMM_OK, "realm write");
    expect_code(srmm_write(platform, SRMM_WORLD_NS, base, bytes, sizeof bytes, NULL), SRMM_FAULT_GPC,
                "host write of delegated memory");

    /* RMI_BUSY three times: retried within the budget. */
    uint64_t second = base + 4 * MIB;
    expect_code(srmm_inject(platform, "busy", 3), SRMM_OK, "inject busy");
    struct range_outcome busy = delegate(platform, 2, second, MIB);
    expect_range(busy, RANGE_OK, second + MIB, "delegate through BUSY");
    if (busy.smcs != 4) fail("BUSY x3 then success took %u SMCs, expected 4", busy.smcs);

    /* RMI_BLOCKED beyond the budget: the call stalls with no progress instead of spinning. */
    expect_code(srmm_inject(platform, "blocked", 10), SRMM_OK, "inject blocked");
    struct range_outcome stalled = delegate(platform, 0, second + MIB, MIB);
    expect_range(stalled, RANGE_STALLED, second + MIB, "BLOCKED storm");
    if (stalled.smcs != MAX_BLOCKED) fail("BLOCKED storm took %u SMCs, expected %d", stalled.smcs, MAX_BLOCKED);
    expect_code(srmm_inject(platform, "clear", 0), SRMM_OK, "inject clear");

    /* An RMM that answers SUCCESS without progress is caught, not looped on. */
    expect_code(srmm_inject(platform, "zero_progress", 1), SRMM_OK, "inject zero_progress");
    expect_range(delegate(platform, 0, second + MIB, MIB), RANGE_NO_PROGRESS, second + MIB, "zero progress");

    /* An interrupt makes the RMM yield with RMI_INCOMPLETE; the loop continues the operation. */
    expect_code(srmm_inject(platform, "irq", 1), SRMM_OK, "inject irq");
    expect_range(delegate(platform, 3, second + MIB, MIB), RANGE_OK, second + 2 * MIB, "delegate through an IRQ");
    expect_granules(platform, second, 2 * MIB, SRMM_GRANULE_DELEGATED, SRMM_GPI_REALM);
    expect_clean(platform);

    /* Undelegate everything: Non-secure again, and wiped. */
    expect_range(undelegate(platform, 0, base, 2 * MIB), RANGE_OK, base + 2 * MIB, "undelegate 2 MiB");
    expect_code(srmm_inject(platform, "irq", 1), SRMM_OK, "inject irq");
    expect_range(undelegate(platform, 1, second, 2 * MIB), RANGE_OK, second + 2 * MIB, "undelegate through an IRQ");
    expect_granules(platform, base, 2 * MIB, SRMM_GRANULE_UNDELEGATED, SRMM_GPI_NS);
    expect_granules(platform, second, 2 * MIB, SRMM_GRANULE_UNDELEGATED, SRMM_GPI_NS);
    memset(bytes, 0xFF, sizeof bytes);
    expect_code(srmm_read(platform, SRMM_WORLD_NS, base, bytes, sizeof bytes, &fault), SRMM_OK,
                "host read of undelegated memory");
    for (size_t index = 0; index < sizeof bytes; index++) {
        if (bytes[index] != 0) fail("undelegated memory not wiped: byte %zu is 0x%02x", index, bytes[index]);
    }
    if (fault.kind != SRMM_FAULT_KIND_NONE) fail("a successful read reported fault kind %u", fault.kind);
    expect_clean(platform);

    srmm_stats_info stats;
    expect_code(srmm_stats(platform, &stats), SRMM_OK, "srmm_stats");
    if (stats.scrubbed_bytes < 4 * MIB || stats.gpf < 2 || stats.el3_calls == 0) {
        fail("stats: scrubbed %" PRIu64 ", gpf %" PRIu64 ", el3 %" PRIu64, stats.scrubbed_bytes, stats.gpf,
             stats.el3_calls);
    }
    printf("host: default platform: %" PRIu64 " SMCs, %" PRIu64 " EL3 calls, %" PRIu64 " bytes scrubbed\n",
           stats.smc, stats.el3_calls, stats.scrubbed_bytes);
    srmm_platform_destroy(platform);
}

/* A custom platform: one 256 MiB bank, no MMIO, 2 CPUs, a 16-granule budget, the strict 2.0-bet2 reading. */
static void exercise_custom_platform(void)
{
    srmm_region dram[1] = {{DRAM0_BASE, 256 * MIB}};
    srmm_region no_mmio[1] = {{0, 0}};
    srmm_options options;
    srmm_options_init(&options);
    options.dram = dram;
    options.dram_count = 1;
    options.mmio = no_mmio;
    options.mmio_count = 0;
    options.cpus = 2;
    options.budget = 16;
    options.strict_range_state = 1;
    options.activate = 1;
    srmm_platform *platform = NULL;
    expect_code(srmm_platform_create(&options, &platform), SRMM_OK, "custom srmm_platform_create");

    /* 1 MiB is 256 granules: the budget of 16 per SMC forces 16 SMCs of partial progress. */
    struct range_outcome outcome = delegate(platform, 1, DRAM0_BASE, MIB);
    expect_range(outcome, RANGE_OK, DRAM0_BASE + MIB, "budgeted delegation");
    if (outcome.smcs != 16) fail("budgeted delegation took %u SMCs, expected 16", outcome.smcs);

    /* Strict range state: delegating a DELEGATED granule is a state failure at base. */
    struct range_outcome again = delegate(platform, 0, DRAM0_BASE, GRANULE_SIZE);
    expect_range(again, RANGE_RMM_ERROR, DRAM0_BASE, "strict re-delegation");
    if (again.status != RMI_ERROR_INPUT) fail("strict re-delegation: %s", srmm_status_name(again.status));

    /* CPU 2 does not exist on this platform; device memory does not either. */
    uint64_t in[7] = {RMI_VERSION, RMI_ABI_VERSION_2_0, 0, 0, 0, 0, 0};
    uint64_t out[5];
    expect_code(srmm_smc(platform, 2, in, out), SRMM_ERR_INVALID_CPU, "CPU 2 of 2");
    uint8_t byte;
    srmm_fault fault;
    /* Without MMIO, address 0x1000 is covered by no region: its GPI is NO_ACCESS, so the check itself fails. */
    expect_code(srmm_read(platform, SRMM_WORLD_NS, 0x1000, &byte, 1, &fault), SRMM_FAULT_GPC, "read unmapped PA");
    if (fault.kind != SRMM_FAULT_KIND_GPF || fault.pa != 0x1000) fail("unmapped fault kind %u", fault.kind);

    expect_range(undelegate(platform, 0, DRAM0_BASE, MIB), RANGE_OK, DRAM0_BASE + MIB, "budgeted undelegation");
    expect_clean(platform);
    srmm_platform_destroy(platform);
}

/* Every class of bad argument answers an error code and changes nothing. */
static void exercise_bad_arguments(void)
{
    srmm_platform *platform = NULL;
    expect_code(srmm_platform_create(NULL, &platform), SRMM_OK, "create with NULL options");
    uint64_t in[7] = {RMI_VERSION, RMI_ABI_VERSION_2_0, 0, 0, 0, 0, 0};
    uint64_t out[5];
    uint8_t bytes[16];
    srmm_granule_info info;
    srmm_stats_info stats;
    char text[64];
    size_t violations;

    /* Null pointers. */
    expect_code(srmm_options_init(NULL), SRMM_ERR_NULL_POINTER, "options_init(NULL)");
    expect_code(srmm_platform_create(NULL, NULL), SRMM_ERR_NULL_POINTER, "create(NULL, NULL)");
    expect_code(srmm_smc(NULL, 0, in, out), SRMM_ERR_NULL_POINTER, "smc on NULL platform");
    expect_code(srmm_smc(platform, 0, NULL, out), SRMM_ERR_NULL_POINTER, "smc with NULL x_in");
    expect_code(srmm_smc(platform, 0, in, NULL), SRMM_ERR_NULL_POINTER, "smc with NULL x_out");
    expect_code(srmm_read(NULL, SRMM_WORLD_NS, DRAM0_BASE, bytes, 1, NULL), SRMM_ERR_NULL_POINTER, "read NULL");
    expect_code(srmm_read(platform, SRMM_WORLD_NS, DRAM0_BASE, NULL, 1, NULL), SRMM_ERR_NULL_POINTER,
                "read into NULL");
    expect_code(srmm_write(platform, SRMM_WORLD_NS, DRAM0_BASE, NULL, 1, NULL), SRMM_ERR_NULL_POINTER,
                "write from NULL");
    expect_code(srmm_granule(NULL, DRAM0_BASE, &info), SRMM_ERR_NULL_POINTER, "granule on NULL");
    expect_code(srmm_granule(platform, DRAM0_BASE, NULL), SRMM_ERR_NULL_POINTER, "granule into NULL");
    expect_code(srmm_inject(platform, NULL, 1), SRMM_ERR_NULL_POINTER, "inject NULL name");
    expect_code(srmm_inject(NULL, "busy", 1), SRMM_ERR_NULL_POINTER, "inject on NULL");
    expect_code(srmm_stats(NULL, &stats), SRMM_ERR_NULL_POINTER, "stats on NULL");
    expect_code(srmm_stats(platform, NULL), SRMM_ERR_NULL_POINTER, "stats into NULL");
    expect_code(srmm_check(NULL, text, sizeof text, &violations), SRMM_ERR_NULL_POINTER, "check on NULL");
    expect_code(srmm_check(platform, NULL, 8, &violations), SRMM_ERR_NULL_POINTER, "check into NULL");
    srmm_platform_destroy(NULL);

    /* CPU indexes. */
    expect_code(srmm_smc(platform, -1, in, out), SRMM_ERR_INVALID_CPU, "CPU -1");
    expect_code(srmm_smc(platform, 4, in, out), SRMM_ERR_INVALID_CPU, "CPU 4 of 4");

    /* Lengths. */
    expect_code(srmm_read(platform, SRMM_WORLD_NS, DRAM0_BASE, bytes, 0, NULL), SRMM_ERR_INVALID_LENGTH, "length 0");
    expect_code(srmm_write(platform, SRMM_WORLD_NS, DRAM0_BASE, bytes, SRMM_MAX_ACCESS_LENGTH + 1, NULL),
                SRMM_ERR_INVALID_LENGTH, "length above the maximum");
    expect_code(srmm_read(platform, SRMM_WORLD_NS, DRAM0_BASE, bytes, SIZE_MAX, NULL), SRMM_ERR_INVALID_LENGTH,
                "length SIZE_MAX");

    /* Enum values and flags. */
    expect_code(srmm_read(platform, 4, DRAM0_BASE, bytes, 1, NULL), SRMM_ERR_INVALID_ARGUMENT, "world 4");
    expect_code(srmm_write(platform, -1, DRAM0_BASE, bytes, 1, NULL), SRMM_ERR_INVALID_ARGUMENT, "world -1");
    expect_code(srmm_inject(platform, "busy", UINT64_MAX), SRMM_ERR_INVALID_ARGUMENT, "count UINT64_MAX");

    /* Fault names. */
    expect_code(srmm_inject(platform, "bogus", 1), SRMM_ERR_UNKNOWN_FAULT, "unknown fault");
    expect_code(srmm_inject(platform, "", 1), SRMM_ERR_UNKNOWN_FAULT, "empty fault name");
    expect_code(srmm_inject(platform, "BUSY", 1), SRMM_ERR_UNKNOWN_FAULT, "fault names are lowercase");

    /* Platform options. */
    srmm_platform *bad = (srmm_platform *)&in; /* must come back NULL */
    srmm_options options;
    srmm_region misaligned[1] = {{DRAM0_BASE + 1, MIB}};
    srmm_options_init(&options);
    options.strict_range_state = 2;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_INVALID_ARGUMENT, "strict_range_state 2");
    if (bad != NULL) fail("a failed create left a handle");
    srmm_options_init(&options);
    options.activate = 7;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_INVALID_ARGUMENT, "activate 7");
    srmm_options_init(&options);
    options.dram_count = 1;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_NULL_POINTER, "dram count without array");
    srmm_options_init(&options);
    options.dram = misaligned;
    options.dram_count = SRMM_MAX_REGIONS + 1;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_INVALID_LENGTH, "too many regions");
    options.dram_count = 1;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_INVALID_CONFIGURATION, "misaligned DRAM");
    options.dram_count = 0;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_INVALID_CONFIGURATION, "no DRAM");
    srmm_options_init(&options);
    options.pa_bits = 33;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_INVALID_CONFIGURATION, "pa_bits 33");
    options.pa_bits = UINT64_MAX;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_INVALID_CONFIGURATION, "pa_bits UINT64_MAX");
    srmm_options_init(&options);
    options.l0gptsz = 31;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_INVALID_CONFIGURATION, "l0gptsz 31");
    srmm_options_init(&options);
    options.cpus = 65;
    expect_code(srmm_platform_create(&options, &bad), SRMM_ERR_INVALID_CONFIGURATION, "65 CPUs");
    if (bad != NULL) fail("a failed create left a handle");

    /* MMIO passes the check as Non-secure but has no memory behind it. */
    srmm_fault fault;
    expect_code(srmm_read(platform, SRMM_WORLD_NS, 0x1000, bytes, 1, &fault), SRMM_FAULT_NOT_MEMORY, "read MMIO");
    if (fault.kind != SRMM_FAULT_KIND_NOT_MEMORY || fault.pa != 0x1000) fail("MMIO fault kind %u", fault.kind);

    /* A buffer too small for the check text still comes back NUL-terminated. */
    expect_code(srmm_check(platform, text, 1, &violations), SRMM_OK, "check into 1 byte with nothing to say");
    if (text[0] != '\0' || violations != 0) fail("check on a fresh platform is not clean");
    expect_code(srmm_check(platform, NULL, 0, NULL), SRMM_OK, "check with no buffer");

    /* Names. */
    if (strcmp(srmm_status_name(RMI_BUSY), "RMI_BUSY") != 0) fail("status name of 10");
    if (strcmp(srmm_status_name(SMCCC_NOT_SUPPORTED), "SMCCC_NOT_SUPPORTED") != 0) fail("status name of -1");
    if (strcmp(srmm_status_name(200), "UNKNOWN") != 0) fail("status name of 200");
    if (strcmp(srmm_error_string(12345), "unknown code") != 0) fail("error string of 12345");

    /* An unimplemented FID is the machine's answer, not an error. */
    uint64_t unknown[7] = {0xC4000FFFu, 0, 0, 0, 0, 0, 0};
    expect_code(srmm_smc(platform, 3, unknown, out), SRMM_OK, "unknown FID");
    if (strcmp(srmm_status_name(out[0]), "RMI_ERROR_NOT_SUPPORTED") != 0 && out[0] != SMCCC_NOT_SUPPORTED) {
        fail("unknown FID answered 0x%" PRIx64, out[0]);
    }
    expect_clean(platform);
    srmm_platform_destroy(platform);
}

int main(void)
{
    exercise_default_platform();
    exercise_custom_platform();
    exercise_bad_arguments();
    puts("host: all checks passed");
    return 0;
}
