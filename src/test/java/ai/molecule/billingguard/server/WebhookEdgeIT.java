package ai.molecule.billingguard.server;

import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.json.Json;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import static ai.molecule.billingguard.server.WebhookServerIT.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The webhook's HTTP edge over HTTPS, whatever arrives: other methods, near-miss media types,
 * header blocks Jetty refuses by itself, bodies that are no readable JSON, and failures of
 * billing-guard itself (out-of-memory and stack overflow included), each answered as a v1 Status or
 * as a denial carrying the request's uid.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebhookEdgeIT {
    static final String UID = "3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10";
    /** A value that must never reach the log, wherever billing-guard fails. */
    static final String SEED = "sk-ant-api03-SEEDED-EDGE-VALUE-4455";

    @TempDir
    Path dir;
    WebhookFixture server;
    ListAppender<ILoggingEvent> logs;
    String example;

    @BeforeEach
    void start() throws Exception {
        logs = new ListAppender<>();
        logs.start();
        root().addAppender(logs);
        example = Files.readString(Path.of("examples/admission/pod-create.json"));
    }

    @AfterEach
    void stop() {
        root().detachAppender(logs);
        if (server != null) {
            server.close();
        }
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private WebhookFixture serve(UnaryOperator<AdmissionEndpoint.Reviewer> wrap, BodyBudget budget) throws Exception {
        server = new WebhookFixture(dir, LocalFacts.load(Path.of("examples/cluster"), ConfigLoader.defaults().policy()),
                Map.of(), wrap, budget);
        return server;
    }

    private WebhookFixture serve() throws Exception {
        return serve(real -> real, null);
    }

    @Test
    void other_methods_on_the_endpoints_are_405_with_allow_post() throws Exception {
        serve();
        for (String path : List.of("/mutate", "/validate")) {
            for (String method : List.of("GET", "PUT", "DELETE", "PATCH", "OPTIONS")) {
                HttpResponse<String> response = server.client.send(HttpRequest.newBuilder(server.webhook(path))
                        .method(method, method.equals("GET") || method.equals("DELETE") || method.equals("OPTIONS")
                                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(example))
                        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
                assertStatus(response, 405, method + " " + path + " is not served");
                assertThat(response.headers().allValues("allow")).as(method + " " + path).containsExactly("POST");
                assertThat(Json.JSON.readTree(response.body()).get("reason").stringValue()).isEqualTo("MethodNotAllowed");
            }
        }
        assertStatus(server.post("/elsewhere", "application/json", example), 404, "no such path /elsewhere");
        assertThat(server.metrics.scrape()).contains("billing_guard_bad_requests_total{code=\"405\",endpoint=\"mutate\"} 5.0",
                "billing_guard_bad_requests_total{code=\"405\",endpoint=\"validate\"} 5.0",
                "billing_guard_bad_requests_total{code=\"404\",endpoint=\"other\"} 1.0");
    }

    @Test
    void the_content_type_must_be_the_json_media_type_itself() throws Exception {
        serve();
        for (String wrong : List.of("application/jsonfoo", "application/json-patch+json", "text/json", "application/x-json")) {
            assertStatus(server.post("/mutate", wrong, example), 415, "got " + wrong);
        }
        for (String right : List.of("application/json", "Application/JSON", "application/json; charset=utf-8",
                "application/json;charset=UTF-8", " application/json ")) {
            HttpResponse<String> response = server.post("/mutate", right, example);
            assertThat(response.statusCode()).as(right).isEqualTo(200);
            assertThat(Answers.problem(UID, response.body(), true, "byok")).as(right).isNull();
        }
    }

    @Test
    void a_header_block_over_the_limit_is_431_as_a_status_not_a_page() throws Exception {
        serve();
        String answer = raw("POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "X-Padding: " + "a".repeat(20_000) + "\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(answer).startsWith("HTTP/1.1 431");
        JsonNode status = statusOf(answer, 431);
        assertThat(status.get("reason").stringValue()).isEqualTo("RequestHeaderFieldsTooLarge");
        assertThat(status.get("message").stringValue()).contains("the limit is 8192 bytes");
        assertThat(answer).doesNotContain("<html");
        assertThat(server.metrics.scrape()).contains("billing_guard_bad_requests_total{code=\"431\",endpoint=\"mutate\"} 1.0");
    }

    @Test
    void requests_jetty_refuses_by_itself_get_a_status_too() throws Exception {
        serve();
        Map<String, Integer> requests = Map.of(
                "GET /%zz HTTP/1.1\r\nHost: localhost\r\n\r\n", 400,
                "POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400,
                "POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n", 400,
                "GET /" + "a".repeat(9_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 414,
                "POST /mutate HTTP/7.0\r\nHost: localhost\r\n\r\n", 505);
        for (Map.Entry<String, Integer> request : requests.entrySet()) {
            String answer = raw(request.getKey());
            String what = request.getKey().substring(0, Math.min(40, request.getKey().length()));
            assertThat(answer).as(what).startsWith("HTTP/1.1 " + request.getValue());
            JsonNode status = statusOf(answer, request.getValue());
            assertThat(status.get("message").stringValue()).as(what).startsWith("billing-guard could not handle");
        }
    }

    @Test
    void an_out_of_memory_error_in_the_handler_is_a_denial_with_the_uid_an_error_line_and_a_count() throws Exception {
        // A real OutOfMemoryError from the VM, without filling the test JVM's heap.
        serve(real -> (review, endpoint) -> {
            long[] impossible = new long[Integer.MAX_VALUE - 2];
            return real.review(review, endpoint);
        }, null);
        HttpResponse<String> response = server.post("/mutate", "application/json", withSeed(example));
        assertDenied(response, UID, "billing-guard failed while reviewing this request (OutOfMemoryError); failing closed");
        assertThat(server.metrics.scrape()).contains("billing_guard_internal_errors_total{endpoint=\"mutate\"} 1.0");
        JsonNode line = internalErrorLine();
        assertThat(line.get("level").stringValue()).isEqualTo("ERROR");
        assertThat(line.get("uid").stringValue()).isEqualTo(UID);
        assertThat(line.get("error").stringValue()).isEqualTo("java.lang.OutOfMemoryError");
        assertThat(line.get("stack").get(0).stringValue()).startsWith("at ai.molecule.billingguard.server.WebhookEdgeIT");
        assertNoSeedLogged();
    }

    @Test
    void a_stack_overflow_in_the_handler_is_a_denial_with_the_uid_and_a_bounded_stack() throws Exception {
        serve(real -> (review, endpoint) -> {
            recurse(review);
            return real.review(review, endpoint);
        }, null);
        HttpResponse<String> response = server.post("/validate", "application/json", withSeed(example));
        assertDenied(response, UID, "(StackOverflowError); failing closed");
        assertThat(server.metrics.scrape()).contains("billing_guard_internal_errors_total{endpoint=\"validate\"} 1.0");
        JsonNode line = internalErrorLine();
        assertThat(line.get("error").stringValue()).isEqualTo("java.lang.StackOverflowError");
        assertThat(line.get("stack")).hasSize(JsonLineEncoder.MAX_FRAMES + 1);
        assertThat(line.get("stack").get(0).stringValue()).contains("WebhookEdgeIT.recurse");
        assertThat(line.get("stack").get(JsonLineEncoder.MAX_FRAMES / 2).stringValue()).matches("\\.\\.\\. \\d+ frames left out");
        assertNoSeedLogged();
    }

    private static int recurse(JsonNode node) {
        return recurse(node) + 1;
    }

    @Test
    void an_exception_message_quoting_the_input_never_reaches_the_log() throws Exception {
        // A failure whose message (and whose cause's message) quotes the credential it choked on.
        serve(real -> (review, endpoint) -> {
            String value = review.at("/request/object/spec/containers/0/env/0/value").asString("");
            throw new IllegalStateException("cannot handle " + value, new IllegalArgumentException("bad: " + value));
        }, null);
        HttpResponse<String> response = server.post("/mutate", "application/json", withSeed(example));
        assertDenied(response, UID, "(IllegalStateException); failing closed");
        assertThat(response.body()).doesNotContain(SEED);
        JsonNode line = internalErrorLine();
        assertThat(line.get("error").stringValue()).isEqualTo("java.lang.IllegalStateException");
        assertThat(line.get("stack").toString()).contains("caused by java.lang.IllegalArgumentException");
        assertNoSeedLogged();
    }

    @Test
    void a_failure_without_a_uid_is_a_500_status() throws Exception {
        serve(real -> (review, endpoint) -> {
            throw new OutOfMemoryError("simulated");
        }, null);
        String noUid = example.replace("\"uid\": \"" + UID + "\"", "\"uid\": 42");
        assertThat(noUid).isNotEqualTo(example);
        HttpResponse<String> response = server.post("/mutate", "application/json", noUid);
        assertStatus(response, 500, "billing-guard failed to answer (OutOfMemoryError)");
        assertThat(internalErrorLine().has("uid")).isFalse();
    }

    @Test
    void an_unreadable_body_is_denied_by_the_uid_found_before_the_problem() throws Exception {
        serve();
        String truncated = example.substring(0, example.indexOf("\"containers\""));
        assertDenied(server.post("/mutate", "application/json", truncated), UID,
                "billing-guard could not read this AdmissionReview (malformed JSON at line");
        String deep = example.replace("\"spec\": {", "\"deep\": " + "[".repeat(100_000) + "]".repeat(100_000) + ", \"spec\": {");
        assertDenied(server.post("/mutate", "application/json", deep), UID, "nesting depth 500");
        String tokens = example.replace("\"spec\": {", "\"many\": [" + "{},".repeat(600_000) + "{}], \"spec\": {");
        assertDenied(server.post("/mutate", "application/json", tokens), UID, "at most 500000 JSON tokens");
        // The uid after the problem, a uid that is no string, a uid past the limits: no uid to deny by.
        String late = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"object\":[[[}, \"uid\":\"x\"}}";
        assertStatus(server.post("/mutate", "application/json", late), 400, "malformed JSON");
        assertStatus(server.post("/mutate", "application/json", truncated.replace("\"" + UID + "\"", "7")), 400, "malformed JSON");
        assertStatus(server.post("/mutate", "application/json", truncated.replace(UID, "u".repeat(300))), 400, "malformed JSON");
        assertThat(server.metrics.scrape()).contains("billing_guard_internal_errors_total{endpoint=\"mutate\"} 0.0");
    }

    @Test
    void large_bodies_share_a_heap_budget_and_small_ones_never_wait_for_it() throws Exception {
        String large = example.replace("\"spec\": {", "\"padding\": \"" + "p".repeat(200_000) + "\", \"spec\": {");
        BodyBudget budget = new BodyBudget(new BodyBudget(1, 3_145_728, Duration.ZERO).cost(large.length()), 3_145_728,
                Duration.ofMillis(300));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        serve(real -> (review, endpoint) -> {
            if (review.at("/request/uid").asString("").equals("holder")) {
                holding.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return real.review(review, endpoint);
        }, budget);
        CompletableFuture<HttpResponse<String>> holder = server.client.sendAsync(post(large.replace(UID, "holder")),
                HttpResponse.BodyHandlers.ofString());
        assertThat(holding.await(20, TimeUnit.SECONDS)).as("the first large request holds the budget").isTrue();

        assertDenied(server.post("/mutate", "application/json", large.replace(UID, "second")), "second",
                "billing-guard is reviewing other large requests");
        HttpResponse<String> noUid = server.post("/mutate", "application/json", large.replace("\"uid\": \"" + UID + "\",", ""));
        assertStatus(noUid, 429, "reviewing other large requests");
        assertThat(noUid.headers().firstValue("retry-after")).hasValue("1");
        HttpResponse<String> small = server.post("/mutate", "application/json", example);
        assertThat(Answers.problem(UID, small.body(), true, "byok")).as("a small request while the budget is taken").isNull();

        release.countDown();
        assertThat(Answers.problem("holder", holder.get(20, TimeUnit.SECONDS).body(), true, "byok")).isNull();
        assertThat(Answers.problem("third", server.post("/mutate", "application/json", large.replace(UID, "third")).body(),
                true, "byok")).as("the budget is free again").isNull();
        assertThat(server.metrics.scrape()).contains("billing_guard_busy_refusals_total{endpoint=\"mutate\"} 2.0");
    }

    @Test
    void the_budget_counts_a_body_at_its_worst_and_lets_one_dearer_than_all_of_it_run_alone() throws Exception {
        BodyBudget budget = new BodyBudget(10L << 20, 3_145_728, Duration.ofMillis(50));
        assertThat(budget.cost(1_000)).isEqualTo(1_000 + 1_000L * ReviewBody.WORST_BYTES_PER_TOKEN);
        assertThat(budget.cost(3_000_000)).isEqualTo(3_000_000 + ReviewBody.MAX_TOKENS * ReviewBody.WORST_BYTES_PER_TOKEN);
        assertThat(budget.cost(-1)).as("unknown length counts as the limit").isEqualTo(budget.cost(3_145_728));
        try (BodyBudget.Lease small = budget.acquire(BodyBudget.SMALL_BODY_BYTES).orElseThrow()) {
            assertThat(budget.inUseBytes()).as("small bodies take nothing").isZero();
        }
        BodyBudget.Lease whole = budget.acquire(3_000_000).orElseThrow();
        assertThat(budget.inUseBytes()).isEqualTo(10L << 20);
        assertThat(budget.acquire(100_000)).as("nothing left").isEmpty();
        assertThat(budget.acquire(100)).as("small bodies still pass").isPresent();
        whole.close();
        assertThat(budget.acquire(100_000)).isPresent();
    }

    @Test
    void no_more_than_sixteen_large_requests_wait_at_once() throws Exception {
        BodyBudget budget = new BodyBudget(1 << 20, 3_145_728, Duration.ofSeconds(120));
        BodyBudget.Lease whole = budget.acquire(3_000_000).orElseThrow();
        ExecutorService threads = Executors.newFixedThreadPool(BodyBudget.MAX_WAITING);
        List<CompletableFuture<Boolean>> waiters = new ArrayList<>();
        for (int i = 0; i < BodyBudget.MAX_WAITING; i++) {
            waiters.add(CompletableFuture.supplyAsync(() -> {
                try (BodyBudget.Lease lease = budget.acquire(100_000).orElseThrow()) {
                    return true;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> budget.waiting() == BodyBudget.MAX_WAITING);
        // Waiting here too would take the 120 s wait and trip the class's 60 s timeout.
        assertThat(budget.acquire(100_000)).as("the seventeenth is refused without waiting").isEmpty();
        whole.close();
        for (CompletableFuture<Boolean> waiter : waiters) {
            assertThat(waiter.get(20, TimeUnit.SECONDS)).as("the waiting ones get their share once it is free").isTrue();
        }
        threads.shutdown();
    }

    // ---------------------------------------------------------------------------------------------

    private HttpRequest post(String body) {
        return HttpRequest.newBuilder(server.webhook("/mutate")).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** The example with {@link #SEED} as the literal value of its first env entry. */
    private static String withSeed(String review) {
        ObjectNode tree = (ObjectNode) Json.JSON.readTree(review);
        ((ObjectNode) tree.at("/request/object/spec/containers/0/env/0")).put("value", SEED);
        return tree.toString();
    }

    private static void assertDenied(HttpResponse<String> response, String uid, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode review = Json.JSON.readTree(response.body());
        assertThat(review.get("apiVersion").stringValue()).isEqualTo("admission.k8s.io/v1");
        assertThat(review.get("kind").stringValue()).isEqualTo("AdmissionReview");
        assertThat(review.at("/response/uid").stringValue()).isEqualTo(uid);
        assertThat(review.at("/response/allowed").booleanValue()).isFalse();
        assertThat(review.at("/response/status/code").intValue()).isEqualTo(403);
        assertThat(review.at("/response/status/message").stringValue()).contains(message);
    }

    /** The log as it is written: every event through the JSON line encoder. */
    private List<JsonNode> encodedLog() {
        JsonLineEncoder encoder = new JsonLineEncoder();
        List<JsonNode> lines = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(logs.list)) {
            lines.add(Json.JSON.readTree(new String(encoder.encode(event), StandardCharsets.UTF_8)));
        }
        return lines;
    }

    private JsonNode internalErrorLine() {
        List<JsonNode> lines = encodedLog().stream()
                .filter(l -> l.path("logger").asString("").equals("billing-guard.internal")).collect(Collectors.toList());
        assertThat(lines).as("one internal-error line").hasSize(1);
        return lines.get(0);
    }

    private void assertNoSeedLogged() {
        assertThat(encodedLog()).isNotEmpty().allSatisfy(line -> assertThat(line.toString()).doesNotContain(SEED));
    }

    /** One request on a fresh TLS connection, as raw bytes; the whole answer until the server closes or 2 s pass. */
    private String raw(String request) throws Exception {
        try (SSLSocket socket = (SSLSocket) server.trusting().getSocketFactory().createSocket("127.0.0.1", server.webhook.port())) {
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[8192];
            try {
                for (int n = socket.getInputStream().read(buffer); n >= 0; n = socket.getInputStream().read(buffer)) {
                    answer.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    if (complete(answer.toString())) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException | javax.net.ssl.SSLException e) {
                // the server keeps the connection open or reset it after answering: what arrived is the answer
            }
            return answer.toString();
        }
    }

    private static boolean complete(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String head = answer.substring(0, end).toLowerCase();
        int at = head.indexOf("content-length:");
        if (at < 0) {
            return false;
        }
        int length = Integer.parseInt(head.substring(at + 15).split("\r\n")[0].trim());
        return answer.getBytes(StandardCharsets.UTF_8).length >= end + 4 + length;
    }

    private static JsonNode statusOf(String answer, int code) {
        JsonNode status = Json.JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
        assertThat(status.get("apiVersion").stringValue()).isEqualTo("v1");
        assertThat(status.get("kind").stringValue()).isEqualTo("Status");
        assertThat(status.get("code").intValue()).isEqualTo(code);
        assertThat(answer.toLowerCase()).contains("content-type: application/json");
        return status;
    }
}
