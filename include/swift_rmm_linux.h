/*
 * swift_rmm_linux.h: what kernel-style RMI host code needs to compile unchanged in user space and run against
 * swift-rmm (the adversarial explorer, `rmm check host --c-library`).
 *
 * Written for swift-rmm; it follows the kernel's names and calling conventions, not its code. It defines no RMI
 * function IDs or status codes: kernel code brings its own headers (or its own #defines).
 *
 * Build: `cc -shared -fPIC -Iinclude mycode.c -o libmycode.so` is the whole build. The library needs no other
 * library at link time: every service below goes through `srmm_linux_hooks`, a table this header defines in the
 * library (a weak symbol, so several translation units may include it), and the model fills the table in when it
 * loads the library (dlopen). Code that runs before the model bound the hooks (a constructor) traps.
 *
 * Semantics, where they differ from the kernel's:
 *  - arm_smccc_1_1_invoke / arm_smccc_1_1_smc take the function ID, up to six arguments and a pointer to a
 *    struct arm_smccc_res, and fill a0..a4 (the kernel's struct has a0..a3; a4 is the RMI's fifth result).
 *  - WARN_ON, WARN_ON_ONCE and WARN are counted and reported by the model, never fatal; they evaluate to the
 *    condition as in the kernel.
 *  - BUG_ON(cond) with a true condition ends the call: the model reports it as a crash, with the schedule.
 *  - Pages (alloc_page(s), __get_free_page(s), get_zeroed_page) come from the model's Non-secure DRAM: the
 *    pointers are ordinary pointers into the model's memory, and page_to_phys / virt_to_phys give the physical
 *    address the RMM sees. A struct page * is the page's virtual address. kmalloc is backed by the same memory.
 *  - cond_resched, cpu_relax and might_sleep are scheduling hints and do nothing.
 */
#ifndef SWIFT_RMM_LINUX_H
#define SWIFT_RMM_LINUX_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------------------- */
/* Kernel types                                                                                               */
/* ---------------------------------------------------------------------------------------------------------- */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 phys_addr_t;
typedef unsigned int gfp_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define GFP_KERNEL 0x0u
#define GFP_ATOMIC 0x0u
#define GFP_NOWAIT 0x0u
#define __GFP_ZERO 0x100u

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* ---------------------------------------------------------------------------------------------------------- */
/* The hooks the model binds                                                                                  */
/* ---------------------------------------------------------------------------------------------------------- */

/** The version of struct srmm_linux_hooks this header expects; the model refuses a library built for another. */
#define SRMM_LINUX_HOOKS_VERSION 1

/** The services the model provides; filled in by the model when it loads the library. */
struct srmm_linux_hooks {
    /** SRMM_LINUX_HOOKS_VERSION of the model that bound the hooks; 0 while unbound. */
    uint64_t version;
    /** Passed back to every hook. */
    void *context;
    /** An SMC from the calling CPU: in holds X0 (the function ID) and X1..X6; out receives X0..X4. */
    void (*smc)(void *context, const uint64_t in[7], uint64_t out[5]);
    /** 2^order contiguous Non-secure pages (zeroed when zero is 1); NULL when none are left. */
    void *(*alloc_pages)(void *context, unsigned int order, int zero);
    /** Gives back pages from alloc_pages (NULL is ignored). */
    void (*free_pages)(void *context, void *address, unsigned int order);
    /** The physical address of a pointer into the model's memory (~0 for any other pointer). */
    uint64_t (*virt_to_phys)(void *context, const void *address);
    /** The pointer to a physical address of the model's memory (NULL for an address it does not map). */
    void *(*phys_to_virt)(void *context, uint64_t pa);
    /** A WARN fired at file:line; text is the condition or the formatted message. */
    void (*warn)(void *context, const char *file, int line, const char *text);
    /** A BUG fired at file:line: does not return. */
    void (*bug)(void *context, const char *file, int line, const char *text);
};

/** The table the model fills in: one per library (weak, so every translation unit may include this header). The
 *  model's own runtime includes this header for the layout only and defines SRMM_LINUX_NO_HOOKS_DEFINITION. */
#ifndef SRMM_LINUX_NO_HOOKS_DEFINITION
__attribute__((weak, visibility("default"))) struct srmm_linux_hooks srmm_linux_hooks;
#else
extern struct srmm_linux_hooks srmm_linux_hooks;
#endif

static inline struct srmm_linux_hooks *__srmm_hooks(void)
{
    if (unlikely(srmm_linux_hooks.version != SRMM_LINUX_HOOKS_VERSION))
        __builtin_trap(); /* called before the model bound the hooks */
    return &srmm_linux_hooks;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* SMCCC                                                                                                      */
/* ---------------------------------------------------------------------------------------------------------- */

/** The results of an SMC: X0..X4. */
struct arm_smccc_res {
    unsigned long a0;
    unsigned long a1;
    unsigned long a2;
    unsigned long a3;
    unsigned long a4;
};

static inline void __srmm_smc(unsigned long fid, unsigned long a1, unsigned long a2, unsigned long a3,
                              unsigned long a4, unsigned long a5, unsigned long a6, struct arm_smccc_res *res)
{
    struct srmm_linux_hooks *hooks = __srmm_hooks();
    uint64_t in[7] = {fid, a1, a2, a3, a4, a5, a6};
    uint64_t out[5] = {0, 0, 0, 0, 0};
    hooks->smc(hooks->context, in, out);
    if (res) {
        res->a0 = out[0];
        res->a1 = out[1];
        res->a2 = out[2];
        res->a3 = out[3];
        res->a4 = out[4];
    }
}

/* arm_smccc_1_1_invoke(fid, [a1 .. a6,] res): the argument count picks the form. */
#define __SRMM_NTH(_1, _2, _3, _4, _5, _6, _7, _8, N, ...) N
#define __SRMM_COUNT(...) __SRMM_NTH(__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define __SRMM_CAT_(a, b) a##b
#define __SRMM_CAT(a, b) __SRMM_CAT_(a, b)
#define __srmm_smc_2(f, r) __srmm_smc((f), 0, 0, 0, 0, 0, 0, (r))
#define __srmm_smc_3(f, a, r) __srmm_smc((f), (a), 0, 0, 0, 0, 0, (r))
#define __srmm_smc_4(f, a, b, r) __srmm_smc((f), (a), (b), 0, 0, 0, 0, (r))
#define __srmm_smc_5(f, a, b, c, r) __srmm_smc((f), (a), (b), (c), 0, 0, 0, (r))
#define __srmm_smc_6(f, a, b, c, d, r) __srmm_smc((f), (a), (b), (c), (d), 0, 0, (r))
#define __srmm_smc_7(f, a, b, c, d, e, r) __srmm_smc((f), (a), (b), (c), (d), (e), 0, (r))
#define __srmm_smc_8(f, a, b, c, d, e, g, r) __srmm_smc((f), (a), (b), (c), (d), (e), (g), (r))
#define arm_smccc_1_1_invoke(...) __SRMM_CAT(__srmm_smc_, __SRMM_COUNT(__VA_ARGS__))(__VA_ARGS__)
#define arm_smccc_1_1_smc(...) arm_smccc_1_1_invoke(__VA_ARGS__)

/* ---------------------------------------------------------------------------------------------------------- */
/* WARN and BUG                                                                                               */
/* ---------------------------------------------------------------------------------------------------------- */

static inline void __srmm_warn(const char *file, int line, const char *text)
{
    struct srmm_linux_hooks *hooks = __srmm_hooks();
    hooks->warn(hooks->context, file, line, text);
}

static inline __attribute__((format(printf, 3, 4))) void __srmm_warnf(const char *file, int line,
                                                                     const char *format, ...)
{
    char text[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(text, sizeof text, format, arguments);
    va_end(arguments);
    __srmm_warn(file, line, text);
}

#define WARN_ON(condition)                                                                                     \
    ({                                                                                                         \
        int __srmm_c = !!(condition);                                                                          \
        if (unlikely(__srmm_c))                                                                                \
            __srmm_warn(__FILE__, __LINE__, "WARN_ON(" #condition ")");                                        \
        unlikely(__srmm_c);                                                                                    \
    })
#define WARN_ON_ONCE(condition)                                                                                \
    ({                                                                                                         \
        static bool __srmm_warned;                                                                             \
        int __srmm_c = !!(condition);                                                                          \
        if (unlikely(__srmm_c) && !__srmm_warned) {                                                            \
            __srmm_warned = true;                                                                              \
            __srmm_warn(__FILE__, __LINE__, "WARN_ON_ONCE(" #condition ")");                                   \
        }                                                                                                      \
        unlikely(__srmm_c);                                                                                    \
    })
#define WARN(condition, ...)                                                                                   \
    ({                                                                                                         \
        int __srmm_c = !!(condition);                                                                          \
        if (unlikely(__srmm_c))                                                                                \
            __srmm_warnf(__FILE__, __LINE__, __VA_ARGS__);                                                     \
        unlikely(__srmm_c);                                                                                    \
    })
#define BUG_ON(condition)                                                                                      \
    do {                                                                                                       \
        if (unlikely(condition)) {                                                                             \
            struct srmm_linux_hooks *__srmm_h = __srmm_hooks();                                                \
            __srmm_h->bug(__srmm_h->context, __FILE__, __LINE__, "BUG_ON(" #condition ")");                    \
            __builtin_unreachable();                                                                           \
        }                                                                                                      \
    } while (0)
#define BUG()                                                                                                  \
    do {                                                                                                       \
        struct srmm_linux_hooks *__srmm_h = __srmm_hooks();                                                    \
        __srmm_h->bug(__srmm_h->context, __FILE__, __LINE__, "BUG()");                                         \
        __builtin_unreachable();                                                                               \
    } while (0)

/* Scheduling hints: the model runs the call on one thread, so they do nothing. */
#define cpu_relax() do { } while (0)
#define cond_resched() do { } while (0)
#define might_sleep() do { } while (0)

/* ---------------------------------------------------------------------------------------------------------- */
/* Pages and addresses                                                                                        */
/* ---------------------------------------------------------------------------------------------------------- */

/** A page; a struct page * is the page's virtual address. */
struct page;

static inline phys_addr_t virt_to_phys(const volatile void *address)
{
    struct srmm_linux_hooks *hooks = __srmm_hooks();
    return hooks->virt_to_phys(hooks->context, (const void *)address);
}

static inline void *phys_to_virt(phys_addr_t pa)
{
    struct srmm_linux_hooks *hooks = __srmm_hooks();
    return hooks->phys_to_virt(hooks->context, pa);
}

#define __pa(address) virt_to_phys((const void *)(address))
#define __va(pa) phys_to_virt((phys_addr_t)(pa))

static inline struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
    struct srmm_linux_hooks *hooks = __srmm_hooks();
    return (struct page *)hooks->alloc_pages(hooks->context, order, (gfp & __GFP_ZERO) != 0);
}

static inline struct page *alloc_page(gfp_t gfp) { return alloc_pages(gfp, 0); }

static inline void *page_address(const struct page *page) { return (void *)page; }

static inline phys_addr_t page_to_phys(const struct page *page) { return virt_to_phys(page); }

static inline struct page *virt_to_page(const void *address)
{
    return (struct page *)((uintptr_t)address & ~(uintptr_t)(PAGE_SIZE - 1));
}

static inline struct page *phys_to_page(phys_addr_t pa) { return (struct page *)phys_to_virt(pa & PAGE_MASK); }

static inline void __free_pages(struct page *page, unsigned int order)
{
    struct srmm_linux_hooks *hooks = __srmm_hooks();
    hooks->free_pages(hooks->context, (void *)page, order);
}

static inline void __free_page(struct page *page) { __free_pages(page, 0); }

static inline unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
    return (unsigned long)alloc_pages(gfp, order);
}

static inline unsigned long __get_free_page(gfp_t gfp) { return __get_free_pages(gfp, 0); }

static inline unsigned long get_zeroed_page(gfp_t gfp) { return __get_free_pages(gfp | __GFP_ZERO, 0); }

static inline void free_pages(unsigned long address, unsigned int order)
{
    if (address)
        __free_pages((struct page *)address, order);
}

static inline void free_page(unsigned long address) { free_pages(address, 0); }

/** kmalloc: a whole number of pages from the same memory (the model's allocator has no smaller unit). */
static inline unsigned int __srmm_order(size_t size)
{
    unsigned int order = 0;
    while ((PAGE_SIZE << order) < size)
        order++;
    return order;
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
    if (size == 0)
        return NULL;
    return (void *)alloc_pages(gfp, __srmm_order(size));
}

static inline void *kzalloc(size_t size, gfp_t gfp) { return kmalloc(size, gfp | __GFP_ZERO); }

/* kfree needs the size the kernel's slab remembers: the model's allocator remembers it (order ~0u asks it). */
static inline void kfree(const void *address)
{
    if (address)
        __free_pages((struct page *)address, ~0u);
}

#ifdef __cplusplus
}
#endif

#endif /* SWIFT_RMM_LINUX_H */
