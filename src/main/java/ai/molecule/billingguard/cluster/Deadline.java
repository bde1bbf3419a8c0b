package ai.molecule.billingguard.cluster;

import java.time.Duration;

/**
 * The one deadline every lookup of one admission request shares, so the answer (a denial if need
 * be) comes before the API server gives up on the webhook and applies its failure policy.
 *
 * @param budget what the request was given, named in the cause of a lookup that ran out of it
 */
record Deadline(long endNanos, Duration budget) {

    static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    long remainingNanos() {
        return Math.max(0, endNanos - System.nanoTime());
    }

    /** The cause of a lookup not finished in time: {@code timed out after 2s}. */
    String timedOut() {
        return "timed out after " + ApiErrors.human(budget);
    }
}
