package ai.molecule.billingguard.server;

import ai.molecule.billingguard.admission.AdmissionResponse;
import ai.molecule.billingguard.admission.BadReviewException;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.PodDecision;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code POST /mutate} and {@code POST /validate}: decode, delegate, encode. Transport problems
 * get a v1 Status with 400/413/415/429; anything that carries a usable uid gets an AdmissionReview,
 * a failure of billing-guard itself (out-of-memory included) a denial by that uid.
 */
final class AdmissionEndpoint implements Handler {
    private static final Logger DECISIONS = LoggerFactory.getLogger("billing-guard.decision");
    private static final Logger INTERNAL = LoggerFactory.getLogger("billing-guard.internal");
    /** Made before it is needed: when the heap is exhausted, even a small answer may fail to build. */
    private static final byte[] LAST_RESORT = HttpErrors.status(500, "InternalError",
            "billing-guard failed to answer this request").getBytes(StandardCharsets.UTF_8);

    /** What answers a parsed AdmissionReview: {@link ReviewHandler#review} (tests put failures in its place). */
    @FunctionalInterface
    interface Reviewer {
        ReviewOutcome review(JsonNode review, ReviewHandler.Endpoint endpoint);
    }

    private final ReviewHandler.Endpoint endpoint;
    private final String path;
    private final Reviewer reviewer;
    private final Metrics metrics;
    private final long maxBodyBytes;
    private final BodyBudget budget;
    private final Drain drain;

    AdmissionEndpoint(ReviewHandler.Endpoint endpoint, Reviewer reviewer, Metrics metrics, long maxBodyBytes,
                      BodyBudget budget, Drain drain) {
        this.endpoint = endpoint;
        this.path = endpoint.name().toLowerCase(Locale.ROOT);
        this.reviewer = reviewer;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
        this.drain = drain;
    }

    @Override
    public void handle(Context ctx) {
        long start = System.nanoTime();
        drain.enter(ctx);
        try {
            if (!isJson(ctx.contentType())) {
                String got = ctx.contentType() == null || ctx.contentType().isBlank() ? "none"
                        : HttpErrors.clip(ctx.contentType().toLowerCase(Locale.ROOT));
                reject(ctx, 415, "UnsupportedMediaType", "expected Content-Type application/json, got " + got);
                return;
            }
            long declared = ctx.contentLength();
            if (declared > maxBodyBytes) {
                reject(ctx, 413, "RequestEntityTooLarge",
                        "body of " + declared + " bytes exceeds the limit of " + maxBodyBytes);
                return;
            }
            Optional<BodyBudget.Lease> lease;
            try {
                lease = budget.acquire(declared);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the server is stopping
                lease = Optional.empty();
            }
            if (lease.isEmpty()) {
                busy(ctx, start);
                return;
            }
            try (BodyBudget.Lease held = lease.get()) {
                review(ctx, start);
            }
        } finally {
            drain.leave();
        }
    }

    /** The media type {@code application/json}, parameters such as {@code charset} allowed, in any case. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int parameters = contentType.indexOf(';');
        String media = (parameters < 0 ? contentType : contentType.substring(0, parameters)).trim();
        return media.equalsIgnoreCase("application/json");
    }

    private void review(Context ctx, long start) {
        byte[] body = null;
        String uid = null;
        try {
            body = ctx.bodyAsBytes();
            if (body.length > maxBodyBytes) {
                reject(ctx, 413, "RequestEntityTooLarge", "body exceeds the limit of " + maxBodyBytes + " bytes");
                return;
            }
            if (body.length == 0) {
                reject(ctx, 400, "BadRequest", "empty body: expected an AdmissionReview");
                return;
            }
            JsonNode review;
            try {
                review = ReviewBody.tree(body);
            } catch (JacksonException e) {
                unreadable(ctx, start, body, ReviewBody.problem(e));
                return;
            }
            uid = Json.text(review.path("request"), "uid");
            ReviewOutcome outcome;
            try {
                outcome = reviewer.review(review, endpoint);
            } catch (BadReviewException e) {
                reject(ctx, 400, "BadRequest", e.getMessage());
                return;
            }
            ctx.status(200).contentType("application/json")
                    .result(outcome.response().toBytes());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            count(outcome, took);
            log(outcome, took);
            // The review failed closed on a failure of its own: answered already, still an internal error.
            outcome.error().ifPresent(failure -> reportInternal(outcome.request().uid(), failure));
        } catch (HttpResponseException e) {
            throw e; // Javalin's own answers (a chunked body over the limit: 413) go to its exception mapper
        } catch (Throwable failure) {
            // Out-of-memory and stack overflow included: the tree that caused them is garbage now.
            internalError(ctx, start, uid, body, failure);
        }
    }

    /**
     * A body that is no readable JSON (malformed, truncated, beyond the limits): denied by its uid
     * when one can be found before the problem, else 400. Either way the request is refused, but a
     * denial reaches the user as billing-guard's answer rather than as a failed webhook call.
     */
    private void unreadable(Context ctx, long start, byte[] body, String problem) {
        Optional<String> uid = ReviewBody.uid(body);
        if (uid.isEmpty()) {
            reject(ctx, 400, "BadRequest", problem);
            return;
        }
        deny(ctx, start, uid.get(), "billing-guard could not read this AdmissionReview (" + problem + "); failing closed");
    }

    /** The budget for large bodies stayed taken: denied by uid (read from the stream, not buffered), else 429. */
    private void busy(Context ctx, long start) {
        metrics.busy(path);
        String reason = "billing-guard is reviewing other large requests (" + budget.inUseBytes() / (1024 * 1024)
                + " MiB of its budget in use); retry";
        InputStream body = ctx.bodyInputStream();
        Optional<String> uid = ReviewBody.uid(body);
        discard(body);
        if (uid.isEmpty()) {
            ctx.header("Retry-After", "1");
            reject(ctx, 429, "TooManyRequests", reason);
            return;
        }
        deny(ctx, start, uid.get(), reason);
    }

    /**
     * Reads the rest of a body without keeping it (at most the body limit): a client still sending
     * when the answer comes and the connection closes may never read that answer.
     */
    private void discard(InputStream body) {
        byte[] buffer = new byte[16 * 1024];
        long left = maxBodyBytes;
        try {
            for (int n = body.read(buffer); n > 0 && left > 0; n = body.read(buffer)) {
                left -= n;
            }
        } catch (IOException e) {
            // the client went away: nobody is waiting for the answer
        }
    }

    private void deny(Context ctx, long start, String uid, String message) {
        ctx.status(200).contentType("application/json")
                .result(AdmissionResponse.denied(uid, message).toBytes());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        metrics.answered(path, "", "none", "denied", false, took);
        DECISIONS.atInfo().addKeyValue("endpoint", path).addKeyValue("uid", uid).addKeyValue("allowed", false)
                .addKeyValue("reason", message).addKeyValue("tookMs", took.toNanos() / 1_000_000.0)
                .log("admission decision");
    }

    /**
     * billing-guard itself failed. The answer comes first (a denial by uid: the tree's, else one
     * salvaged from the raw body; without a uid a 500 Status), then one ERROR line with the stack.
     * The line names the exception's class and frames, never its message, which may quote input.
     */
    private void internalError(Context ctx, long start, String knownUid, byte[] body, Throwable failure) {
        String uid = knownUid;
        try {
            if (uid == null && body != null) {
                uid = ReviewBody.uid(body).orElse(null);
            }
            String what = failure.getClass().getSimpleName();
            if (uid != null) {
                deny(ctx, start, uid, "billing-guard failed while reviewing this request (" + what + "); failing closed");
            } else {
                HttpErrors.send(ctx, 500, "InternalError", "billing-guard failed to answer (" + what + ")");
            }
        } catch (Throwable again) {
            ctx.status(500).contentType("application/json").result(LAST_RESORT);
        }
        reportInternal(uid, failure);
    }

    /** Counts an internal error and logs it once at ERROR with its class and frames (never its message). */
    private void reportInternal(String uid, Throwable failure) {
        try {
            metrics.internalError(path);
            LoggingEventBuilder line = INTERNAL.atError().setCause(failure).addKeyValue("endpoint", path);
            if (uid != null) {
                line.addKeyValue("uid", uid);
            }
            line.log(uid != null ? "internal error: the request was denied" : "internal error: answered 500 (no uid)");
        } catch (Throwable again) {
            // Nothing left to do: the answer is set, and logging it failed too (heap still exhausted).
        }
    }

    private void count(ReviewOutcome outcome, Duration took) {
        String mode = outcome.decision().flatMap(PodDecision::resolution).map(r -> r.mode().wire()).orElse("none");
        String result = !outcome.response().allowed() ? "denied"
                : outcome.response().patch() != null ? "patched" : "allowed";
        metrics.answered(path, outcome.request().operation(), mode, result, outcome.request().dryRun(), took);
        outcome.decision().flatMap(PodDecision::failedLookup).ifPresent(metrics::lookupError);
    }

    private void reject(Context ctx, int code, String reason, String message) {
        HttpErrors.send(ctx, code, reason, message);
        metrics.rejected(path, code);
    }

    /** One line per decision: who, what was decided and why; never a credential value. */
    private void log(ReviewOutcome outcome, Duration took) {
        LoggingEventBuilder line = DECISIONS.atInfo()
                .addKeyValue("endpoint", path)
                .addKeyValue("uid", outcome.request().uid())
                .addKeyValue("kind", outcome.request().kind())
                .addKeyValue("operation", outcome.request().operation())
                .addKeyValue("namespace", outcome.request().namespace())
                .addKeyValue("name", outcome.request().name())
                .addKeyValue("dryRun", outcome.request().dryRun())
                .addKeyValue("allowed", outcome.response().allowed());
        outcome.decision().ifPresent((PodDecision d) -> {
            d.workspaceId().ifPresent(id -> line.addKeyValue("workspace", id));
            d.resolution().ifPresent(r -> line.addKeyValue("mode", r.mode().wire())
                    .addKeyValue("source", r.source().wire())
                    .addKeyValue("provider", r.providerLabel()));
            line.addKeyValue("stripped", d.stripped());
        });
        if (!outcome.response().allowed()) {
            line.addKeyValue("reason", outcome.response().message());
        }
        line.addKeyValue("tookMs", took.toNanos() / 1_000_000.0).log("admission decision");
    }
}
