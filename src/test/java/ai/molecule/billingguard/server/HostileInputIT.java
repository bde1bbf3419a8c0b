package ai.molecule.billingguard.server;

import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.json.Json;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten thousand generated malformed and hostile AdmissionReviews ({@link HostileReviews}, fixed
 * seed) over HTTPS to the in-process webhook, four at a time: truncated JSON, wrong types
 * everywhere, numbers where strings belong, unicode and JSON-pointer characters in names,
 * duplicates, garbage, huge strings, 100,000-deep nesting, 10,000 env entries, token bombs.
 *
 * <p>The protocol (this class's first tests) is the server's promise: every answer is an
 * AdmissionReview carrying the uid, or a v1 Status; never a bare 5xx, never a hang; the heap after
 * GC does not grow. The quality checks after them are about the review itself: no case makes it
 * fail inside, every answer stays small, every patch applies to the object it was made for.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputIT {
    private static final int CASES = 10_000;
    private static final int IN_FLIGHT = 4;
    private static final int SMALL_ANSWER = 64 * 1024;
    private static final long HEAP_GROWTH_BOUND = 64L << 20;

    /** What came back for one case, as the checks read it. */
    record Result(HostileReviews.Case request, int status, String contentType, String body) {
    }

    @TempDir
    static Path dir;

    private WebhookFixture server;
    // Only what the checks need is kept, so that the heap measured after the run is the server's.
    private final long[] micros = new long[CASES];
    private final Map<String, Map<String, Integer>> outcomes = new TreeMap<>();
    private final Map<String, Long> categoryMicros = new TreeMap<>();
    private final Set<HostileReviews.Expect> expectations = EnumSet.noneOf(HostileReviews.Expect.class);
    private final List<String> protocolProblems = Collections.synchronizedList(new ArrayList<>());
    private final List<String> unanswered = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, List<Integer>> internalFailures = new TreeMap<>();
    private final Map<String, List<Integer>> largeAnswers = new TreeMap<>();
    private final Map<String, List<Integer>> badPatches = new TreeMap<>();
    private final ListAppender<ILoggingEvent> internalLog = new ListAppender<>();
    private Level decisionLevel;
    private long heapBefore;
    private long heapAfter;

    @BeforeAll
    void run() throws Exception {
        server = new WebhookFixture(dir, LocalFacts.load(Path.of("examples/cluster"), ConfigLoader.defaults().policy()), Map.of());
        Logger decisions = (Logger) LoggerFactory.getLogger("billing-guard.decision");
        decisionLevel = decisions.getLevel();
        decisions.setLevel(Level.WARN); // ten thousand decision lines say nothing here
        Logger internal = (Logger) LoggerFactory.getLogger("billing-guard.internal");
        internalLog.start();
        internal.addAppender(internalLog);
        internal.setAdditive(false);

        String ordinary = LargePodProcessIT.smallPod("warm-up");
        for (int i = 0; i < 200; i++) {
            server.post(i % 2 == 0 ? "/mutate" : "/validate", "application/json", ordinary);
        }
        heapBefore = heapAfterGc();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(IN_FLIGHT);
        for (int id = 0; id < CASES; id++) {
            int n = id;
            pool.execute(() -> send(n));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(240, TimeUnit.SECONDS)).as("every case sent within 240 s").isTrue();
        long took = System.nanoTime() - start;
        heapAfter = heapAfterGc();
        report(took);
    }

    @AfterAll
    void stop() {
        ((Logger) LoggerFactory.getLogger("billing-guard.decision")).setLevel(decisionLevel);
        Logger internal = (Logger) LoggerFactory.getLogger("billing-guard.internal");
        internal.detachAppender(internalLog);
        internal.setAdditive(true);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void every_case_was_answered_without_a_hang() {
        assertThat(outcomes.values().stream().flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum())
                .isEqualTo(CASES);
        assertThat(unanswered).as("requests without an answer (client timeout 30 s)").isEmpty();
    }

    @Test
    void every_answer_is_an_admission_review_with_the_uid_or_a_status_never_a_bare_5xx() {
        assertThat(protocolProblems.stream().limit(20)).as("answers that break the protocol").isEmpty();
        assertThat(expectations).as("every kind of expectation was exercised")
                .containsExactlyInAnyOrder(HostileReviews.Expect.values());
    }

    @Test
    void the_heap_after_gc_does_not_grow() {
        assertThat(heapAfter - heapBefore).as("heap after GC, before %d MiB, after %d MiB", heapBefore >> 20, heapAfter >> 20)
                .isLessThan(HEAP_GROWTH_BOUND);
    }

    @Test
    void no_case_makes_the_review_itself_fail() {
        assertThat(internalFailures).as("denials that say billing-guard failed (one sample case each)").isEmpty();
        assertThat(server.metrics.scrape()).contains("billing_guard_internal_errors_total{endpoint=\"mutate\"} 0.0",
                "billing_guard_internal_errors_total{endpoint=\"validate\"} 0.0");
    }

    @Test
    void every_answer_stays_under_64_kib() {
        assertThat(largeAnswers).as("answers over 64 KiB (a huge uid echoed aside)").isEmpty();
    }

    @Test
    void every_patch_applies_to_the_object_it_was_made_for() {
        assertThat(badPatches).as("patches that do not apply").isEmpty();
    }

    // ---------------------------------------------------------------------------------------------

    private void send(int id) {
        HostileReviews.Case request = HostileReviews.generate(id);
        String path = id % 2 == 0 ? "/mutate" : "/validate";
        HttpRequest.Builder http = HttpRequest.newBuilder(server.webhook(path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        if (request.contentType() != null) {
            http.header("Content-Type", request.contentType());
        }
        long start = System.nanoTime();
        String outcome;
        try {
            HttpResponse<String> response = server.client.send(http.build(), HttpResponse.BodyHandlers.ofString());
            Result result = new Result(request, response.statusCode(),
                    response.headers().firstValue("content-type").orElse(""), response.body());
            String problem = protocolProblem(result);
            if (problem != null) {
                protocolProblems.add(request.describe() + "\n    -> " + clip(problem));
            }
            if (result.status() == 200) {
                quality(request, result);
            }
            outcome = "HTTP " + response.statusCode();
        } catch (Exception e) {
            unanswered.add(request.describe() + " -> " + e.getClass().getSimpleName() + ": " + e.getMessage());
            outcome = "no answer";
        }
        long took = (System.nanoTime() - start) / 1_000;
        synchronized (outcomes) {
            micros[id] = took;
            outcomes.computeIfAbsent(request.category(), k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
            categoryMicros.merge(request.category(), took, Long::sum);
            expectations.add(request.expect());
        }
    }

    private static String clip(String text) {
        return text.length() > 600 ? text.substring(0, 600) + "...(" + text.length() + " chars)" : text;
    }

    /** What breaks the protocol in this answer, or null. */
    static String protocolProblem(Result r) {
        HostileReviews.Case c = r.request();
        if (r.status() >= 500) {
            return "HTTP " + r.status() + ": " + r.body();
        }
        JsonNode answer;
        try {
            answer = Json.JSON.readTree(r.body());
        } catch (RuntimeException e) {
            return "HTTP " + r.status() + ", answer is no JSON: " + r.body();
        }
        if (!r.contentType().toLowerCase().startsWith("application/json")) {
            return "content type " + r.contentType();
        }
        if (c.expect() == HostileReviews.Expect.STATUS) {
            if (r.status() != c.code()) {
                return "expected HTTP " + c.code() + ", got " + r.status() + ": " + r.body();
            }
            boolean status = "v1".equals(answer.path("apiVersion").asString("")) && "Status".equals(answer.path("kind").asString(""))
                    && answer.path("code").asInt(-1) == r.status() && answer.path("message").isString();
            return status ? null : "not a v1 Status: " + r.body();
        }
        if (r.status() != 200) {
            return "expected an AdmissionReview for uid " + c.uid() + ", got HTTP " + r.status() + ": " + r.body();
        }
        JsonNode response = answer.path("response");
        if (!"admission.k8s.io/v1".equals(answer.path("apiVersion").asString(""))
                || !"AdmissionReview".equals(answer.path("kind").asString(""))) {
            return "not an AdmissionReview v1";
        }
        if (!c.uid().equals(response.path("uid").asString(null))) {
            return "uid " + response.path("uid") + " instead of " + c.uid();
        }
        if (!response.path("allowed").isBoolean()) {
            return "no allowed";
        }
        if (!response.path("allowed").booleanValue() && (response.at("/status/code").asInt(0) == 0
                || response.at("/status/message").asString("").isEmpty())) {
            return "a denial without status code or message";
        }
        if (c.expect() == HostileReviews.Expect.DENIAL && (response.path("allowed").booleanValue()
                || !response.at("/status/message").asString("").contains("could not read this AdmissionReview"))) {
            return "expected a denial of an unreadable review, got " + response;
        }
        return null;
    }

    /** The review's own quality, recorded per kind of problem with the cases that show it. */
    private void quality(HostileReviews.Case request, Result result) {
        JsonNode response;
        try {
            response = Json.JSON.readTree(result.body()).path("response");
        } catch (RuntimeException e) {
            return; // the protocol test reports it
        }
        String message = response.at("/status/message").asString("");
        if (message.contains("could not review this request (") || message.contains("failed while reviewing this request")) {
            record(internalFailures, request.category() + ": " + message, request.id());
        }
        int size = result.body().getBytes(StandardCharsets.UTF_8).length;
        if (size > SMALL_ANSWER && (request.uid() == null || request.uid().length() < 1_000)) {
            record(largeAnswers, request.category() + ": answers over 64 KiB", request.id());
        }
        if (response.has("patch")) {
            try {
                JsonNode patch = Json.JSON.readTree(Base64.getDecoder().decode(response.get("patch").stringValue()));
                JsonNode object = Json.JSON.readTree(request.body()).at("/request/object");
                JsonPatch.apply(patch, object);
            } catch (RuntimeException e) {
                record(badPatches, request.category() + ": " + e.getClass().getSimpleName(), request.id());
            }
        }
    }

    private static synchronized void record(Map<String, List<Integer>> into, String what, int id) {
        into.computeIfAbsent(what, k -> new ArrayList<>()).add(id);
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private void report(long nanos) {
        List<Long> sorted = Arrays.stream(micros).sorted().boxed().collect(Collectors.toList());
        System.out.printf("HostileInputIT: %d cases in %.1f s, %d at a time; latency ms p50 %.1f p99 %.1f max %.1f; "
                        + "heap after GC %d MiB before, %d MiB after; %d internal-error log lines%n",
                CASES, nanos / 1e9, IN_FLIGHT, at(sorted, 0.5), at(sorted, 0.99), at(sorted, 1.0),
                heapBefore >> 20, heapAfter >> 20, internalLog.list.size());
        outcomes.forEach((category, counts) -> System.out.printf("  %s: %s, %.1f s of requests%n", category, counts,
                categoryMicros.get(category) / 1e6));
        print("internal failures", internalFailures);
        print("answers over 64 KiB", largeAnswers);
        print("patches that do not apply", badPatches);
    }

    private static void print(String title, Map<String, List<Integer>> findings) {
        findings.forEach((what, ids) -> {
            // The smallest case of the kind is the one to reproduce it with.
            HostileReviews.Case smallest = ids.stream().map(HostileReviews::generate)
                    .min(Comparator.comparingInt(c -> c.body().length)).orElseThrow();
            System.out.println("  " + title + ": " + what + " -- " + ids.size() + " cases, smallest "
                    + smallest.describe().replace("\n", " "));
        });
    }

    private static double at(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = Math.min(sorted.size() - 1, Math.max(0, (int) Math.ceil(q * sorted.size()) - 1));
        return sorted.get(i) / 1000.0;
    }
}
