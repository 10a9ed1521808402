/*
 * CHostRuntime: trampolines for swift_rmm_linux.h and guarded calls (see include/CHostRuntime.h).
 *
 * A guarded call sets a per-thread jump buffer, then calls the C function. Every way out other than a return
 * goes back through it with siglongjmp: from the runtime's own C frames (the SMC bound, BUG_ON) or from a signal
 * handler (a crash, the watchdog). No Swift frame is ever jumped over: while a Swift callback runs, the thread is
 * "in a hook", the watchdog only leaves a note that the trampoline acts on when the callback returns, and a
 * crashing signal is not taken as the C function's (it goes to the previous handler: a bug of the model).
 */
#define _GNU_SOURCE
#include "include/CHostRuntime.h"

#define SRMM_LINUX_NO_HOOKS_DEFINITION
#include "../../include/swift_rmm_linux.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

struct chr_thread {
    sigjmp_buf jump;
    const chr_callbacks *callbacks;
    chr_outcome *outcome;
    volatile sig_atomic_t active;
    volatile sig_atomic_t in_hook;
    volatile sig_atomic_t timeout_pending;
    /* Watchdog: calls and hook returns advance `heartbeat`; a tick that sees it unchanged stops the call. */
    volatile uint64_t heartbeat;
    uint64_t heartbeat_at_last_tick;
    int has_timer;
    timer_t timer;
    int has_saved_mask;
    sigset_t saved_mask;
    void *alternate_stack;
};

static _Thread_local struct chr_thread chr_self;

static const int chr_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGALRM};
#define CHR_SIGNAL_COUNT (sizeof chr_signals / sizeof chr_signals[0])
static struct sigaction chr_previous[CHR_SIGNAL_COUNT];
static pthread_once_t chr_install_once = PTHREAD_ONCE_INIT;
static int chr_install_error;
static void *chr_poison;

static int chr_signal_index(int signal)
{
    for (unsigned i = 0; i < CHR_SIGNAL_COUNT; i++)
        if (chr_signals[i] == signal)
            return (int)i;
    return -1;
}

static void chr_handler(int signal, siginfo_t *info, void *context)
{
    struct chr_thread *self = &chr_self;
    if (signal == SIGALRM && info->si_code == SI_TIMER) {
        if (!self->active)
            return;
        if (self->heartbeat != self->heartbeat_at_last_tick) {
            self->heartbeat_at_last_tick = self->heartbeat;
            return;
        }
        if (self->in_hook) {
            self->timeout_pending = 1;
            return;
        }
        self->outcome->end = CHR_TIMEOUT;
        self->active = 0;
        siglongjmp(self->jump, 1);
    }
    if (!self->active || self->in_hook) {
        /* Not the C function's: hand it to whoever handled it before. */
        int index = chr_signal_index(signal);
        struct sigaction *previous = &chr_previous[index];
        if (previous->sa_flags & SA_SIGINFO) {
            if (previous->sa_sigaction) {
                previous->sa_sigaction(signal, info, context);
                return;
            }
        } else if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN) {
            previous->sa_handler(signal);
            return;
        } else if (previous->sa_handler == SIG_IGN) {
            return;
        }
        sigaction(signal, previous, NULL);
        raise(signal);
        return;
    }
    self->outcome->end = CHR_SIGNAL;
    self->outcome->signal = signal;
    self->outcome->code = info->si_code;
    self->outcome->fault_address = (uint64_t)(uintptr_t)info->si_addr;
    self->active = 0;
    siglongjmp(self->jump, 1);
}

static void chr_install(void)
{
    long page = sysconf(_SC_PAGESIZE);
    chr_poison = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (chr_poison == MAP_FAILED) {
        chr_install_error = errno;
        return;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = chr_handler;
    /* SA_NODEFER: the handler leaves by siglongjmp without restoring a mask, so it must not block anything. */
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK | SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (unsigned i = 0; i < CHR_SIGNAL_COUNT; i++) {
        if (sigaction(chr_signals[i], &action, &chr_previous[i]) != 0) {
            chr_install_error = errno;
            return;
        }
    }
}

void *chr_poison_page(void)
{
    pthread_once(&chr_install_once, chr_install);
    return chr_poison;
}

int chr_thread_begin(uint32_t watchdog_milliseconds)
{
    struct chr_thread *self = &chr_self;
    pthread_once(&chr_install_once, chr_install);
    if (chr_install_error)
        return chr_install_error;
    if (!self->alternate_stack) {
        size_t size = 256 * 1024;
        void *stack = malloc(size);
        if (!stack)
            return ENOMEM;
        stack_t alternate = {.ss_sp = stack, .ss_size = size, .ss_flags = 0};
        if (sigaltstack(&alternate, NULL) != 0) {
            free(stack);
            return errno;
        }
        self->alternate_stack = stack;
    }
    /* Threads of a pool (libdispatch, Swift concurrency) block signals: a blocked SIGSEGV would kill the process
     * and a blocked watchdog would never fire. Unblock the runtime's signals until chr_thread_end. */
    if (!self->has_saved_mask) {
        sigset_t ours;
        sigemptyset(&ours);
        for (unsigned i = 0; i < CHR_SIGNAL_COUNT; i++)
            sigaddset(&ours, chr_signals[i]);
        if (pthread_sigmask(SIG_UNBLOCK, &ours, &self->saved_mask) != 0)
            return EINVAL;
        self->has_saved_mask = 1;
    }
    if (!self->has_timer && watchdog_milliseconds > 0) {
        struct sigevent event;
        memset(&event, 0, sizeof event);
        event.sigev_notify = SIGEV_THREAD_ID;
        event.sigev_signo = SIGALRM;
        event.sigev_notify_thread_id = gettid();
        if (timer_create(CLOCK_MONOTONIC, &event, &self->timer) != 0)
            return errno;
        struct itimerspec period;
        period.it_interval.tv_sec = watchdog_milliseconds / 1000;
        period.it_interval.tv_nsec = (long)(watchdog_milliseconds % 1000) * 1000000L;
        period.it_value = period.it_interval;
        if (timer_settime(self->timer, 0, &period, NULL) != 0) {
            int error = errno;
            timer_delete(self->timer);
            return error;
        }
        self->has_timer = 1;
    }
    return 0;
}

void chr_thread_end(void)
{
    struct chr_thread *self = &chr_self;
    if (self->has_timer) {
        timer_delete(self->timer);
        self->has_timer = 0;
    }
    if (self->has_saved_mask) {
        pthread_sigmask(SIG_SETMASK, &self->saved_mask, NULL);
        self->has_saved_mask = 0;
    }
}

/* Leaves the guarded call from the runtime's own frames (never from a Swift frame). */
static _Noreturn void chr_leave(int32_t end)
{
    struct chr_thread *self = &chr_self;
    if (!self->active)
        abort(); /* a hook that ends the call, outside any guarded call */
    self->outcome->end = end;
    self->active = 0;
    siglongjmp(self->jump, 1);
}

static void chr_enter_hook(void)
{
    chr_self.in_hook = 1;
}

static void chr_exit_hook(void)
{
    struct chr_thread *self = &chr_self;
    self->in_hook = 0;
    self->heartbeat++;
    if (self->timeout_pending)
        chr_leave(CHR_TIMEOUT);
}

static void chr_smc(void *unused, const uint64_t in[7], uint64_t out[5])
{
    (void)unused;
    const chr_callbacks *callbacks = chr_self.callbacks;
    if (!callbacks || !chr_self.active) {
        out[0] = UINT64_MAX; /* SMCCC NOT_SUPPORTED: no model is listening */
        return;
    }
    chr_enter_hook();
    int stop = callbacks->smc(callbacks->context, in, out);
    chr_exit_hook();
    if (stop)
        chr_leave(CHR_STOPPED);
}

static void *chr_alloc_pages(void *unused, unsigned int order, int zero)
{
    (void)unused;
    const chr_callbacks *callbacks = chr_self.callbacks;
    if (!callbacks || !chr_self.active)
        return NULL;
    chr_enter_hook();
    void *pages = callbacks->alloc_pages(callbacks->context, order, zero);
    chr_exit_hook();
    return pages;
}

static void chr_free_pages(void *unused, void *address, unsigned int order)
{
    (void)unused;
    const chr_callbacks *callbacks = chr_self.callbacks;
    if (!callbacks || !chr_self.active || !address)
        return;
    chr_enter_hook();
    callbacks->free_pages(callbacks->context, address, order);
    chr_exit_hook();
}

static uint64_t chr_virt_to_phys(void *unused, const void *address)
{
    (void)unused;
    const chr_callbacks *callbacks = chr_self.callbacks;
    if (!callbacks || !chr_self.active)
        return UINT64_MAX;
    chr_enter_hook();
    uint64_t pa = callbacks->virt_to_phys(callbacks->context, address);
    chr_exit_hook();
    return pa;
}

static void *chr_phys_to_virt(void *unused, uint64_t pa)
{
    (void)unused;
    const chr_callbacks *callbacks = chr_self.callbacks;
    if (!callbacks || !chr_self.active)
        return NULL;
    chr_enter_hook();
    void *address = callbacks->phys_to_virt(callbacks->context, pa);
    chr_exit_hook();
    return address;
}

static void chr_warn(void *unused, const char *file, int line, const char *text)
{
    (void)unused;
    const chr_callbacks *callbacks = chr_self.callbacks;
    if (!callbacks || !chr_self.active)
        return;
    chr_enter_hook();
    callbacks->warn(callbacks->context, file, line, text);
    chr_exit_hook();
}

static void chr_bug(void *unused, const char *file, int line, const char *text)
{
    (void)unused;
    struct chr_thread *self = &chr_self;
    if (!self->active)
        abort();
    self->outcome->file = file;
    self->outcome->line = line;
    snprintf(self->outcome->text, sizeof self->outcome->text, "%s", text ? text : "BUG");
    chr_leave(CHR_BUG);
}

uint64_t chr_hooks_version(void)
{
    return SRMM_LINUX_HOOKS_VERSION;
}

void chr_bind(void *hooks_table)
{
    struct srmm_linux_hooks *hooks = hooks_table;
    hooks->context = NULL;
    hooks->smc = chr_smc;
    hooks->alloc_pages = chr_alloc_pages;
    hooks->free_pages = chr_free_pages;
    hooks->virt_to_phys = chr_virt_to_phys;
    hooks->phys_to_virt = chr_phys_to_virt;
    hooks->warn = chr_warn;
    hooks->bug = chr_bug;
    __atomic_store_n(&hooks->version, (uint64_t)SRMM_LINUX_HOOKS_VERSION, __ATOMIC_RELEASE);
}

typedef int (*chr_range_function)(uint64_t base, unsigned long size, uint64_t *out_top);

int32_t chr_call_range(const void *function, const chr_callbacks *callbacks, uint64_t base, uint64_t size,
                       uint64_t *out_top, chr_outcome *outcome)
{
    struct chr_thread *self = &chr_self;
    memset(outcome, 0, sizeof *outcome);
    self->callbacks = callbacks;
    self->outcome = outcome;
    self->in_hook = 0;
    self->timeout_pending = 0;
    self->heartbeat++;
    if (sigsetjmp(self->jump, 0) != 0) {
        /* Back from chr_leave or a signal handler: outcome->end says which. */
        chr_self.callbacks = NULL;
        chr_self.in_hook = 0;
        return outcome->end;
    }
    self->active = 1;
    int ret = ((chr_range_function)function)(base, (unsigned long)size, out_top);
    self->active = 0;
    self->callbacks = NULL;
    outcome->end = CHR_RETURNED;
    outcome->ret = ret;
    return CHR_RETURNED;
}
