// A small persistent thread pool for the NMF passes: an outer iteration on a binned volume takes
// ~0.1 ms, so waking sleeping threads for every pass (what a general-purpose queue does) costs
// as much as the work. Workers spin briefly on the job word between jobs, then sleep.
//
// The job word packs (generation, next task, task count); a thread runs task t only after a
// compare-and-swap claimed t within the current generation, so a thread that arrives late (or
// never, on a busy machine) can neither run a task twice nor hold up the caller: the caller runs
// unclaimed tasks itself and waits only for tasks already claimed.
#include "CImagingKernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define KF_POOL_MAX 64
#define KF_SPIN_NS 100000L   /* a worker spins this long after a job before it sleeps */

static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;   /* one job at a time */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;   /* guards sleepers / wake */
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static int pool_workers = 0, pool_sleepers = 0;
static _Atomic uint64_t pool_job = 0;        /* generation << 32 | next << 16 | tasks */
static atomic_int pool_done = 0;
static kf_task_fn pool_fn = 0;               /* valid while a task of the current job is unfinished */
static void *pool_ctx = 0;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Claims and runs tasks of generation `gen` until none is left. */
static void run_tasks(uint32_t gen) {
    uint64_t job = atomic_load_explicit(&pool_job, memory_order_acquire);
    for (;;) {
        uint32_t g = (uint32_t)(job >> 32), next = (uint32_t)(job >> 16) & 0xffff, tasks = (uint32_t)job & 0xffff;
        if (g != gen || next >= tasks) return;
        if (atomic_compare_exchange_weak_explicit(&pool_job, &job, job + (1u << 16), memory_order_acq_rel,
                                                  memory_order_acquire)) {
            pool_fn(pool_ctx, (int)next);
            atomic_fetch_add_explicit(&pool_done, 1, memory_order_release);
            job = atomic_load_explicit(&pool_job, memory_order_acquire);
        }
    }
}

static void *worker_main(void *arg) {
    (void)arg;
    uint32_t seen = (uint32_t)(atomic_load_explicit(&pool_job, memory_order_acquire) >> 32);
    for (;;) {
        long start = now_ns();
        uint32_t g;
        for (int spins = 1; (g = (uint32_t)(atomic_load_explicit(&pool_job, memory_order_acquire) >> 32)) == seen; spins++) {
            __builtin_ia32_pause();
            if (spins % 256 == 0) {
                if (now_ns() - start > KF_SPIN_NS) {
                    pthread_mutex_lock(&pool_lock);
                    pool_sleepers++;
                    while ((g = (uint32_t)(atomic_load_explicit(&pool_job, memory_order_acquire) >> 32)) == seen)
                        pthread_cond_wait(&pool_wake, &pool_lock);
                    pool_sleepers--;
                    pthread_mutex_unlock(&pool_lock);
                    break;
                }
                sched_yield();   /* on a busy machine, let others run */
            }
        }
        seen = g;
        run_tasks(g);
    }
    return 0;
}

void kf_parallel_for(kf_task_fn fn, void *ctx, int tasks, int threads) {
    if (threads > KF_POOL_MAX) threads = KF_POOL_MAX;
    if (threads <= 1 || tasks <= 1 || tasks > 0xffff || pthread_mutex_trylock(&pool_busy) != 0) {
        for (int t = 0; t < tasks; t++) fn(ctx, t);   /* same results: tasks own their outputs */
        return;
    }
    while (pool_workers < threads - 1) {   /* started once and kept */
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&th, &attr, worker_main, 0);
        pthread_attr_destroy(&attr);
        if (failed) break;
        pool_workers++;
    }
    pool_fn = fn;
    pool_ctx = ctx;
    atomic_store_explicit(&pool_done, 0, memory_order_relaxed);
    uint32_t gen = (uint32_t)(atomic_load_explicit(&pool_job, memory_order_relaxed) >> 32) + 1;
    pthread_mutex_lock(&pool_lock);
    atomic_store_explicit(&pool_job, (uint64_t)gen << 32 | (uint64_t)tasks, memory_order_release);
    if (pool_sleepers > 0) pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    run_tasks(gen);
    for (int spins = 1; atomic_load_explicit(&pool_done, memory_order_acquire) < tasks; spins++) {
        __builtin_ia32_pause();
        if (spins % 256 == 0) sched_yield();   /* a claimed task's thread may need this core */
    }
    pthread_mutex_unlock(&pool_busy);
}
