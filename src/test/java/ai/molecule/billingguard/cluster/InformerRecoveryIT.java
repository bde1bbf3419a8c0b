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
import java.time.Duration;
import java.util.HashMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API server goes away after the caches synced (a proxy in front of the CRUD mock closes its
 * port and resets every connection, watches included), then comes back on the same address with
 * the same data: the informers catch up by themselves, and see a secret created once it is back. Readiness
 * (what {@code /readyz} reports from {@link InformerFacts#notSynced()}) stays true meanwhile, by
 * design: the caches still answer, a lookup they cannot answer fails closed (its live GET fails),
 * and taking every replica out of the Service because the API server blinked would turn every
 * admission call into a failed webhook call, which fails closed too, without saying why.
 */
class InformerRecoveryIT {
    static final Object QUIET = MockServerLogs.quiet();
    static final Set<String> NO_REFS = Set.of();

    KubernetesMockServer api;
    CuttableProxy proxy;
    KubernetesClient client;
    InformerFacts facts;

    @AfterEach
    void close() throws Exception {
        if (facts != null) {
            facts.close();
        }
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (api != null) {
            api.destroy();
        }
    }

    static KubernetesMockServer start() {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
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
        api = start();
        proxy = new CuttableProxy(api.getPort());
        client = Clusters.build(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + proxy.port())
                .withRequestTimeout(2_000).withNamespace("default").build());
        seed(client, "one");
        facts = new InformerFacts(client, ConfigLoader.defaults().cluster(), ConfigLoader.defaults().policy(), new Metrics());
        facts.start();
        await().atMost(Duration.ofSeconds(30)).until(facts::synced);
        assertThat(cached("ws-one-secrets")).isTrue();

        // Away: the cache answers what it holds, readiness stays true, a miss fails closed.
        proxy.cut();
        Facts one = facts.facts("team-a", "ws-one-secrets", NO_REFS);
        assertThat(one.workspaceSecret()).isInstanceOf(Lookup.Found.class);
        assertThat(facts.notSynced()).isEmpty();
        Facts missing = facts.facts("team-a", "ws-two-secrets", NO_REFS);
        assertThat(missing.workspaceSecret()).isInstanceOf(Lookup.Failed.class);

        // Back, on the same address with the same data; a secret made now is seen through the
        // re-established watch (or a new list). A real API server replays to a watch resumed at a
        // resourceVersion what changed since; the CRUD mock does not, so a change made before
        // fabric8's back-off has reconnected the watch would be lost here alone: the secret is
        // changed again every 2 s until it is seen, as a cluster keeps changing.
        Thread.sleep(2_000);
        proxy.restore();
        AtomicInteger touches = new AtomicInteger();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            seed(client, "one");
            client.secrets().inNamespace("team-a").resource(new SecretBuilder().withNewMetadata()
                    .withName("ws-two-secrets").addToLabels("molecule.ai/workspace-id", "two")
                    .addToAnnotations("touch", String.valueOf(touches.incrementAndGet())).endMetadata()
                    .addToStringData("LLM_PROVIDER", "platform").build()).createOr(r -> r.update());
            return cached("ws-two-secrets");
        });
        assertThat(facts.facts("team-a", "ws-two-secrets", NO_REFS).workspaceSecret()).isInstanceOf(Lookup.Found.class);
        assertThat(facts.notSynced()).isEmpty();
    }
}
