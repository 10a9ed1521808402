// What every image (EL3, RMM, host) links from common/: console, heap, memory primitives, counters, exit.
#ifndef RUNTIME_H
#define RUNTIME_H
#include <stddef.h>
#include <stdint.h>

void console_putc(char c);
void console_puts(const char *s);
void console_hex(uint64_t value);
void console_dec(uint64_t value);
// One whole line at a time, so lines of several CPUs do not interleave.
void console_lock(void);
void console_unlock(void);

uint64_t counter_ticks(void);
uint64_t counter_frequency(void);
uint64_t ticks_to_us(uint64_t ticks);

void *memset(void *destination, int byte, size_t count);
void *memcpy(void *destination, const void *source, size_t count);
void *memmove(void *destination, const void *source, size_t count);
int memcmp(const void *a, const void *b, size_t count);
// Zeroes with DC ZVA (the MMU must be on: DC ZVA faults on Device memory).
void zero_memory(void *destination, size_t count);

// The heap between the image's __heap_start and __heap_end: a bump allocator (free keeps nothing).
void *heap_allocate(size_t size, size_t alignment);
uint64_t heap_used(void);
uint64_t heap_allocations(void);

void stack_paint(uint64_t *bottom, uint64_t *top);
uint64_t stack_depth(const uint64_t *bottom, const uint64_t *top);

// Semihosting SYS_EXIT: QEMU exits with `status`.
__attribute__((noreturn)) void semihosting_exit(uint64_t status);

#define array_count(a) (sizeof(a) / sizeof((a)[0]))
#endif
