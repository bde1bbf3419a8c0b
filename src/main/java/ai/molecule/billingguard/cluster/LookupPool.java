package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.policy.Lookup;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs the independent live lookups of one request in parallel on a small bounded pool, and
 * waits for each no longer than the request's {@link Deadline}. A lookup still running at the
 * deadline is cancelled (its thread interrupted, so fabric8's blocking call returns at once) and
 * answers {@code Lookup.failed(object, "timed out after 2s")}: the policy fails closed on it.
 *
 * <p>The pool is bounded in threads and in queued lookups; past that a lookup fails at once
 * ("too many lookups in flight") rather than waiting behind others that may hang on a slow API
 * server. Threads are daemons and end when idle, so an unclosed pool keeps nothing alive.
 */
final class LookupPool {
    static final int THREADS = 16;
    static final int QUEUE = 256;

    private final ThreadPoolExecutor pool;

    LookupPool() {
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "billing-guard-lookup-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /** A lookup started now, to be awaited within a deadline. */
    <T> Pending<T> start(String object, Supplier<Lookup<T>> lookup) {
        try {
            return new Pending<>(object, pool.submit(lookup::get), pool, true);
        } catch (RejectedExecutionException e) {
            return known(Lookup.failed(object, "too many lookups in flight"), true);
        }
    }

    /** An answer known without asking (no secret to look up, no reference to list). */
    static <T> Pending<T> done(Lookup<T> answer) {
        return known(answer, false);
    }

    private static <T> Pending<T> known(Lookup<T> answer, boolean live) {
        FutureTask<Lookup<T>> known = new FutureTask<>(() -> answer);
        known.run();
        return new Pending<>("", known, null, live);
    }

    static final class Pending<T> {
        private final String object;
        private final Future<Lookup<T>> future;
        private final ThreadPoolExecutor pool;
        private final boolean live;

        private Pending(String object, Future<Lookup<T>> future, ThreadPoolExecutor pool, boolean live) {
            this.object = object;
            this.future = future;
            this.pool = pool;
            this.live = live;
        }

        /** Whether this answer comes (or was to come) from the API server. */
        boolean isLive() {
            return live;
        }

        /** The answer, or a failed lookup when it is not there by the deadline. */
        Lookup<T> await(Deadline deadline) {
            try {
                return future.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                cancel();
                return Lookup.failed(object, deadline.timedOut());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancel();
                return Lookup.failed(object, "interrupted");
            } catch (ExecutionException e) {
                // Lookups catch their own failures; this is a bug, still answered closed.
                return Lookup.failed(object, ApiErrors.cause(e.getCause(), deadline.budget()));
            }
        }

        private void cancel() {
            future.cancel(true);
            if (pool != null && future instanceof Runnable queued) {
                pool.remove(queued); // frees its queue slot if it never started
            }
        }
    }
}
