package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API server goes away after the caches synced, then comes back (a new CRUD mock on the same
 * address, holding what the cluster holds now): the informers catch up by themselves. Readiness
 * (what {@code /readyz} reports from {@link InformerFacts#notSynced()}) stays true meanwhile, by
 * design: the caches still answer, a lookup they cannot answer fails closed (its live GET fails),
 * and taking every replica out of the Service because the API server blinked would turn every
 * admission call into a failed webhook call, which fails closed too, without saying why.
 */
class InformerRecoveryIT {
    static final Object QUIET = MockServerLogs.quiet();
    static final Set<String> NO_REFS = Set.of();

    KubernetesMockServer api;
    KubernetesClient client;
    InformerFacts facts;

    @AfterEach
    void close() {
        if (facts != null) {
            facts.close();
        }
        if (client != null) {
            client.close();
        }
        if (api != null) {
            api.destroy();
        }
    }

    static KubernetesMockServer start(int port) {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        return server;
    }

    static void seed(KubernetesClient client, String... workspaces) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-a")
                .addToLabels("molecule.ai/billing-guard", "enabled").endMetadata().build()).createOr(r -> r.update());
        for (String id : workspaces) {
            client.secrets().inNamespace("team-a").resource(new SecretBuilder().withNewMetadata().withName("ws-" + id + "-secrets")
                    .addToLabels("molecule.ai/workspace-id", id).endMetadata()
                    .addToStringData("LLM_PROVIDER", "platform").build()).createOr(r -> r.update());
        }
    }

    boolean cached(String secretName) {
        return facts.cachedObjects().stream().anyMatch(o -> o instanceof CachedObjects.WorkspaceSecretEntry e
                && e.name().equals(secretName));
    }

    @Test
    void informers_catch_up_after_the_api_server_restarts_and_readiness_stays_true_while_it_is_away() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        api = start(port);
        client = Clusters.build(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port)
                .withRequestTimeout(2_000).withNamespace("default").build());
        seed(client, "one");
        facts = new InformerFacts(client, ConfigLoader.defaults().cluster(), ConfigLoader.defaults().policy(), new Metrics());
        facts.start();
        await().atMost(Duration.ofSeconds(30)).until(facts::synced);
        assertThat(cached("ws-one-secrets")).isTrue();

        // Away: the cache answers what it holds, readiness stays true, a miss fails closed.
        api.destroy();
        api = null;
        Facts one = facts.facts("team-a", "ws-one-secrets", NO_REFS);
        assertThat(one.workspaceSecret()).isInstanceOf(Lookup.Found.class);
        assertThat(facts.notSynced()).isEmpty();
        Facts missing = facts.facts("team-a", "ws-two-secrets", NO_REFS);
        assertThat(missing.workspaceSecret()).isInstanceOf(Lookup.Failed.class);

        // Back, holding a secret made while it was away: seen through the watch or a new list.
        Thread.sleep(2_000);
        api = start(port);
        seed(client, "one", "two");
        await().atMost(Duration.ofSeconds(90)).until(() -> cached("ws-two-secrets"));
        assertThat(facts.facts("team-a", "ws-two-secrets", NO_REFS).workspaceSecret()).isInstanceOf(Lookup.Found.class);
        assertThat(facts.notSynced()).isEmpty();
    }
}
