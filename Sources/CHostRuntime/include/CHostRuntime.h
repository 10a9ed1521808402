/*
 * CHostRuntime: the part of swift-rmm that C host code meets at run time. It fills a library's srmm_linux_hooks
 * table (include/swift_rmm_linux.h) with trampolines into Swift, and runs one call of a C function so that
 * nothing the function does can take the explorer down: a crash (a signal), a BUG_ON, a call that reaches the
 * SMC bound, or one that loops without calling the RMM at all ends the call with an outcome, not the process.
 *
 * Everything here is per thread: several threads may run guarded calls at once, each with its own callbacks.
 */
#ifndef CHOSTRUNTIME_H
#define CHOSTRUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What the Swift side provides while a guarded call runs on this thread. */
typedef struct chr_callbacks {
    /** Passed back to every callback. */
    void *context;
    /** Answers an SMC; returns 0, or 1 to stop the call (the SMC bound is reached: out is not used). */
    int (*smc)(void *context, const uint64_t *in, uint64_t *out);
    void *(*alloc_pages)(void *context, unsigned int order, int zero);
    void (*free_pages)(void *context, void *address, unsigned int order);
    uint64_t (*virt_to_phys)(void *context, const void *address);
    void *(*phys_to_virt)(void *context, uint64_t pa);
    void (*warn)(void *context, const char *file, int line, const char *text);
} chr_callbacks;

/** How a guarded call ended. */
typedef enum chr_end {
    CHR_RETURNED = 0, /**< The function returned; chr_outcome.ret holds its value. */
    CHR_STOPPED = 1,  /**< The SMC callback asked to stop (the SMC bound). */
    CHR_BUG = 2,      /**< BUG_ON or BUG fired; file, line and text say where. */
    CHR_SIGNAL = 3,   /**< A signal: signal, code and fault_address say which. */
    CHR_TIMEOUT = 4,  /**< The call ran for a whole watchdog period without calling the RMM. */
} chr_end;

typedef struct chr_outcome {
    int32_t end;
    int32_t ret;
    int32_t signal;
    int32_t code;
    uint64_t fault_address;
    const char *file;
    int32_t line;
    char text[256];
} chr_outcome;

/** The version of the hooks table this runtime fills (SRMM_LINUX_HOOKS_VERSION). */
uint64_t chr_hooks_version(void);

/** Fills a library's srmm_linux_hooks table with the runtime's trampolines (idempotent). */
void chr_bind(void *hooks_table);

/**
 * Prepares this thread for guarded calls: installs the runtime's signal handlers (once per process; a signal
 * outside a guarded call goes on to the handler that was there before) and an alternate signal stack, and starts
 * this thread's watchdog: a call that spends between one and two periods without calling back is stopped.
 * @return 0, or an errno value.
 */
int chr_thread_begin(uint32_t watchdog_milliseconds);

/** Stops this thread's watchdog. */
void chr_thread_end(void);

/**
 * Calls `int function(uint64_t base, unsigned long size, uint64_t *out_top)` (a two-argument function ignores
 * out_top) with `callbacks` serving its hooks, and says how it ended. Must run between chr_thread_begin and
 * chr_thread_end on the same thread.
 */
int32_t chr_call_range(const void *function, const chr_callbacks *callbacks, uint64_t base, uint64_t size,
                       uint64_t *out_top, chr_outcome *outcome);

/** A page that is never accessible: a pointer to pass where the function must not write (a shape check). */
void *chr_poison_page(void);

#ifdef __cplusplus
}
#endif

#endif /* CHOSTRUNTIME_H */
