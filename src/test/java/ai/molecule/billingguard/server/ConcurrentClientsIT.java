package ai.molecule.billingguard.server;

import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 64 clients at once, each with its own keep-alive connection, its own workspace and, by turns,
 * each of four modes: every answer belongs to the request it answers (its uid, its workspace, its
 * mode and verdict, a patch that carries its mode), none is another request's. A request handled
 * with state shared across threads would show up here as an answer with someone else's workspace.
 */
class ConcurrentClientsIT {
    static final int CLIENTS = 64;
    static final int REQUESTS_PER_CLIENT = 25;

    /** What a workspace's secret holds, and what its pods must get. */
    enum Kind {
        BYOK_WITH_KEY("LLM_PROVIDER: openai, OPENAI_API_KEY: sk-proj-CONCURRENT-%d", "", true, "byok", true),
        PLATFORM("LLM_PROVIDER: platform", "", true, "platform_managed", true),
        BYOK_WITHOUT_KEY("LLM_PROVIDER: minimax, MODEL: MiniMax-M2.7", "", false, "byok", false),
        DISABLED("WORKSPACE_NOTE: quiet", "annotations: {molecule.ai/llm-billing-mode: disabled}", true, "disabled", true);

        final String data;
        final String annotations;
        final boolean allowed;
        final String mode;
        final boolean patched;

        Kind(String data, String annotations, boolean allowed, String mode, boolean patched) {
            this.data = data;
            this.annotations = annotations;
            this.allowed = allowed;
            this.mode = mode;
            this.patched = patched;
        }
    }

    @TempDir
    Path dir;
    WebhookFixture server;
    JsonNode template;

    @BeforeEach
    void start() throws Exception {
        StringBuilder facts = new StringBuilder("""
                apiVersion: v1
                kind: Secret
                metadata: {name: molecule-platform-llm, namespace: team-demo}
                stringData: {CLAUDE_CODE_OAUTH_TOKEN: sk-ant-oat01-CONCURRENT-PLATFORM}
                """);
        for (int c = 0; c < CLIENTS; c++) {
            Kind kind = kind(c);
            facts.append("---\napiVersion: v1\nkind: Secret\nmetadata: {name: ws-w").append(c)
                    .append("-secrets, namespace: team-demo, labels: {molecule.ai/workspace-id: w").append(c).append("}")
                    .append(kind.annotations.isEmpty() ? "" : ", " + kind.annotations).append("}\n")
                    .append("stringData: {").append(kind.data.formatted(c)).append("}\n");
        }
        Path file = Files.writeString(dir.resolve("facts.yaml"), facts);
        server = new WebhookFixture(dir, LocalFacts.load(file, ConfigLoader.defaults().policy()), Map.of(Knob.PORT, "0"));
        template = Json.JSON.readTree(Files.readString(Path.of("examples/admission/pod-create.json")));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static Kind kind(int client) {
        return Kind.values()[client % Kind.values().length];
    }

    /** The example pod in workspace {@code w<client>}, reading the user's key from that workspace's secret. */
    String body(int client, String uid) {
        ObjectNode review = (ObjectNode) template.deepCopy();
        ((ObjectNode) review.get("request")).put("uid", uid);
        ((ObjectNode) review.at("/request/object/metadata/labels")).put("molecule.ai/workspace-id", "w" + client);
        ((ObjectNode) review.at("/request/object/spec/containers/0/env/2/valueFrom/secretKeyRef"))
                .put("name", "ws-w" + client + "-secrets");
        return review.toString();
    }

    /** Null when {@code answer} is the answer to client {@code client}'s request {@code uid}; else what is wrong. */
    static String mismatch(int client, String uid, HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            return "HTTP " + response.statusCode() + ": " + response.body();
        }
        Kind kind = kind(client);
        JsonNode answer = Json.JSON.readTree(response.body()).path("response");
        String workspace = "w" + client;
        List<String> wrong = new ArrayList<>();
        if (!uid.equals(answer.path("uid").asString(""))) {
            wrong.add("uid " + answer.path("uid"));
        }
        if (!workspace.equals(answer.path("auditAnnotations").path("workspace").asString(""))) {
            wrong.add("workspace " + answer.path("auditAnnotations").path("workspace"));
        }
        if (!kind.mode.equals(answer.path("auditAnnotations").path("mode").asString(""))) {
            wrong.add("mode " + answer.path("auditAnnotations").path("mode"));
        }
        if (answer.path("allowed").asBoolean(!kind.allowed) != kind.allowed) {
            wrong.add("allowed " + answer.path("allowed"));
        }
        if (!kind.allowed && !answer.path("status").path("message").asString("").contains("\"" + workspace + "\"")) {
            wrong.add("denial not about " + workspace + ": " + answer.path("status").path("message"));
        }
        if (kind.patched) {
            String patch = new String(Base64.getDecoder().decode(answer.path("patch").asString("")), StandardCharsets.UTF_8);
            if (!patch.contains("\"value\":\"" + kind.mode + "\"")) {
                wrong.add("patch without mode " + kind.mode + ": " + patch);
            }
            for (Kind other : Kind.values()) {
                if (!other.mode.equals(kind.mode) && patch.contains("\"value\":\"" + other.mode + "\"")) {
                    wrong.add("patch with another mode " + other.mode + ": " + patch);
                }
            }
        }
        return wrong.isEmpty() ? null : workspace + " (" + kind + "): " + String.join(", ", wrong);
    }

    @Test
    void every_answer_to_64_concurrent_clients_belongs_to_its_own_request() throws Exception {
        // Every client's answer is right on its own first (so a mismatch below is about concurrency).
        for (int c = 0; c < Kind.values().length; c++) {
            String uid = UUID.randomUUID().toString();
            assertThat(mismatch(c, uid, server.post("/mutate", "application/json", body(c, uid)))).isNull();
        }
        CyclicBarrier together = new CyclicBarrier(CLIENTS);
        CountDownLatch done = new CountDownLatch(CLIENTS);
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicInteger answered = new AtomicInteger();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .sslContext(server.trusting()).connectTimeout(Duration.ofSeconds(10)).build();
                try {
                    together.await(30, TimeUnit.SECONDS);
                    for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                        String uid = UUID.randomUUID().toString();
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.webhook("/mutate"))
                                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body(client, uid))).build(),
                                HttpResponse.BodyHandlers.ofString());
                        String problem = mismatch(client, uid, response);
                        if (problem != null) {
                            problems.add(problem);
                        }
                        answered.incrementAndGet();
                    }
                } catch (Exception e) {
                    problems.add("client " + client + ": " + e);
                } finally {
                    done.countDown();
                }
            }, "client-" + c);
            thread.start();
        }
        assertThat(done.await(5, TimeUnit.MINUTES)).as("every client finished").isTrue();
        assertThat(problems).as("answers that are not their own request's").isEmpty();
        assertThat(answered.get()).isEqualTo(CLIENTS * REQUESTS_PER_CLIENT);
        String scrape = server.get(server.ops("/metrics")).body();
        for (Kind kind : Kind.values()) {
            assertThat(scrape).as("decisions counted by mode").contains("mode=\"" + kind.mode + "\"");
        }
    }
}
