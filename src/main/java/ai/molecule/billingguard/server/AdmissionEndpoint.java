package ai.molecule.billingguard.server;

import ai.molecule.billingguard.admission.BadReviewException;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.PodDecision;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code POST /mutate} and {@code POST /validate}: decode, delegate, encode. Transport problems
 * get a v1 Status with 400/413/415; anything that reaches the handler gets an AdmissionReview.
 */
final class AdmissionEndpoint implements Handler {
    private static final Logger DECISIONS = LoggerFactory.getLogger("billing-guard.decision");

    private final ReviewHandler.Endpoint endpoint;
    private final ReviewHandler handler;
    private final Metrics metrics;
    private final long maxBodyBytes;
    private final Drain drain;

    AdmissionEndpoint(ReviewHandler.Endpoint endpoint, ReviewHandler handler, Metrics metrics, long maxBodyBytes,
                      Drain drain) {
        this.endpoint = endpoint;
        this.handler = handler;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
        this.drain = drain;
    }

    @Override
    public void handle(Context ctx) {
        long start = System.nanoTime();
        String path = endpoint.name().toLowerCase(Locale.ROOT);
        drain.enter(ctx);
        try {
            String contentType = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
            if (!contentType.startsWith("application/json")) {
                reject(ctx, path, 415, "UnsupportedMediaType",
                        "expected Content-Type application/json, got " + (contentType.isEmpty() ? "none" : contentType));
                return;
            }
            if (ctx.contentLength() > maxBodyBytes) {
                reject(ctx, path, 413, "RequestEntityTooLarge",
                        "body of " + ctx.contentLength() + " bytes exceeds the limit of " + maxBodyBytes);
                return;
            }
            byte[] body = ctx.bodyAsBytes();
            if (body.length > maxBodyBytes) {
                reject(ctx, path, 413, "RequestEntityTooLarge", "body exceeds the limit of " + maxBodyBytes + " bytes");
                return;
            }
            if (body.length == 0) {
                reject(ctx, path, 400, "BadRequest", "empty body: expected an AdmissionReview");
                return;
            }
            JsonNode review;
            try {
                review = Json.JSON.readTree(body);
            } catch (JacksonException e) {
                reject(ctx, path, 400, "BadRequest", Json.jsonProblem(e));
                return;
            }
            ReviewOutcome outcome;
            try {
                outcome = handler.review(review, endpoint);
            } catch (BadReviewException e) {
                reject(ctx, path, 400, "BadRequest", e.getMessage());
                return;
            }
            ctx.status(200).contentType("application/json")
                    .result(outcome.response().toReview().toString().getBytes(StandardCharsets.UTF_8));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            count(outcome, took);
            log(outcome, took);
        } finally {
            drain.leave();
        }
    }

    private void count(ReviewOutcome outcome, Duration took) {
        String mode = outcome.decision().flatMap(PodDecision::resolution).map(r -> r.mode().wire()).orElse("none");
        String result = !outcome.response().allowed() ? "denied"
                : outcome.response().patch() != null ? "patched" : "allowed";
        metrics.answered(endpoint.name().toLowerCase(Locale.ROOT), outcome.request().operation(), mode, result,
                outcome.request().dryRun(), took);
        outcome.decision().flatMap(PodDecision::failedLookup).ifPresent(metrics::lookupError);
    }

    private void reject(Context ctx, String path, int code, String reason, String message) {
        HttpErrors.send(ctx, code, reason, message);
        metrics.rejected(path, code);
    }

    /** One line per decision: who, what was decided and why; never a credential value. */
    private void log(ReviewOutcome outcome, Duration took) {
        LoggingEventBuilder line = DECISIONS.atInfo()
                .addKeyValue("endpoint", endpoint.name().toLowerCase(Locale.ROOT))
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
