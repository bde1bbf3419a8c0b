package ai.molecule.billingguard.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The one home of billing-guard's Prometheus meters: every name, description and label is here.
 * Callers pass label values; labels carry only bounded, non-secret values (endpoint, operation,
 * mode, outcome, dry_run, status code, object kind, violation kind), never a name a tenant chose;
 * the one exception is the background audit's {@code namespace}, bounded by the guarded namespaces.
 */
public final class Metrics {
    /** Object kinds a cluster lookup is about. */
    public static final List<String> OBJECTS = List.of("secret", "namespace", "platform-secrets");
    /** The informers of the cluster facts, as {@code object} label values. */
    public static final List<String> INFORMERS = List.of("workspace-secrets", "platform-secrets", "namespaces");
    /** The webhook's endpoints, as label values. */
    public static final List<String> ENDPOINTS = List.of("mutate", "validate");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> cacheCounters = new ConcurrentHashMap<>();
    /** The admission counters and timers, found by their tags on every request rather than built and registered. */
    private final Map<String, Counter> answeredCounters = new ConcurrentHashMap<>();
    private final Map<String, Timer> answeredTimers = new ConcurrentHashMap<>();
    private final MultiGauge violations = MultiGauge.builder("billing_guard_violations")
            .description("Running pods breaking the policy, by namespace and kind, as serve's last background audit found them")
            .register(registry);

    public Metrics() {
        // Registered up front so every series exists from the start.
        for (String object : List.of("secret", "namespace")) {
            List.of("hit", "miss").forEach(r -> cacheCounter(object, r));
        }
        for (String object : OBJECTS) {
            List.of("found", "absent", "error").forEach(o -> liveCounter(object, o));
            lookupErrorCounter(object);
        }
        for (String informer : INFORMERS) {
            listRestartCounter(informer);
            watchRestartCounter(informer);
            pageRetryCounter(informer);
        }
        for (String endpoint : ENDPOINTS) {
            internalErrorCounter(endpoint);
            busyCounter(endpoint);
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Counts and times one answered AdmissionReview.
     *
     * @param mode    the billing mode, or {@code none}
     * @param outcome {@code allowed}, {@code patched} or {@code denied}
     */
    public void answered(String endpoint, String operation, String mode, String outcome, boolean dryRun, Duration took) {
        String op = bounded(operation);
        answeredCounters.computeIfAbsent(endpoint + '/' + op + '/' + mode + '/' + outcome + '/' + dryRun,
                k -> Counter.builder("billing_guard_admission_requests")
                        .description("AdmissionReviews answered")
                        .tag("endpoint", endpoint)
                        .tag("operation", op)
                        .tag("mode", mode)
                        .tag("outcome", outcome)
                        .tag("dry_run", String.valueOf(dryRun))
                        .register(registry)).increment();
        answeredTimers.computeIfAbsent(endpoint, k -> Timer.builder("billing_guard_admission_duration")
                .description("Time to answer an AdmissionReview, from body read to answer encoded")
                .tag("endpoint", endpoint)
                .publishPercentileHistogram()
                .register(registry)).record(took);
    }

    /** A decision that failed closed because a lookup of this kind of object ({@link #OBJECTS}) failed. */
    public void lookupError(String object) {
        lookupErrorCounter(object).increment();
    }

    /** Counts a request that could not be answered as an AdmissionReview. */
    public void rejected(String endpoint, int status) {
        counter("billing_guard_bad_requests", "Requests answered with an HTTP error instead of an AdmissionReview",
                "endpoint", endpoint, "code", String.valueOf(status)).increment();
    }

    /**
     * A failure inside billing-guard while answering a request (an exception or error no code path
     * expected, out-of-memory included); the request was denied, or answered 500 when it had no uid.
     */
    public void internalError(String endpoint) {
        internalErrorCounter(endpoint).increment();
    }

    /** A large request refused because the heap budget for large bodies stayed taken by others. */
    public void busy(String endpoint) {
        busyCounter(endpoint).increment();
    }

    /** A workspace secret or Namespace lookup answered by the informer cache (hit) or not (miss). */
    public void cacheLookup(String object, boolean hit) {
        cacheCounter(object, hit ? "hit" : "miss").increment();
    }

    /** A bounded API call made because the caches could not answer: {@code found}, {@code absent} or {@code error}. */
    public void liveLookup(String object, String outcome) {
        liveCounter(object, outcome).increment();
    }

    /**
     * Exposes how many objects an informer's cache holds ({@link #INFORMERS}); while it syncs, its
     * progress. One gauge per informer kind: the first supplier registered for it is kept.
     */
    public void cacheObjects(String informer, Supplier<Number> count) {
        Gauge.builder("billing_guard_cache_objects", count)
                .description("Objects held by an informer cache (while syncing: listed so far)")
                .tag("object", informer).strongReference(true).register(registry);
    }

    /** An informer listing again from the first page (after a failed list, or a watch that ended 410 Gone). */
    public void informerListRestart(String informer) {
        listRestartCounter(informer).increment();
    }

    /** An informer starting a watch again (after listing again). */
    public void informerWatchRestart(String informer) {
        watchRestartCounter(informer).increment();
    }

    /** An informer asking again for a list page that failed, with the same continue token. */
    public void informerPageRetry(String informer) {
        pageRetryCounter(informer).increment();
    }

    /** Exposes the serving certificate's expiry, in seconds since the epoch. */
    public void certificateNotAfter(Supplier<Instant> notAfter) {
        Gauge.builder("billing_guard_serving_certificate_not_after_seconds",
                        () -> notAfter.get() == null ? Double.NaN : notAfter.get().getEpochSecond())
                .description("notAfter of the TLS certificate currently served")
                .register(registry);
    }

    /** What became of a write of a modes ConfigMap ({@link #modesPublished}). */
    public static final List<String> MODES_OUTCOMES = List.of("created", "updated", "deleted", "conflict", "failed");

    /**
     * Registers the modes publisher's meters (only when it runs): its write counter, every outcome from the start,
     * and the number of namespaces whose ConfigMap it currently fails to write.
     */
    public void modesPublisher(Supplier<Number> failingNamespaces) {
        MODES_OUTCOMES.forEach(this::modesCounter);
        Gauge.builder("billing_guard_modes_failing_namespaces", failingNamespaces)
                .description("Guarded namespaces whose modes ConfigMap the last attempt failed to write")
                .strongReference(true).register(registry);
    }

    /**
     * A write of a modes ConfigMap: {@code created}, {@code updated}, {@code deleted}, {@code conflict} (someone else
     * changed it in between: read again and retried) or {@code failed} (retried with back-off).
     */
    public void modesPublished(String outcome) {
        modesCounter(outcome).increment();
    }

    private Counter modesCounter(String outcome) {
        return counter("billing_guard_modes_published",
                "Writes of the workspace id -> mode ConfigMaps the backstop reads, by outcome",
                "outcome", outcome);
    }

    public String scrape() {
        return registry.scrape();
    }

    private Counter cacheCounter(String object, String result) {
        // On every admission request: looked up in a map rather than built and registered again.
        return cacheCounters.computeIfAbsent(object + "/" + result, k -> counter("billing_guard_cache_lookups",
                "Workspace secret and Namespace lookups answered by the informer caches (hit) or not (miss)",
                "object", object, "result", result));
    }

    private Counter liveCounter(String object, String outcome) {
        return counter("billing_guard_live_lookups",
                "Bounded API calls made when the caches could not answer",
                "object", object, "outcome", outcome);
    }

    private Counter listRestartCounter(String informer) {
        return counter("billing_guard_informer_list_restarts",
                "Informer lists begun again from the first page",
                "object", informer);
    }

    private Counter watchRestartCounter(String informer) {
        return counter("billing_guard_informer_watch_restarts",
                "Informer watches begun again after a new list",
                "object", informer);
    }

    private Counter pageRetryCounter(String informer) {
        return counter("billing_guard_informer_page_retries",
                "Informer list pages asked for again with the same continue token",
                "object", informer);
    }

    private Counter lookupErrorCounter(String object) {
        return counter("billing_guard_lookup_errors",
                "Decisions that failed closed because a cluster lookup failed",
                "object", object);
    }

    private Counter internalErrorCounter(String endpoint) {
        return counter("billing_guard_internal_errors",
                "Requests billing-guard failed to handle (a bug or out of memory); each was denied or answered 500",
                "endpoint", endpoint);
    }

    private Counter busyCounter(String endpoint) {
        return counter("billing_guard_busy_refusals",
                "Large requests refused because other large bodies held the heap budget for too long",
                "endpoint", endpoint);
    }

    /** A counter of this registry, found again when it was registered before. */
    private Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }

    /** Operations are a closed set in admission/v1; anything else is folded so labels stay bounded. */
    private static String bounded(String operation) {
        return switch (operation) {
            case "CREATE", "UPDATE", "DELETE", "CONNECT" -> operation;
            default -> "OTHER";
        };
    }

    /**
     * Sets {@code billing_guard_violations{namespace,kind}} to the last background audit's counts:
     * one series per namespace and kind given (zeros included, so a kind that disappears reads 0);
     * series of namespaces no longer given (no longer guarded) are removed. Bounded by the guarded
     * namespaces times the violation kinds.
     */
    public void violations(Map<String, Map<String, Integer>> byNamespaceAndKind) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byNamespaceAndKind.forEach((namespace, kinds) -> kinds.forEach((kind, count) ->
                rows.add(MultiGauge.Row.of(Tags.of("namespace", namespace, "kind", kind), count))));
        violations.register(rows, true);
    }
}
