package ai.molecule.billingguard.server;

import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 3 MB pod against a real {@code serve --dev} child JVM with a 128 MiB heap: 55,000
 * {@code CLAUDE_CODE_OAUTH_TOKEN} entries in a byok workspace, one at a time and eight at once
 * while a client keeps sending ordinary pods. Answers are checked; times are printed, never asserted.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LargePodProcessIT {
    private static final String HEAP = "-Xmx128m";
    private static final int ENTRIES = 55_000;
    /** The pod is padded to this size (an annotation): "a 3 MB pod", below the 3 MiB body limit. */
    private static final int BODY_BYTES = 3_000_000;
    private static final int MAX_ANSWER_BYTES = 64 * 1024;
    private static final int PARALLEL = 8;

    @TempDir
    Path tmp;

    private ServeProcessIT.Served served;

    @AfterEach
    void stop() {
        if (served != null) {
            served.process.destroyForcibly();
        }
    }

    @Test
    void a_3_mb_pod_is_answered_by_uid_with_a_small_answer_and_the_process_keeps_serving() throws Exception {
        served = start("");
        HttpClient client = served.client();
        String body = largePod("large-one");
        assertThat(body.getBytes(StandardCharsets.UTF_8).length).isEqualTo(BODY_BYTES);

        long start = System.nanoTime();
        HttpResponse<String> response = post(client, body);
        long clientMs = (System.nanoTime() - start) / 1_000_000;
        assertLargeAnswered(response, "large-one");
        System.out.printf("LargePodProcessIT: one %d-byte pod (%d entries), %s: answer %d bytes, client %d ms, handler %s ms%n",
                BODY_BYTES, ENTRIES, HEAP, response.body().length(), clientMs, handlerMs("large-one"));

        assertSmallAnswered(post(client, smallPod("after-the-large-one")), "after-the-large-one");
        assertAlive();
    }

    @Test
    void a_3_mb_pod_the_item_limit_lets_through_is_still_answered_small() throws Exception {
        // The whole path (classify, strip, patch, warnings) on 55,000 platform items.
        served = start("limits:\n  maxPodItems: 1000000\n");
        long start = System.nanoTime();
        HttpResponse<String> response = post(served.client(), largePod("large-reviewed"));
        long clientMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("LargePodProcessIT: one %d-byte pod, item limit off, %s: HTTP %d, answer %d bytes, client %d ms, handler %s ms%n",
                BODY_BYTES, HEAP, response.statusCode(), response.body().length(), clientMs, handlerMs("large-reviewed"));
        // Stripping 55,000 entries takes 55,000 remove operations (a patch never rewrites a whole array):
        // the answer grows linearly with the pod, which is what the item limit exists to bound.
        assertAnswered(response, "large-reviewed", 100L * ENTRIES);
        assertThat(Json.JSON.readTree(response.body()).at("/response/allowed").asBoolean()).isTrue();
        assertAlive();
    }

    @Test
    void eight_3_mb_pods_at_once_do_not_starve_ordinary_requests() throws Exception {
        served = start("");
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<String> uids = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> large = new ArrayList<>();
            for (int i = 0; i < PARALLEL; i++) {
                String uid = "large-" + i;
                String body = largePod(uid);
                uids.add(uid);
                HttpClient client = served.client();
                large.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return post(client, body);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }

            // Ordinary pods, one after another, until every large one is answered (and at least 50).
            HttpClient small = served.client();
            List<Long> latencies = new ArrayList<>();
            List<String> wrong = new ArrayList<>();
            AtomicBoolean largeDone = new AtomicBoolean();
            CompletableFuture.allOf(large.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> largeDone.set(true));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while ((!largeDone.get() || latencies.size() < 50) && System.nanoTime() < deadline) {
                String uid = "small-" + UUID.randomUUID();
                long start = System.nanoTime();
                HttpResponse<String> response = post(small, smallPod(uid));
                latencies.add((System.nanoTime() - start) / 1_000);
                String problem = response.statusCode() != 200 ? "HTTP " + response.statusCode()
                        : Answers.problem(uid, response.body(), true, "byok");
                if (problem != null) {
                    wrong.add(uid + ": " + problem);
                }
            }

            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < PARALLEL; i++) {
                HttpResponse<String> response = large.get(i).get(60, TimeUnit.SECONDS);
                assertLargeAnswered(response, uids.get(i));
                outcomes.add(Json.JSON.readTree(response.body()).at("/response/status/message").asString("")
                        .contains("other large requests") ? "busy" : "reviewed (" + handlerMs(uids.get(i)) + " ms)");
            }
            assertThat(wrong).as("ordinary requests answered wrongly").isEmpty();
            System.out.printf("LargePodProcessIT: %d x %d-byte pods at once, %s: %s; ordinary pods meanwhile: %s%n",
                    PARALLEL, BODY_BYTES, HEAP, outcomes, percentiles(latencies));
            assertAlive();
        } finally {
            pool.shutdownNow();
        }
    }

    // ---------------------------------------------------------------------------------------------

    private ServeProcessIT.Served start(String extraConfig) throws Exception {
        ServeProcessIT.Served s = ServeProcessIT.Served.start(tmp, HEAP, extraConfig);
        s.awaitReady();
        return s;
    }

    private HttpResponse<String> post(HttpClient client, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + served.webhookPort + "/mutate?timeout=10s"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Answered with its uid, as an AdmissionReview, in under 64 KiB; not as a failure of billing-guard. */
    private static void assertLargeAnswered(HttpResponse<String> response, String uid) {
        assertAnswered(response, uid, MAX_ANSWER_BYTES);
    }

    private static void assertAnswered(HttpResponse<String> response, String uid, long maxBytes) {
        assertThat(response.statusCode()).as(response.body().substring(0, Math.min(500, response.body().length())))
                .isEqualTo(200);
        assertThat((long) response.body().getBytes(StandardCharsets.UTF_8).length).as("answer size").isLessThan(maxBytes);
        JsonNode review = Json.JSON.readTree(response.body());
        assertThat(review.path("apiVersion").asString("")).isEqualTo("admission.k8s.io/v1");
        assertThat(review.path("kind").asString("")).isEqualTo("AdmissionReview");
        assertThat(review.at("/response/uid").asString("")).isEqualTo(uid);
        assertThat(review.at("/response/status/message").asString("")).as("not an internal error")
                .doesNotContain("failed while reviewing");
    }

    private static void assertSmallAnswered(HttpResponse<String> response, String uid) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Answers.problem(uid, response.body(), true, "byok")).isNull();
    }

    private void assertAlive() throws Exception {
        assertThat(served.process.isAlive()).as("the process is alive").isTrue();
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + served.opsPort + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(served.stderrText()).as("no out-of-memory anywhere").doesNotContain("OutOfMemoryError")
                .doesNotContain("\"level\":\"ERROR\"");
    }

    /** The handler's own time for this uid, from its decision log line (which may reach us after the answer). */
    private String handlerMs(String uid) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            synchronized (served.stderr()) {
                Optional<JsonNode> line = served.stderr().stream().map(ServeProcessIT.Served::json)
                        .filter(j -> j != null && uid.equals(j.path("uid").asString(""))
                                && "admission decision".equals(j.path("message").asString("")))
                        .findFirst();
                if (line.isPresent()) {
                    return String.format("%.0f", line.get().path("tookMs").asDouble());
                }
            }
            Thread.sleep(100);
        }
        return "?";
    }

    private static String percentiles(List<Long> micros) {
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        return sorted.size() + " requests, ms p50 " + at(sorted, 0.50) + " p90 " + at(sorted, 0.90) + " p99 "
                + at(sorted, 0.99) + " max " + at(sorted, 1.0);
    }

    private static String at(List<Long> sorted, double q) {
        int i = Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1);
        return String.format("%.1f", sorted.get(Math.max(0, i)) / 1000.0);
    }

    /** The example pod in workspace {@code demo} (byok, openai), with its own uid. */
    static String smallPod(String uid) throws Exception {
        ObjectNode review = (ObjectNode) Json.JSON.readTree(Files.readString(Path.of("examples/admission/pod-create.json")));
        ((ObjectNode) review.get("request")).put("uid", uid);
        return review.toString();
    }

    /**
     * A pod of workspace {@code byok} (byok, anthropic-api) whose container holds its user key and
     * {@value #ENTRIES} empty {@code CLAUDE_CODE_OAUTH_TOKEN} entries, each a platform item to strip.
     */
    static String largePod(String uid) throws Exception {
        ObjectNode review = (ObjectNode) Json.JSON.readTree(Files.readString(Path.of("examples/admission/pod-create.json")));
        ObjectNode request = (ObjectNode) review.get("request");
        request.put("uid", uid);
        ObjectNode metadata = (ObjectNode) request.at("/object/metadata");
        ((ObjectNode) metadata.get("labels")).put("molecule.ai/workspace-id", "byok");
        metadata.put("generateName", "ws-byok-");
        ArrayNode env = ((ObjectNode) request.at("/object/spec/containers/0")).putArray("env");
        env.addObject().put("name", "ANTHROPIC_API_KEY").putObject("valueFrom").putObject("secretKeyRef")
                .put("name", "ws-byok-secrets").put("key", "ANTHROPIC_API_KEY");
        for (int i = 0; i < ENTRIES; i++) {
            env.addObject().put("name", "CLAUDE_CODE_OAUTH_TOKEN").put("value", "");
        }
        metadata.putObject("annotations").put("padding", "");
        String compact = review.toString();
        int missing = BODY_BYTES - compact.getBytes(StandardCharsets.UTF_8).length;
        return compact.replace("\"padding\":\"\"", "\"padding\":\"" + "p".repeat(missing) + "\"");
    }
}
