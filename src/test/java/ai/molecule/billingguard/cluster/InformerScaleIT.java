package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static ai.molecule.billingguard.cluster.SecretFactsTest.CONFIG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A cluster of 20,000 workspace secrets in 200 namespaces (a scripted API server, sized for CI):
 * the informers list them in pages, readiness reports progress while they do, and the cache ends
 * up holding records of the documented shape, with no credential value.
 */
class InformerScaleIT {
    static final int SECRETS = 20_000;
    static final int NAMESPACES = 200;

    ScriptedApiServer server;
    KubernetesClient client;
    InformerFacts facts;
    final Metrics metrics = new Metrics();

    @AfterEach
    void close() {
        if (facts != null) {
            facts.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twenty_thousand_workspace_secrets_are_listed_in_pages_with_progress_and_cached_without_any_value() throws Exception {
        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server = new ScriptedApiServer(SECRETS, NAMESPACES).script((kind, offset, token) -> {
            if (kind.equals("workspace-secrets") && offset == SECRETS / 2) {
                halfway.countDown();
                release.await(60, TimeUnit.SECONDS); // hold the list half way
            }
            return ScriptedApiServer.Reply.OK;
        });
        client = server.client(Duration.ofSeconds(5));
        facts = new InformerFacts(client, ConfigLoader.defaults().cluster(), CONFIG, metrics);
        facts.start();

        // Half way: readiness says how far each informer got, and so does the gauge.
        assertThat(halfway.await(60, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> facts.progress().startsWith("workspace-secrets 10000 cached"));
        assertThat(facts.synced()).isFalse();
        assertThat(facts.notSynced()).hasValueSatisfying(reason ->
                assertThat(reason).startsWith("caches not synced (workspace-secrets 10000 cached, "));
        assertThat(metrics.scrape()).contains("billing_guard_cache_objects{object=\"workspace-secrets\"} 10000.0");

        release.countDown();
        await().atMost(Duration.ofSeconds(60)).until(facts::synced);

        // Pagination: 40 pages of 500, each after the first following the continue token.
        List<String> pages = server.requests().stream().filter(r -> r.startsWith("GET /api/v1/secrets?")
                && r.contains("labelSelector=molecule.ai%2Fworkspace-id") && !r.contains("watch=true")).toList();
        assertThat(pages).hasSize(SECRETS / 500).allSatisfy(r -> assertThat(r).contains("limit=500"));
        assertThat(pages.subList(1, pages.size())).allSatisfy(r -> assertThat(r).contains("continue=c-"));
        assertThat(facts.progress()).isEqualTo("workspace-secrets 20000 synced, platform-secrets 200 synced, namespaces 200 synced");
        assertThat(metrics.scrape()).contains("billing_guard_cache_objects{object=\"workspace-secrets\"} 20000.0")
                .contains("billing_guard_informer_list_restarts_total{object=\"workspace-secrets\"} 0.0");

        // The documented shape, and one shared set of key names for 20,000 secrets of one shape.
        List<CachedObjects.WorkspaceSecretEntry> entries = facts.cachedObjects().stream()
                .filter(CachedObjects.WorkspaceSecretEntry.class::isInstance)
                .map(CachedObjects.WorkspaceSecretEntry.class::cast).toList();
        assertThat(entries).hasSize(SECRETS);
        Set<Object> shapes = Collections.newSetFromMap(new IdentityHashMap<>());
        entries.forEach(e -> shapes.add(e.keys()));
        assertThat(shapes).hasSize(1);
        assertThat(entries.get(0).keys().all())
                .containsExactlyInAnyOrder("LLM_PROVIDER", "MODEL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN");
        assertThat(facts.cachedObjects()).allSatisfy(o -> assertThat(o).isInstanceOfAny(
                CachedObjects.WorkspaceSecretEntry.class, CachedObjects.PlatformSecretEntry.class,
                CachedObjects.NamespaceEntry.class));

        // No credential value anywhere in the cache: not the values, not their base64.
        String cache = new KubernetesSerialization().asJson(facts.cachedObjects());
        assertThat(cache).doesNotContain(ScriptedApiServer.PREFIX)
                .doesNotContain(b64(ScriptedApiServer.credential(7)))
                .doesNotContain(b64(ScriptedApiServer.credential(SECRETS - 1)));

        // Answers come from the cache, with no API call.
        int before = server.requests().size();
        Facts answer = facts.facts("team-0007", "ws-7-secrets", Set.of("ws-7-secrets", "molecule-platform-llm"));
        WorkspaceSecret secret = ((Lookup.Found<WorkspaceSecret>) answer.workspaceSecret()).value();
        assertThat(secret.provider()).isEqualTo("platform");
        assertThat(secret.nonEmptyKeys()).contains("OPENAI_API_KEY", "HF_TOKEN");
        assertThat(answer.referencedSecrets()).isEqualTo(Lookup.found(java.util.Map.of(
                "molecule-platform-llm", new SecretLabels(true, Optional.empty()),
                "ws-7-secrets", new SecretLabels(false, Optional.of("7")))));
        assertThat(server.requests()).hasSize(before);

        // And a change streamed over the watch reaches it.
        server.change(7, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "gpt-change-1".equals(((Lookup.Found<WorkspaceSecret>)
                facts.facts("team-0007", "ws-7-secrets", Set.of()).workspaceSecret()).value().model()));
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
