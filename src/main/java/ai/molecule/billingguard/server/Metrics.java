package ai.molecule.billingguard.server;

import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.policy.PodDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * billing-guard's Prometheus metrics. Labels carry only bounded, non-secret values: endpoint,
 * operation, mode, outcome, dry_run, status code, object kind.
 */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Counts and times one answered AdmissionReview. */
    public void answered(ReviewHandler.Endpoint endpoint, ReviewOutcome outcome, Duration took) {
        String mode = outcome.decision().flatMap(PodDecision::resolution).map(r -> r.mode().wire()).orElse("none");
        String result = !outcome.response().allowed() ? "denied"
                : outcome.response().patch() != null ? "patched" : "allowed";
        Counter.builder("billing_guard_admission_requests")
                .description("AdmissionReviews answered")
                .tag("endpoint", name(endpoint))
                .tag("operation", bounded(outcome.request().operation()))
                .tag("mode", mode)
                .tag("outcome", result)
                .tag("dry_run", String.valueOf(outcome.request().dryRun()))
                .register(registry).increment();
        Timer.builder("billing_guard_admission_duration")
                .description("Time to answer an AdmissionReview, from body read to answer encoded")
                .tag("endpoint", name(endpoint))
                .publishPercentileHistogram()
                .register(registry).record(took);
        outcome.decision().flatMap(PodDecision::resolution).flatMap(r -> r.failure()).ifPresent(f ->
                Counter.builder("billing_guard_lookup_errors")
                        .description("Decisions that failed closed because a cluster lookup failed")
                        .tag("object", f.object().startsWith("Namespace") ? "namespace" : "secret")
                        .register(registry).increment());
    }

    /** Counts a request that could not be answered as an AdmissionReview. */
    public void rejected(String endpoint, int status) {
        Counter.builder("billing_guard_bad_requests")
                .description("Requests answered with an HTTP error instead of an AdmissionReview")
                .tag("endpoint", endpoint)
                .tag("code", String.valueOf(status))
                .register(registry).increment();
    }

    /** Exposes the serving certificate's expiry, in seconds since the epoch. */
    public void certificateNotAfter(Supplier<Instant> notAfter) {
        Gauge.builder("billing_guard_serving_certificate_not_after_seconds",
                        () -> notAfter.get() == null ? Double.NaN : notAfter.get().getEpochSecond())
                .description("notAfter of the TLS certificate currently served")
                .register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }

    private static String name(ReviewHandler.Endpoint endpoint) {
        return endpoint.name().toLowerCase(Locale.ROOT);
    }

    /** Operations are a closed set in admission/v1; anything else is folded so labels stay bounded. */
    private static String bounded(String operation) {
        return switch (operation) {
            case "CREATE", "UPDATE", "DELETE", "CONNECT" -> operation;
            default -> "OTHER";
        };
    }
}
