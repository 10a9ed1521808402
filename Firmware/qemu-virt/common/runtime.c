// The bare-metal runtime each image links: console on the PL011, a bump heap, the memory primitives the Swift
// objects import, the stack protector, Hasher's seed, and semihosting exit.
#include "runtime.h"
#include "board.h"

// --- Console ---
#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)

static volatile uint32_t *const uart = (volatile uint32_t *)BOARD_UART_BASE;
static uint32_t console_owner;  // 0 free, else 1 + the MPIDR affinity of the CPU holding the console

static uint32_t current_cpu_tag(void) {
    uint64_t mpidr;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return (uint32_t)(mpidr & 0xFF) + 1;
}

void console_lock(void) {
    uint32_t expected = 0, me = current_cpu_tag();
    // Acquire: what the previous holder printed is done before this CPU writes the UART.
    while (!__atomic_compare_exchange_n(&console_owner, &expected, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        expected = 0;
}

void console_unlock(void) { __atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE); }

void console_putc(char c) {
    if (c == '\n') console_putc('\r');
    while (uart[UART_FR / 4] & UART_FR_TXFF) {}
    uart[UART_DR / 4] = (uint8_t)c;
}

void console_puts(const char *s) {
    while (*s) console_putc(*s++);
}

void console_hex(uint64_t value) {
    console_puts("0x");
    int shift = 60;
    while (shift > 0 && ((value >> shift) & 0xF) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) console_putc("0123456789abcdef"[(value >> shift) & 0xF]);
}

void console_dec(uint64_t value) {
    char digits[24];
    int i = 0;
    do {
        digits[i++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (i) console_putc(digits[--i]);
}

int putchar(int c) {
    console_putc((char)c);
    return c;
}

// --- Counter ---
uint64_t counter_ticks(void) {
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(v));
    return v;
}

uint64_t counter_frequency(void) {
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

uint64_t ticks_to_us(uint64_t ticks) { return ticks * 1000000 / counter_frequency(); }

// --- Heap ---
extern char __heap_start[], __heap_end[];
static uintptr_t heap_cursor;  // 0 until the first allocation
static uint64_t heap_count;

void *heap_allocate(size_t size, size_t alignment) {
    if (alignment < 16) alignment = 16;
    uintptr_t old = __atomic_load_n(&heap_cursor, __ATOMIC_RELAXED), start, next;
    do {
        start = ((old ? old : (uintptr_t)__heap_start) + alignment - 1) & ~(uintptr_t)(alignment - 1);
        next = start + size;
        if (next > (uintptr_t)__heap_end || next < start) return NULL;
        // Relaxed: the cursor only partitions the heap; the memory is published by whoever hands it out.
    } while (!__atomic_compare_exchange_n(&heap_cursor, &old, next, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    __atomic_fetch_add(&heap_count, 1, __ATOMIC_RELAXED);
    return (void *)start;
}

uint64_t heap_used(void) {
    uintptr_t cursor = __atomic_load_n(&heap_cursor, __ATOMIC_RELAXED);
    return cursor ? cursor - (uintptr_t)__heap_start : 0;
}

uint64_t heap_allocations(void) { return __atomic_load_n(&heap_count, __ATOMIC_RELAXED); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    void *p = heap_allocate(size, alignment);
    if (!p) return 12;  // ENOMEM
    *out = p;
    return 0;
}

void *malloc(size_t size) { return heap_allocate(size, 16); }
void free(void *p) { (void)p; }

// --- Memory primitives (built with -fno-builtin: the compiler may not turn these loops into calls to themselves) ---
void *memset(void *destination, int byte, size_t count) {
    uint8_t *p = destination;
    uint64_t pattern = 0x0101010101010101ULL * (uint8_t)byte;
    while (count && ((uintptr_t)p & 7)) {
        *p++ = (uint8_t)byte;
        count--;
    }
    for (; count >= 8; count -= 8, p += 8) *(uint64_t *)p = pattern;
    while (count--) *p++ = (uint8_t)byte;
    return destination;
}

void *memcpy(void *destination, const void *source, size_t count) {
    uint8_t *d = destination;
    const uint8_t *s = source;
    if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0)
        for (; count >= 8; count -= 8, d += 8, s += 8) *(uint64_t *)d = *(const uint64_t *)s;
    while (count--) *d++ = *s++;
    return destination;
}

void *memmove(void *destination, const void *source, size_t count) {
    uint8_t *d = destination;
    const uint8_t *s = source;
    if (d <= s || d >= s + count) return memcpy(destination, source, count);
    while (count--) d[count] = s[count];
    return destination;
}

int memcmp(const void *a, const void *b, size_t count) {
    const uint8_t *x = a, *y = b;
    for (; count; count--, x++, y++)
        if (*x != *y) return *x - *y;
    return 0;
}

void zero_memory(void *destination, size_t count) {
    uint64_t dczid;
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
    uint8_t *p = destination;
    if (!(dczid & 0x10)) {  // DZP clear: DC ZVA permitted
        size_t block = 4u << (dczid & 0xF);
        while (count && ((uintptr_t)p & (block - 1))) {
            *p++ = 0;
            count--;
        }
        for (; count >= block; count -= block, p += block) __asm__ volatile("dc zva, %0" ::"r"(p) : "memory");
    }
    memset(p, 0, count);
}

// --- Stacks ---
void stack_paint(uint64_t *bottom, uint64_t *top) {
    for (uint64_t *p = bottom; p < top; p++) *p = STACK_PAINT;
}

uint64_t stack_depth(const uint64_t *bottom, const uint64_t *top) {
    const uint64_t *p = bottom;
    while (p < top && *p == STACK_PAINT) p++;
    return (uint64_t)((uintptr_t)top - (uintptr_t)p);
}

// --- What the Swift objects import ---
// Hasher's seed: no entropy source on this board; the counter varies it from run to run.
void arc4random_buf(void *buffer, size_t count) {
    uint8_t *p = buffer;
    uint64_t x = 0x9E3779B97F4A7C15ULL ^ counter_ticks();
    while (count--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *p++ = (uint8_t)x;
    }
}

uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ULL;

__attribute__((noreturn)) void __stack_chk_fail(void) {
    console_puts("\n*** stack smashing detected\n");
    semihosting_exit(3);
}

// --- Exit ---
__attribute__((noreturn)) void semihosting_exit(uint64_t status) {
    static uint64_t block[2];
    block[0] = 0x20026;  // ADP_Stopped_ApplicationExit
    block[1] = status;
    register uint64_t x0 __asm__("x0") = 0x18;  // SYS_EXIT
    register uint64_t x1 __asm__("x1") = (uint64_t)block;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    for (;;) __asm__ volatile("wfi");
}
