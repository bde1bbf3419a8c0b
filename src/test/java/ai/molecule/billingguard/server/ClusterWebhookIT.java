package ai.molecule.billingguard.server;

import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.cluster.InformerFacts;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.json.Json;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The webhook over informers on fabric8's CRUD mock API server: what the cluster holds now is what
 * the next AdmissionReview is answered from.
 */
@EnableKubernetesMockClient(crud = true)
class ClusterWebhookIT {
    static final Object QUIET = ai.molecule.billingguard.cluster.MockServerLogs.quiet();
    static final String SEED = "sk-SEEDED-CLUSTER-WEBHOOK-5150";
    static final String SECRET_PATH = "/api/v1/namespaces/team-demo/secrets/ws-demo-secrets";
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;
    InformerFacts facts;
    WebhookFixture webhook;
    String example;

    @BeforeEach
    void start() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-demo").endMetadata().build())
                .create();
        client.secrets().inNamespace("team-demo").resource(new SecretBuilder().withNewMetadata()
                .withName("molecule-platform-llm").addToLabels("molecule.ai/secret-scope", "global").endMetadata()
                .addToStringData("CLAUDE_CODE_OAUTH_TOKEN", SEED).build()).create();
        facts = new InformerFacts(client, ConfigLoader.defaults().cluster(), ConfigLoader.defaults().policy(), new Metrics());
        facts.start();
        await().atMost(Duration.ofSeconds(10)).until(facts::synced);
        webhook = new WebhookFixture(dir, facts, Map.of());
        example = Files.readString(Path.of("examples/admission/pod-create.json"));
    }

    @AfterEach
    void stop() {
        webhook.close();
        facts.close();
    }

    JsonNode mutate() throws Exception {
        return Json.JSON.readTree(webhook.post("/mutate", "application/json", example).body()).get("response");
    }

    void putWorkspaceSecret(Map<String, String> data) {
        client.secrets().inNamespace("team-demo").resource(new SecretBuilder().withNewMetadata()
                .withName("ws-demo-secrets").addToLabels("molecule.ai/workspace-id", "demo").endMetadata()
                .withStringData(data).build()).createOr(r -> r.update());
    }

    @Test
    void a_workspace_secret_added_updated_and_deleted_is_seen() throws Exception {
        assertThat(mutate().at("/auditAnnotations/source").stringValue()).isEqualTo("unknown-workspace");

        putWorkspaceSecret(Map.of("LLM_PROVIDER", "openai", "OPENAI_API_KEY", SEED));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(mutate().at("/auditAnnotations/mode").stringValue()).isEqualTo("byok"));

        putWorkspaceSecret(Map.of("LLM_PROVIDER", "platform"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(mutate().at("/auditAnnotations/mode").stringValue()).isEqualTo("platform_managed"));

        client.secrets().inNamespace("team-demo").withName("ws-demo-secrets").delete();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(mutate().at("/auditAnnotations/source").stringValue()).isEqualTo("unknown-workspace"));
        assertThat(webhook.get(webhook.ops("/metrics")).body()).doesNotContain(SEED);
    }

    @Test
    void a_secret_the_informer_cannot_see_is_found_by_the_live_lookup() throws Exception {
        // No workspace label: outside the informer's selector, as a secret created a moment before
        // its pod is outside a lagging cache. The one live GET on a miss finds it.
        client.secrets().inNamespace("team-demo").resource(new SecretBuilder().withNewMetadata()
                .withName("ws-demo-secrets").endMetadata()
                .withStringData(Map.of("LLM_PROVIDER", "openai", "OPENAI_API_KEY", SEED)).build()).create();
        JsonNode answer = mutate();
        assertThat(answer.at("/auditAnnotations/mode").stringValue()).isEqualTo("byok");
        assertThat(answer.toString()).doesNotContain(SEED);
        assertThat(webhook.get(webhook.ops("/metrics")).body()).doesNotContain(SEED);
    }

    @Test
    void an_api_server_answering_500_gives_a_denial_naming_the_secret() throws Exception {
        server.expect().get().withPath(SECRET_PATH).andReturn(500, "{}").always();
        JsonNode answer = mutate();
        assertThat(answer.get("allowed").booleanValue()).isFalse();
        assertThat(answer.at("/status/message").stringValue())
                .contains("cannot read Secret team-demo/ws-demo-secrets", "HTTP 500", "fails closed");
    }

    @Test
    void an_api_server_answering_429_gives_a_denial_naming_the_secret_every_time() throws Exception {
        server.expect().get().withPath(SECRET_PATH).andReturn(429, "{}").always();
        for (int i = 0; i < 5; i++) {
            JsonNode answer = mutate();
            assertThat(answer.get("allowed").booleanValue()).isFalse();
            assertThat(answer.at("/status/message").stringValue())
                    .contains("cannot read Secret team-demo/ws-demo-secrets", "HTTP 429", "fails closed");
        }
    }

    @Test
    void a_hanging_api_server_gives_a_denial_within_the_webhook_timeout() throws Exception {
        server.expect().get().delay(30, TimeUnit.SECONDS).withPath(SECRET_PATH).andReturn(404, "{}").always();
        // kube-apiserver's default webhook timeout is 10s: the answer must come before it.
        HttpResponse<String> response = webhook.client.send(HttpRequest.newBuilder(webhook.webhook("/mutate"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(example)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer = Json.JSON.readTree(response.body()).get("response");
        assertThat(answer.get("allowed").booleanValue()).isFalse();
        assertThat(answer.at("/status/message").stringValue()).contains("cannot read Secret team-demo/ws-demo-secrets",
                "timed out");
    }

    @Test
    void before_the_caches_sync_a_slow_api_server_gets_the_fail_closed_denial_not_a_webhook_timeout() throws Exception {
        for (String path : List.of(SECRET_PATH, "/api/v1/namespaces/team-demo",
                "/api/v1/namespaces/team-demo/secrets?labelSelector=molecule.ai%2Fsecret-scope%3Dglobal",
                "/api/v1/namespaces/team-demo/secrets?labelSelector=molecule.ai%2Fworkspace-id")) {
            server.expect().get().delay(30, TimeUnit.SECONDS).withPath(path).andReturn(404, "{}").always();
        }
        Config.Cluster defaults = ConfigLoader.defaults().cluster();
        try (InformerFacts unsynced = new InformerFacts(client, new Config.Cluster(defaults.secrets(), defaults.kubeconfig(),
                Duration.ofSeconds(1), List.of(), defaults.listPageSize(), defaults.listTimeout()),
                ConfigLoader.defaults().policy(), new Metrics());
             WebhookFixture cold = new WebhookFixture(Files.createDirectories(dir.resolve("cold")), unsynced, Map.of())) {
            // The chart's webhook timeoutSeconds is 5: past it the API server applies failurePolicy instead.
            HttpResponse<String> response = cold.client.send(HttpRequest.newBuilder(cold.webhook("/mutate"))
                    .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(example)).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(unsynced.synced()).isFalse();
            JsonNode answer = Json.JSON.readTree(response.body()).get("response");
            assertThat(answer.get("allowed").booleanValue()).isFalse();
            assertThat(answer.at("/status/message").stringValue())
                    .contains("cannot read", "timed out after 1s", "fails closed");
        }
    }
}
