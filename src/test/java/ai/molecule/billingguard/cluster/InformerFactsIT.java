package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static ai.molecule.billingguard.cluster.SecretFactsTest.CONFIG;
import static ai.molecule.billingguard.cluster.SecretFactsTest.SEED;
import static ai.molecule.billingguard.cluster.SecretFactsTest.b64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** InformerFacts over the fabric8 CRUD mock: a small API server that stores objects and serves watches. */
@EnableKubernetesMockClient(crud = true)
class InformerFactsIT {
    static final Object QUIET = MockServerLogs.quiet();
    static final String SECRET_PATH = "/api/v1/namespaces/team-a/secrets/ws-1-secrets";

    KubernetesMockServer server;
    KubernetesClient client;
    final Metrics metrics = new Metrics();
    InformerFacts facts;

    @AfterEach
    void close() {
        if (facts != null) {
            facts.close();
        }
    }

    static Config.Cluster cluster() {
        return ConfigLoader.defaults().cluster();
    }

    static Config.Cluster cluster(Duration deadline, List<String> watchNamespaces) {
        Config.Cluster d = cluster();
        return new Config.Cluster(d.secrets(), d.kubeconfig(), deadline, watchNamespaces, d.listPageSize(), d.listTimeout());
    }

    InformerFacts started() {
        return started(cluster());
    }

    InformerFacts started(Config.Cluster cluster) {
        facts = new InformerFacts(client, cluster, CONFIG, metrics);
        facts.start();
        await().atMost(Duration.ofSeconds(10)).until(facts::synced);
        return facts;
    }

    void createNamespace(String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .addToAnnotations("molecule.ai/llm-billing-mode", "byok").endMetadata().build()).create();
    }

    static SecretBuilder workspaceSecret(String provider) {
        return new SecretBuilder().withNewMetadata().withNamespace("team-a").withName("ws-1-secrets")
                .addToLabels("molecule.ai/workspace-id", "1").endMetadata()
                .addToData("LLM_PROVIDER", b64(provider))
                .addToData("OPENAI_API_KEY", b64(SEED));
    }

    double count(String name, String object, String tag, String value) {
        return metrics.registry().get(name).tag("object", object).tag(tag, value).counter().count();
    }

    boolean cached(String namespace, String name) {
        String key = namespace + "/" + name;
        return facts.cachedObjects().stream().anyMatch(o -> o instanceof CachedObjects.WorkspaceSecretEntry e
                ? e.key().equals(key) : o instanceof CachedObjects.PlatformSecretEntry p && p.key().equals(key));
    }

    static WorkspaceSecret found(Lookup<WorkspaceSecret> lookup) {
        assertThat(lookup).isInstanceOf(Lookup.Found.class);
        return ((Lookup.Found<WorkspaceSecret>) lookup).value();
    }

    @Test
    void a_workspace_secret_added_updated_and_deleted_is_seen_through_the_cache() {
        createNamespace("team-a");
        started();

        client.secrets().resource(workspaceSecret("openai").build()).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> cached("team-a", "ws-1-secrets"));
        Facts added = facts.facts("team-a", "ws-1-secrets", Set.of());
        assertThat(found(added.workspaceSecret()).provider()).isEqualTo("openai");
        assertThat(found(added.workspaceSecret()).nonEmptyKeys()).containsExactlyInAnyOrder("LLM_PROVIDER", "OPENAI_API_KEY");
        assertThat(((Lookup.Found<NamespaceInfo>) added.namespace()).value().annotations())
                .containsEntry("molecule.ai/llm-billing-mode", "byok");

        client.secrets().inNamespace("team-a").withName("ws-1-secrets")
                .edit(s -> new SecretBuilder(s).addToData("LLM_PROVIDER", b64("platform")).build());
        await().atMost(Duration.ofSeconds(10)).until(() ->
                "platform".equals(found(facts.facts("team-a", "ws-1-secrets", Set.of()).workspaceSecret()).provider()));

        // Everything so far came from the caches.
        assertThat(count("billing_guard_live_lookups", "secret", "outcome", "found")).isZero();
        assertThat(count("billing_guard_live_lookups", "namespace", "outcome", "found")).isZero();
        assertThat(count("billing_guard_cache_lookups", "secret", "result", "hit")).isGreaterThanOrEqualTo(2);
        assertThat(count("billing_guard_cache_lookups", "namespace", "result", "hit")).isGreaterThanOrEqualTo(2);

        client.secrets().inNamespace("team-a").withName("ws-1-secrets").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> !cached("team-a", "ws-1-secrets"));
        assertThat(facts.facts("team-a", "ws-1-secrets", Set.of()).workspaceSecret()).isInstanceOf(Lookup.Absent.class);
        assertThat(count("billing_guard_live_lookups", "secret", "outcome", "absent")).isEqualTo(1);
    }

    @Test
    void a_cache_miss_makes_exactly_one_live_get_which_finds_a_secret_the_informer_cannot_see() {
        createNamespace("team-a");
        started();
        // No workspace-id label: outside the informer's selector, as a hand-made secret may be.
        client.secrets().resource(new SecretBuilder().withNewMetadata().withNamespace("team-a").withName("ws-1-secrets")
                .endMetadata().addToData("LLM_PROVIDER", b64("openai")).build()).create();
        drainRequests();

        Lookup<WorkspaceSecret> lookup = facts.facts("team-a", "ws-1-secrets", Set.of()).workspaceSecret();

        assertThat(found(lookup).provider()).isEqualTo("openai");
        assertThat(drainRequests().stream().filter(r -> SECRET_PATH.equals(r.getPath())).count()).isEqualTo(1);
        assertThat(count("billing_guard_cache_lookups", "secret", "result", "miss")).isEqualTo(1);
        assertThat(count("billing_guard_live_lookups", "secret", "outcome", "found")).isEqualTo(1);
    }

    @Test
    void before_the_caches_sync_the_api_server_answers() {
        createNamespace("team-a");
        client.secrets().resource(workspaceSecret("openai").build()).create();
        facts = new InformerFacts(client, cluster(), CONFIG, metrics); // not started

        Facts answer = facts.facts("team-a", "ws-1-secrets", Set.of());

        assertThat(facts.synced()).isFalse();
        assertThat(found(answer.workspaceSecret()).provider()).isEqualTo("openai");
        assertThat(answer.namespace()).isInstanceOf(Lookup.Found.class);
        assertThat(count("billing_guard_live_lookups", "secret", "outcome", "found")).isEqualTo(1);
        assertThat(count("billing_guard_cache_lookups", "secret", "result", "miss")).isZero();
    }

    @Test
    void before_the_caches_sync_a_slow_api_server_gets_failed_lookups_within_the_deadline() {
        createNamespace("team-a");
        for (String path : List.of(SECRET_PATH, "/api/v1/namespaces/team-a",
                "/api/v1/namespaces/team-a/secrets?labelSelector=molecule.ai%2Fsecret-scope%3Dglobal",
                "/api/v1/namespaces/team-a/secrets?labelSelector=molecule.ai%2Fworkspace-id")) {
            server.expect().get().delay(10, TimeUnit.SECONDS).withPath(path).andReturn(404, "{}").always();
        }
        facts = new InformerFacts(client, cluster(Duration.ofMillis(800), List.of()), CONFIG, metrics); // not started

        long start = System.nanoTime();
        Facts answer = facts.facts("team-a", "ws-1-secrets", Set.of("shared-llm"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(answer.workspaceSecret()).isEqualTo(Lookup.failed("Secret team-a/ws-1-secrets", "timed out after 800ms"));
        assertThat(answer.namespace()).isEqualTo(Lookup.failed("Namespace team-a", "timed out after 800ms"));
        assertThat(answer.referencedSecrets()).isInstanceOf(Lookup.Failed.class);
        assertThat(took).isLessThan(Duration.ofSeconds(10)); // did not wait for the server
        assertThat(count("billing_guard_live_lookups", "secret", "outcome", "error")).isEqualTo(1);
        assertThat(count("billing_guard_live_lookups", "namespace", "outcome", "error")).isEqualTo(1);
    }

    @Test
    void readiness_progress_and_cache_gauges_count_what_each_informer_holds() {
        createNamespace("team-a");
        createNamespace("team-b");
        client.secrets().resource(workspaceSecret("openai").build()).create();
        client.secrets().resource(new SecretBuilder().withNewMetadata().withNamespace("team-a").withName("shared-llm")
                .addToLabels("molecule.ai/secret-scope", "global").endMetadata().build()).create();
        facts = new InformerFacts(client, cluster(), CONFIG, metrics);
        assertThat(facts.notSynced()).contains(
                "caches not synced (workspace-secrets 0 cached, platform-secrets 0 cached, namespaces 0 cached)");

        facts.start();
        await().atMost(Duration.ofSeconds(10)).until(facts::synced);

        assertThat(facts.notSynced()).isEmpty();
        assertThat(facts.progress()).isEqualTo("workspace-secrets 1 synced, platform-secrets 1 synced, namespaces 2 synced");
        assertThat(metrics.scrape())
                .contains("billing_guard_cache_objects{object=\"workspace-secrets\"} 1.0")
                .contains("billing_guard_cache_objects{object=\"platform-secrets\"} 1.0")
                .contains("billing_guard_cache_objects{object=\"namespaces\"} 2.0")
                .contains("billing_guard_informer_list_restarts_total{object=\"namespaces\"} 0.0");
        // Every informer listed in pages of facts.listPageSize.
        List<String> lists = drainRequests().stream().filter(r -> r.getMethod().equals("GET")).map(RecordedRequest::getPath)
                .filter(p -> !p.contains("watch=true") && (p.startsWith("/api/v1/secrets") || p.startsWith("/api/v1/namespaces?")))
                .toList();
        assertThat(lists).hasSize(3).allSatisfy(p -> assertThat(p).contains("limit=500"));
    }

    @Test
    void watched_namespaces_have_informers_of_their_own_and_other_namespaces_fail_closed_without_an_api_call() {
        createNamespace("team-a");
        createNamespace("team-b");
        client.secrets().resource(workspaceSecret("openai").build()).create();
        client.secrets().resource(workspaceSecret("openai").editMetadata().withNamespace("team-b").endMetadata().build()).create();
        started(cluster(Duration.ofSeconds(2), List.of("team-a")));
        await().atMost(Duration.ofSeconds(10)).until(() -> cached("team-a", "ws-1-secrets"));
        List<String> lists = drainRequests().stream().filter(r -> r.getMethod().equals("GET")).map(RecordedRequest::getPath)
                .filter(p -> !p.contains("watch=true")).toList();

        Facts watched = facts.facts("team-a", "ws-1-secrets", Set.of("ws-1-secrets"));
        Facts other = facts.facts("team-b", "ws-1-secrets", Set.of("ws-1-secrets"));

        assertThat(lists).allSatisfy(p -> assertThat(p).satisfiesAnyOf(
                x -> assertThat(x).startsWith("/api/v1/namespaces/team-a/secrets?"),
                x -> assertThat(x).startsWith("/api/v1/namespaces?").contains("fieldSelector=metadata.name%3Dteam-a")));
        assertThat(cached("team-b", "ws-1-secrets")).isFalse();
        assertThat(found(watched.workspaceSecret()).provider()).isEqualTo("openai");
        assertThat(watched.namespace()).isInstanceOf(Lookup.Found.class);
        assertThat(watched.referencedSecrets()).isEqualTo(Lookup.found(Map.of("ws-1-secrets", new SecretLabels(false, Optional.of("1")))));
        String cause = "namespace team-b is not in facts.watchNamespaces";
        assertThat(other.workspaceSecret()).isEqualTo(Lookup.failed("Secret team-b/ws-1-secrets", cause));
        assertThat(other.namespace()).isEqualTo(Lookup.failed("Namespace team-b", cause));
        assertThat(other.referencedSecrets()).isEqualTo(Lookup.failed("Secrets in namespace team-b", cause));
        assertThat(drainRequests()).isEmpty();
        assertThat(facts.progress()).isEqualTo("workspace-secrets 1 synced, platform-secrets 0 synced, namespaces 1 synced");
    }

    @Test
    void labelled_platform_secrets_are_reported_by_name_per_namespace() {
        createNamespace("team-a");
        createNamespace("team-b");
        for (String[] s : new String[][]{{"team-a", "shared-llm"}, {"team-a", "more-global"}, {"team-b", "elsewhere"}}) {
            client.secrets().resource(new SecretBuilder().withNewMetadata().withNamespace(s[0]).withName(s[1])
                    .addToLabels("molecule.ai/secret-scope", "global").endMetadata()
                    .addToData("CLAUDE_CODE_OAUTH_TOKEN", b64(SEED)).build()).create();
        }
        client.secrets().resource(new SecretBuilder().withNewMetadata().withNamespace("team-a").withName("dual")
                .addToLabels("molecule.ai/secret-scope", "global").addToLabels("molecule.ai/workspace-id", "7").endMetadata()
                .build()).create();
        client.secrets().resource(new SecretBuilder().withNewMetadata().withNamespace("team-a").withName("not-global")
                .addToLabels("molecule.ai/secret-scope", "workspace").endMetadata().build()).create();
        started();

        Set<String> refs = Set.of("shared-llm", "more-global", "elsewhere", "not-global", "absent", "dual");
        assertThat(facts.facts("team-a", null, refs).referencedSecrets()).isEqualTo(Lookup.found(Map.of(
                "dual", new SecretLabels(true, Optional.of("7")),
                "shared-llm", new SecretLabels(true, Optional.empty()),
                "more-global", new SecretLabels(true, Optional.empty()))));
        assertThat(facts.facts("team-b", null, refs).referencedSecrets()).isEqualTo(Lookup.found(Map.of(
                "elsewhere", new SecretLabels(true, Optional.empty()))));
    }

    @Test
    void a_failing_live_get_after_a_miss_is_a_failed_lookup() {
        createNamespace("team-a");
        started();
        // Scripted answers take precedence over the CRUD store.
        server.expect().get().withPath(SECRET_PATH).andReturn(500,
                new StatusBuilder().withCode(500).withMessage("etcd down " + SEED).build()).once();

        Lookup<WorkspaceSecret> lookup = facts.facts("team-a", "ws-1-secrets", Set.of()).workspaceSecret();

        assertThat(lookup).isEqualTo(Lookup.failed("Secret team-a/ws-1-secrets", "HTTP 500 Internal Server Error"));
        assertThat(count("billing_guard_live_lookups", "secret", "outcome", "error")).isEqualTo(1);
    }

    @Test
    void undecodable_data_in_a_cached_secret_fails_the_lookup() {
        createNamespace("team-a");
        // The CRUD mock stores data as given; a real API server never returns invalid base64.
        client.secrets().resource(workspaceSecret("openai").addToData("BROKEN", SEED + "*").build()).create();
        started();
        await().atMost(Duration.ofSeconds(10)).until(() -> cached("team-a", "ws-1-secrets"));

        Lookup<WorkspaceSecret> lookup = facts.facts("team-a", "ws-1-secrets", Set.of()).workspaceSecret();

        assertThat(lookup).isEqualTo(Lookup.failed("Secret team-a/ws-1-secrets", "data.BROKEN is not valid base64"));
        assertThat(client.getKubernetesSerialization().asJson(facts.cachedObjects())).doesNotContain(SEED);
    }

    @Test
    void no_credential_value_reaches_the_cache_the_facts_or_the_metrics() {
        createNamespace("team-a");
        Secret seeded = workspaceSecret("openai")
                .editMetadata().addToAnnotations(SecretFacts.LAST_APPLIED,
                        "{\"data\":{\"OPENAI_API_KEY\":\"" + b64(SEED) + "\"}}").endMetadata()
                .addToStringData("HF_TOKEN", SEED)
                .build();
        client.secrets().resource(seeded).create();
        client.secrets().resource(new SecretBuilder().withNewMetadata().withNamespace("team-a").withName("shared-llm")
                .addToLabels("molecule.ai/secret-scope", "global").endMetadata()
                .addToData("CLAUDE_CODE_OAUTH_TOKEN", b64(SEED)).addToStringData("X", SEED).build()).create();
        started();
        await().atMost(Duration.ofSeconds(10)).until(() -> cached("team-a", "ws-1-secrets") && cached("team-a", "shared-llm"));

        Facts answer = facts.facts("team-a", "ws-1-secrets", Set.of("shared-llm", "ws-1-secrets"));

        assertThat(found(answer.workspaceSecret()).nonEmptyKeys()).containsExactlyInAnyOrder("LLM_PROVIDER", "OPENAI_API_KEY", "HF_TOKEN");
        assertThat(answer.referencedSecrets()).isEqualTo(Lookup.found(Map.of(
                "shared-llm", new SecretLabels(true, Optional.empty()),
                "ws-1-secrets", new SecretLabels(false, Optional.of("1")))));
        String cache = client.getKubernetesSerialization().asJson(facts.cachedObjects());
        for (String leak : List.of(SEED, b64(SEED))) {
            assertThat(cache).doesNotContain(leak);
            assertThat(answer.toString()).doesNotContain(leak);
            assertThat(metrics.scrape()).doesNotContain(leak);
        }
        assertThat(cache).contains("team-a/ws-1-secrets", "team-a/shared-llm", "OPENAI_API_KEY", "openai");
        assertThat(facts.cachedObjects()).allSatisfy(o -> assertThat(o).isInstanceOfAny(
                CachedObjects.WorkspaceSecretEntry.class, CachedObjects.PlatformSecretEntry.class,
                CachedObjects.NamespaceEntry.class));
        assertThat(metrics.scrape())
                .contains("billing_guard_cache_lookups_total{object=\"secret\",result=\"hit\"} 1.0")
                .contains("billing_guard_cache_lookups_total{object=\"namespace\",result=\"hit\"} 1.0")
                .contains("billing_guard_live_lookups_total{object=\"secret\",outcome=\"error\"} 0.0");
    }

    List<RecordedRequest> drainRequests() {
        List<RecordedRequest> all = new ArrayList<>();
        try {
            for (RecordedRequest r; (r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null; ) {
                all.add(r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return all;
    }
}
