package ai.molecule.billingguard.server;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A share of the heap for large request bodies being read and reviewed at the same time, so that
 * a few large requests at once cannot exhaust the heap (and with it every other request). See
 * "Large requests" in docs/design.md for the measurements behind the numbers.
 *
 * <p>Each large request holds, while it is read, parsed and decided, the worst heap its body can
 * cost: its length plus {@link ReviewBody#WORST_BYTES_PER_TOKEN} per token it may hold (at most
 * one per byte, at most {@link ReviewBody#MAX_TOKENS}). A request that finds the budget taken
 * waits, at most {@code wait}, and is then refused; so is one that finds {@link #MAX_WAITING} waiting
 * already. Small bodies (real workspace pods are around 10 KB) never wait: a burst of large
 * requests does not delay them.
 */
final class BodyBudget {
    /** Bodies up to this size do not take part: their worst tree is a few MiB. */
    static final long SMALL_BODY_BYTES = 64 * 1024;
    /** How long a large request waits for its share; well inside a webhook timeout of 5 s with a 2 s lookup deadline. */
    static final Duration WAIT = Duration.ofSeconds(2);
    /** Large requests waiting at once; more are refused at once, so waiting never holds more of the server's threads. */
    static final int MAX_WAITING = 16;

    private static final Lease FREE = () -> {
    };

    private final Semaphore kib;
    private final AtomicInteger waiting = new AtomicInteger();
    private final long capacityKib;
    private final long maxBodyBytes;
    private final Duration wait;

    /**
     * @param budgetBytes  heap that large bodies may take together
     * @param maxBodyBytes the body limit (a body of unknown length is counted at it)
     */
    BodyBudget(long budgetBytes, long maxBodyBytes, Duration wait) {
        this.capacityKib = Math.max(1, Math.min(Integer.MAX_VALUE, budgetBytes / 1024));
        this.kib = new Semaphore((int) capacityKib);
        this.maxBodyBytes = maxBodyBytes;
        this.wait = wait;
    }

    /** Half the heap the JVM may grow to: the rest is for small requests, caches and the server. */
    static BodyBudget halfTheHeap(long maxBodyBytes) {
        return new BodyBudget(Runtime.getRuntime().maxMemory() / 2, maxBodyBytes, WAIT);
    }

    /** The worst heap a body of this length (-1: unknown) can cost while it is reviewed. */
    long cost(long declaredLength) {
        long length = declaredLength < 0 ? maxBodyBytes : Math.min(declaredLength, maxBodyBytes);
        return length + Math.min(length, ReviewBody.MAX_TOKENS) * ReviewBody.WORST_BYTES_PER_TOKEN;
    }

    /**
     * A share for a body of this length (-1: unknown), or empty when the budget stayed taken for the
     * whole wait. A body dearer than the whole budget takes all of it, so it still runs alone.
     */
    Optional<Lease> acquire(long declaredLength) throws InterruptedException {
        if (declaredLength >= 0 && declaredLength <= SMALL_BODY_BYTES) {
            return Optional.of(FREE);
        }
        int units = (int) Math.min(capacityKib, (cost(declaredLength) + 1023) / 1024);
        if (!kib.tryAcquire(units)) {
            if (waiting.incrementAndGet() > MAX_WAITING) {
                waiting.decrementAndGet();
                return Optional.empty();
            }
            try {
                if (!kib.tryAcquire(units, wait.toNanos(), TimeUnit.NANOSECONDS)) {
                    return Optional.empty();
                }
            } finally {
                waiting.decrementAndGet();
            }
        }
        return Optional.of(() -> kib.release(units));
    }

    /** Large requests waiting for their share now. */
    int waiting() {
        return waiting.get();
    }

    /** Bytes of the budget in use now, for the log line of a refusal. */
    long inUseBytes() {
        return (capacityKib - kib.availablePermits()) * 1024;
    }

    /** A share of the budget, given back on close. */
    interface Lease extends AutoCloseable {
        @Override
        void close();
    }
}
