package ai.molecule.billingguard.server;

import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.json.Json;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The running webhook, driven as kube-apiserver drives it: AdmissionReview v1 JSON over HTTPS. */
class WebhookServerIT {
    static final String PLATFORM_SEED = "sk-ant-oat01-SEEDED-PLATFORM-VALUE-9911";
    static final String USER_SEED = "sk-proj-SEEDED-USER-VALUE-7722";

    @TempDir
    Path dir;
    WebhookFixture server;
    ListAppender<ILoggingEvent> logs;
    String example;

    @BeforeEach
    void start() throws Exception {
        Path facts = Files.writeString(dir.resolve("facts.yaml"), """
                apiVersion: v1
                kind: Secret
                metadata: {name: molecule-platform-llm, namespace: team-demo}
                stringData: {CLAUDE_CODE_OAUTH_TOKEN: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: ws-demo-secrets, namespace: team-demo}
                stringData: {LLM_PROVIDER: openai, OPENAI_API_KEY: %s}
                """.formatted(PLATFORM_SEED, USER_SEED));
        server = new WebhookFixture(dir, LocalFacts.load(facts, ConfigLoader.defaults().policy()),
                Map.of(Knob.PORT, "0"));
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        example = Files.readString(Path.of("examples/admission/pod-create.json"));
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        server.close();
    }

    @Test
    void mutate_answers_an_admission_review_with_the_uid_and_the_patch() throws Exception {
        HttpResponse<String> response = server.post("/mutate?timeout=10s", "application/json", example);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode review = Json.JSON.readTree(response.body());
        assertThat(review.get("apiVersion").stringValue()).isEqualTo("admission.k8s.io/v1");
        assertThat(review.get("kind").stringValue()).isEqualTo("AdmissionReview");
        assertThat(review.at("/response/uid").stringValue()).isEqualTo("3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10");
        assertThat(review.at("/response/allowed").booleanValue()).isTrue();
        assertThat(review.at("/response/patchType").stringValue()).isEqualTo("JSONPatch");
        assertThat(review.at("/response/auditAnnotations/mode").stringValue()).isEqualTo("byok");
    }

    @Test
    void validate_rechecks_the_final_state() throws Exception {
        HttpResponse<String> response = server.post("/validate", "application/json; charset=utf-8", example);
        JsonNode review = Json.JSON.readTree(response.body());
        assertThat(review.at("/response/allowed").booleanValue()).isFalse();
        assertThat(review.at("/response/status/code").intValue()).isEqualTo(403);
        assertThat(review.at("/response/status/message").stringValue()).contains("platform credentials remain");
    }

    @Test
    void a_dry_run_gets_the_identical_answer() throws Exception {
        String dry = example.replace("\"dryRun\": false", "\"dryRun\": true");
        assertThat(dry).isNotEqualTo(example);
        assertThat(server.post("/mutate", "application/json", dry).body())
                .isEqualTo(server.post("/mutate", "application/json", example).body());
    }

    @Test
    void bad_requests_get_a_well_formed_status_with_one_line() throws Exception {
        assertStatus(server.post("/mutate", "application/json", ""), 400, "empty body");
        assertStatus(server.post("/mutate", "text/plain", example), 415, "expected Content-Type application/json");
        assertStatus(server.post("/mutate", null, example), 415, "got none");
        assertStatus(server.post("/mutate", "application/json", "{\"kind\": \"AdmissionReview\", "), 400, "malformed JSON");
        HttpResponse<String> echo = server.post("/mutate", "application/json", "{\"a\": sk_live_SEEDED_TOKEN_123}");
        assertStatus(echo, 400, "malformed JSON at line 1, column");
        assertThat(echo.body()).doesNotContain("sk_live_SEEDED_TOKEN_123");
        assertStatus(server.post("/mutate", "application/json", "[1, 2]"), 400, "not an AdmissionReview");
        assertStatus(server.post("/validate", "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}"), 400,
                "not an AdmissionReview: kind is Pod");
        assertStatus(server.post("/mutate", "application/json", "{\"kind\":\"AdmissionReview\",\"request\":{}}"), 400,
                "has no uid");
        assertStatus(server.post("/mutate", "application/json", "{\"kind\":\"AdmissionReview\"}"), 400, "has no request");
        assertStatus(server.post("/nowhere", "application/json", example), 404, "no such path /nowhere");
        assertStatus(server.get(server.webhook("/mutate")), 405, "GET /mutate is not served");
        assertThat(server.metrics.scrape()).contains("billing_guard_bad_requests_total{code=\"415\",endpoint=\"mutate\"} 2.0");
    }

    @Test
    void an_oversized_body_is_413_before_it_is_read() throws Exception {
        // A raw connection announces 4 MB and sends none of it: the answer must come from the headers alone.
        try (SSLSocket socket = (SSLSocket) server.trusting().getSocketFactory().createSocket("127.0.0.1", server.webhook.port())) {
            socket.getOutputStream().write(("POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 4000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413");
            JsonNode status = Json.JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            assertThat(status.get("code").intValue()).isEqualTo(413);
            assertThat(status.get("message").stringValue()).contains("exceeds the limit of 3145728");
        }
    }

    static void assertStatus(HttpResponse<String> response, int code, String part) {
        assertThat(response.statusCode()).isEqualTo(code);
        JsonNode status = Json.JSON.readTree(response.body());
        assertThat(status.get("kind").stringValue()).isEqualTo("Status");
        assertThat(status.get("code").intValue()).isEqualTo(code);
        assertThat(status.get("message").stringValue()).contains(part).doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void an_exception_inside_the_handler_is_a_denial_that_carries_the_uid() throws Exception {
        FactsSource broken = (namespace, name, refs) -> {
            throw new IllegalStateException("cache exploded");
        };
        try (WebhookFixture failing = new WebhookFixture(Files.createDirectory(dir.resolve("b")), broken, Map.of())) {
            HttpResponse<String> response = failing.post("/mutate", "application/json", example);
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode review = Json.JSON.readTree(response.body());
            assertThat(review.at("/response/uid").stringValue()).isEqualTo("3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10");
            assertThat(review.at("/response/allowed").booleanValue()).isFalse();
            assertThat(review.at("/response/status/message").stringValue()).contains("failing closed");
            // Caught inside the review, it is still an internal error: counted, and logged with its class.
            assertThat(failing.metrics.scrape()).contains("billing_guard_internal_errors_total{endpoint=\"mutate\"} 1.0");
        }
        assertThat(logs.list).anySatisfy(e -> {
            assertThat(e.getLevel().toString()).isEqualTo("ERROR");
            assertThat(e.getThrowableProxy().getClassName()).isEqualTo(IllegalStateException.class.getName());
        });
        assertThat(logs.list).filteredOn(e -> e.getKeyValuePairs() != null).anySatisfy(e ->
                assertThat(e.getKeyValuePairs().toString()).contains("3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10",
                        "could not review this request (internal error IllegalStateException)"));
    }

    @Test
    void metrics_count_decisions_and_expose_the_certificate_expiry() throws Exception {
        server.post("/mutate", "application/json", example);
        server.post("/mutate", "application/json", example.replace("\"dryRun\": false", "\"dryRun\": true"));
        String scrape = server.get(server.ops("/metrics")).body();
        assertThat(scrape).contains("billing_guard_admission_requests_total{dry_run=\"false\",endpoint=\"mutate\","
                + "mode=\"byok\",operation=\"CREATE\",outcome=\"patched\"} 1.0");
        assertThat(scrape).contains("dry_run=\"true\"");
        assertThat(scrape).contains("billing_guard_admission_duration_seconds_bucket");
        assertThat(scrape).containsPattern("billing_guard_serving_certificate_not_after_seconds [0-9.E]+");
        assertThat(server.get(server.ops("/healthz")).statusCode()).isEqualTo(200);
        assertThat(server.get(server.ops("/readyz")).body()).isEqualTo("ready\n");
    }

    @Test
    void one_json_log_line_per_decision_and_no_credential_value_anywhere() throws Exception {
        String answer = server.post("/mutate", "application/json", example).body();
        server.post("/validate", "application/json", example);
        String scrape = server.get(server.ops("/metrics")).body();
        JsonLineEncoder encoder = new JsonLineEncoder();
        StringBuilder logText = new StringBuilder();
        for (ILoggingEvent event : logs.list) {
            logText.append(new String(encoder.encode(event), StandardCharsets.UTF_8));
        }
        List<JsonNode> decisions = new ArrayList<>();
        logText.toString().lines().map(Json.JSON::readTree)
                .filter(l -> l.path("logger").asString("").equals("billing-guard.decision")).forEach(decisions::add);
        assertThat(decisions).hasSize(2);
        JsonNode line = decisions.get(0);
        assertThat(line.get("uid").stringValue()).isEqualTo("3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10");
        assertThat(line.get("namespace").stringValue()).isEqualTo("team-demo");
        assertThat(line.get("name").stringValue()).isEqualTo("ws-demo-");
        assertThat(line.get("workspace").stringValue()).isEqualTo("demo");
        assertThat(line.get("mode").stringValue()).isEqualTo("byok");
        assertThat(line.get("source").stringValue()).isEqualTo("provider-secret");
        assertThat(line.get("provider").stringValue()).isEqualTo("openai");
        assertThat(line.get("stripped").stringValue()).isEqualTo("CLAUDE_CODE_OAUTH_TOKEN");
        assertThat(line.get("allowed").booleanValue()).isTrue();
        for (String seed : List.of(PLATFORM_SEED, USER_SEED)) {
            assertThat(answer).doesNotContain(seed);
            assertThat(scrape).doesNotContain(seed);
            assertThat(logText).doesNotContain(seed);
        }
    }

    @Test
    void a_certificate_rotated_while_requests_flow_fails_none() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new ArrayList<>();
        CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
            while (running.get() && ok.get() < 20_000) {
                try {
                    HttpResponse<String> r = server.post("/mutate", "application/json", example);
                    if (r.statusCode() == 200 && r.body().contains("3b1f6c2e")) {
                        ok.incrementAndGet();
                    } else {
                        synchronized (failures) {
                            failures.add("HTTP " + r.statusCode());
                        }
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e.toString());
                    }
                }
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() > 20);
        X509Certificate rotated = server.rotate().certificate();
        await().atMost(Duration.ofSeconds(20)).until(() -> server.reloader.certificate().getSerialNumber()
                .equals(rotated.getSerialNumber()));
        int atRotation = ok.get();
        await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() > atRotation + 20);
        running.set(false);
        load.get();
        assertThat(failures).isEmpty();
        try (SSLSocket socket = (SSLSocket) server.trusting().getSocketFactory().createSocket("127.0.0.1", server.webhook.port())) {
            socket.startHandshake();
            X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            assertThat(served.getSerialNumber()).isEqualTo(rotated.getSerialNumber());
        }
    }

    @Test
    void keep_alive_connections_are_reused_and_closed_once_draining() throws Exception {
        try (SSLSocket socket = (SSLSocket) server.trusting().getSocketFactory().createSocket("127.0.0.1", server.webhook.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            assertThat(exchange(in, out)).doesNotContainIgnoringCase("connection: close");
            assertThat(exchange(in, out)).as("second request on the same connection").contains("200");
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> {
                try {
                    server.webhook.shutdown(Duration.ofSeconds(2), Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(server.webhook::draining);
            assertThat(server.get(server.ops("/readyz")).statusCode()).isEqualTo(503);
            String draining = exchange(in, out);
            assertThat(draining).contains("HTTP/1.1 200").containsIgnoringCase("connection: close");
            assertThat(in.read()).as("the server closed the connection").isEqualTo(-1);
            shutdown.get();
        }
    }

    /** One request on a raw keep-alive connection; returns the status line and headers. */
    private String exchange(BufferedReader in, OutputStream out) throws Exception {
        byte[] body = example.getBytes(StandardCharsets.UTF_8);
        out.write(("POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        StringBuilder head = new StringBuilder();
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            head.append(line).append('\n');
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        char[] content = new char[length];
        int read = 0;
        while (read < length) {
            read += in.read(content, read, length - read);
        }
        assertThat(new String(content)).contains("\"uid\":\"3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10\"");
        return head.toString();
    }
}
