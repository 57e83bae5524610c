// A small persistent thread pool for the NMF passes: an outer iteration on a binned volume takes
// ~0.1 ms, so waking sleeping threads for every pass (what a general-purpose queue does) costs
// as much as the work. Workers spin briefly on a generation counter between jobs, then sleep.
#include "CImagingKernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#define KF_POOL_MAX 64
#define KF_SPIN_NS 300000L   /* a worker keeps spinning this long after a job before it sleeps */

static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;   /* one job at a time */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;   /* guards sleeping / wake */
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static int pool_workers = 0;                 /* threads started (besides the caller) */
static atomic_long pool_generation = 0;      /* bumped per job */
static atomic_int pool_next = 0, pool_done = 0, pool_ack = 0;
static int pool_tasks = 0;                   /* this job's task count */
static kf_task_fn pool_fn = 0;
static void *pool_ctx = 0;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void run_tasks(void) {
    int t;
    while ((t = atomic_fetch_add_explicit(&pool_next, 1, memory_order_relaxed)) < pool_tasks) {
        pool_fn(pool_ctx, t);
        atomic_fetch_add_explicit(&pool_done, 1, memory_order_release);
    }
}

/* Every worker takes part in every job exactly once and acknowledges it; the caller waits for
   all acknowledgements, so no worker touches a job's state outside that job. */
static void *worker_main(void *arg) {
    long seen = (long)arg;
    for (;;) {
        long start = now_ns(), g;
        int spins = 0;
        while ((g = atomic_load_explicit(&pool_generation, memory_order_acquire)) == seen) {
            __builtin_ia32_pause();
            if (++spins % 256 == 0 && now_ns() - start > KF_SPIN_NS) {
                pthread_mutex_lock(&pool_lock);
                while ((g = atomic_load_explicit(&pool_generation, memory_order_acquire)) == seen)
                    pthread_cond_wait(&pool_wake, &pool_lock);
                pthread_mutex_unlock(&pool_lock);
                break;
            }
        }
        seen = g;
        run_tasks();
        atomic_fetch_add_explicit(&pool_ack, 1, memory_order_release);
    }
    return 0;
}

void kf_parallel_for(kf_task_fn fn, void *ctx, int tasks, int threads) {
    if (threads > KF_POOL_MAX) threads = KF_POOL_MAX;
    if (threads <= 1 || tasks <= 1 || pthread_mutex_trylock(&pool_busy) != 0) {
        for (int t = 0; t < tasks; t++) fn(ctx, t);   /* same results: tasks own their outputs */
        return;
    }
    while (pool_workers < threads - 1) {   /* started once; later jobs use every started worker */
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* the worker starts from the generation before this job's, whenever it gets to run */
        long generation = atomic_load_explicit(&pool_generation, memory_order_relaxed);
        int failed = pthread_create(&th, &attr, worker_main, (void *)generation);
        pthread_attr_destroy(&attr);
        if (failed) break;
        pool_workers++;
    }
    pool_fn = fn; pool_ctx = ctx; pool_tasks = tasks;
    atomic_store_explicit(&pool_next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool_done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool_ack, 0, memory_order_relaxed);
    pthread_mutex_lock(&pool_lock);
    atomic_fetch_add_explicit(&pool_generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    run_tasks();
    for (int spins = 1; atomic_load_explicit(&pool_done, memory_order_acquire) < tasks ||
                        atomic_load_explicit(&pool_ack, memory_order_acquire) < pool_workers; spins++) {
        __builtin_ia32_pause();
        if (spins % 1024 == 0) sched_yield();   /* a descheduled worker needs the core */
    }
    pthread_mutex_unlock(&pool_busy);
}
