package ai.molecule.billingguard.server;

import io.javalin.http.Context;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Graceful shutdown of the webhook port (kubernetes#127335: kube-apiserver reuses keep-alive
 * connections to a terminating pod). Once draining, every answer carries {@code Connection: close}
 * so clients reconnect — through the Service, to a pod that is still ready. The count of requests
 * in the handler is a second check only: {@link WebhookServer#shutdown} waits for the accepted
 * connections to close, since a request leaves the handler before its answer is written.
 */
final class Drain {
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();

    void enter(Context ctx) {
        inFlight.incrementAndGet();
        if (draining.get()) {
            ctx.header("Connection", "close");
        }
    }

    void leave() {
        inFlight.decrementAndGet();
    }

    void start() {
        draining.set(true);
    }

    boolean draining() {
        return draining.get();
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Waits until no request is in flight, at most {@code timeout}; true when none is left. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return inFlight.get() == 0;
    }
}
