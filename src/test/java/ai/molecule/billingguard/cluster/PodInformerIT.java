package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.audit.SeededCluster;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.json.Json;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The background audit's informers on the seeded CRUD mock: guarded namespaces, and pods reduced in the cache. */
@EnableKubernetesMockClient(crud = true)
class PodInformerIT {
    static final Object QUIET = MockServerLogs.quiet();
    static KubernetesClient client;
    static KubernetesMockServer server;

    @BeforeAll
    static void cluster() {
        SeededCluster.seed(client, server);
    }

    static PodInformer started(Map<Knob, String> flags) {
        Config config = ConfigLoader.load(flags, Optional.empty(), Map.of());
        PodInformer informer = new PodInformer(client, config.cluster(), config.policy());
        informer.start();
        await().atMost(Duration.ofSeconds(10)).until(informer::synced);
        return informer;
    }

    @Test
    void the_cache_holds_the_pods_of_guarded_namespaces_reduced_and_no_value() {
        try (PodInformer informer = started(Map.of())) {
            assertThat(informer.guardedNamespaces()).containsExactly("team-a", "team-b", "team-clean");
            assertThat(informer.pods(Set.of("team-b"))).extracting(p -> p.at("/metadata/name").asString())
                    .containsExactly("dis-6f8-qqqqq", "dis-manual");

            String cache = client.getKubernetesSerialization().asJson(informer.cachedObjects());
            assertThat(cache).doesNotContain(SeededCluster.SEED, SeededCluster.SEED_BASE64,
                    "last-applied-configuration", "image");
            JsonNode pod = informer.pods(Set.of("team-a")).stream()
                    .filter(p -> p.at("/metadata/name").asString().equals("openai-web-7d9f-aaaaa")).findFirst().orElseThrow();
            assertThat(pod.at("/spec/containers/0/env")).isEqualTo(Json.JSON.readTree("""
                    [{"name":"CLAUDE_CODE_OAUTH_TOKEN","valueFrom":{"secretKeyRef":{"key":"CLAUDE_CODE_OAUTH_TOKEN","name":"molecule-platform-llm"}}},
                     {"name":"OPENAI_API_KEY","valueFrom":{"secretKeyRef":{"key":"OPENAI_API_KEY","name":"ws-openai-secrets"}}},
                     {"name":"HF_TOKEN"}]"""));
            assertThat(pod.at("/metadata/annotations")).isEqualTo(Json.JSON.readTree(
                    "{\"billing.molecule.ai/mode\":\"byok\"}"));
        }
    }

    @Test
    void with_watched_namespaces_only_their_pods_are_cached() {
        try (PodInformer informer = started(Map.of(Knob.WATCH_NAMESPACES, "team-b,outside"))) {
            assertThat(informer.pods(Set.of("team-a", "team-b", "team-clean", "outside")))
                    .extracting(p -> p.at("/metadata/namespace").asString()).containsOnly("team-b", "outside");
        }
    }
}
