package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.metrics.Metrics;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static ai.molecule.billingguard.cluster.SecretFactsTest.CONFIG;
import static ai.molecule.billingguard.cluster.SecretFactsTest.b64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The modes publisher against fabric8's CRUD mock API server: which namespaces get the ConfigMap, what it holds as
 * secrets change, repairs, back-off, and that it writes no credential and reads only by name.
 */
@EnableKubernetesMockClient(crud = true)
class ModesPublisherIT {
    static final Object QUIET = MockServerLogs.quiet();
    static final String NAME = "billing-guard-modes";
    static final String OWN = "molecule-system";
    /** A distinct credential value in every Secret: none may reach a ConfigMap, a request or a log. */
    static final List<String> SEEDS = List.of("sk-SEED-WORKSPACE-ONE-4411", "sk-SEED-WORKSPACE-TWO-4422",
            "sk-SEED-PLATFORM-LABELLED-4433", "sk-SEED-PLATFORM-NAMED-4444", "sk-SEED-UNGUARDED-4455",
            "sk-SEED-MISNAMED-4466", "sk-SEED-LATE-4477");
    static final ModesPublisher.Timing FAST = new ModesPublisher.Timing(Duration.ofMillis(50), Duration.ofMillis(400),
            Duration.ofMillis(100), Duration.ofMillis(400));

    KubernetesMockServer server;
    KubernetesClient client;
    final Metrics metrics = new Metrics();
    final List<RecordedRequest> requests = new ArrayList<>();
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    InformerFacts facts;
    ModesPublisher publisher;

    @BeforeEach
    void captureLogs() {
        logs.start();
        root().addAppender(logs);
        publisherLogger().setLevel(Level.DEBUG); // its debug lines too must hold no value
    }

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close();
        }
        if (facts != null) {
            facts.close();
        }
        root().detachAppender(logs);
        publisherLogger().setLevel(null);
    }

    private static Logger publisherLogger() {
        return (Logger) LoggerFactory.getLogger(ModesPublisher.class);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    void start(List<String> watchNamespaces) {
        Config.Cluster d = InformerFactsIT.cluster();
        facts = new InformerFacts(client, new Config.Cluster(d.secrets(), d.kubeconfig(), d.lookupDeadline(),
                watchNamespaces, d.listPageSize(), d.listTimeout()), CONFIG, metrics);
        publisher = new ModesPublisher(client, facts, new Config.Modes(true, NAME), CONFIG, Optional.of(OWN), metrics, FAST);
        facts.start();
        publisher.start();
    }

    void namespace(String name, boolean guarded) {
        NamespaceBuilder ns = new NamespaceBuilder().withNewMetadata().withName(name).endMetadata();
        if (guarded) {
            ns.editMetadata().addToLabels("molecule.ai/billing-guard", "enabled").endMetadata();
        }
        client.namespaces().resource(ns.build()).create();
    }

    void workspaceSecret(String namespace, String name, String id, String provider, String seed) {
        client.secrets().resource(new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels("molecule.ai/workspace-id", id).addToAnnotations("note", seed).endMetadata()
                .addToData("LLM_PROVIDER", b64(provider)).addToData("OPENAI_API_KEY", b64(seed))
                .addToStringData("ANTHROPIC_API_KEY", seed).build()).create();
    }

    void platformSecret(String namespace, String name, String seed) {
        client.secrets().resource(new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels("molecule.ai/secret-scope", "global").endMetadata()
                .addToData("CLAUDE_CODE_OAUTH_TOKEN", b64(seed)).addToStringData("MOLECULE_LLM_USAGE_TOKEN", seed).build())
                .create();
    }

    /** team-a and team-c guarded, team-b not; kube-system and billing-guard's own namespace labelled too. */
    void seedCluster() {
        namespace("team-a", true);
        namespace("team-b", false);
        namespace("team-c", true);
        namespace("kube-system", true);
        namespace(OWN, true);
        workspaceSecret("team-a", "ws-1-secrets", "1", "openai", SEEDS.get(0));
        workspaceSecret("team-a", "ws-2-secrets", "2", "platform", SEEDS.get(1));
        workspaceSecret("team-a", "ws-9-secrets", "3", "platform", SEEDS.get(5)); // labelled for another id
        platformSecret("team-a", "shared-llm", SEEDS.get(2));
        platformSecret("team-a", "molecule-platform-llm", SEEDS.get(3)); // a configured name: the CEL knows it
        workspaceSecret("team-b", "ws-1-secrets", "1", "platform", SEEDS.get(4));
        workspaceSecret("kube-system", "ws-1-secrets", "1", "platform", SEEDS.get(4));
        workspaceSecret(OWN, "ws-1-secrets", "1", "platform", SEEDS.get(4));
    }

    ConfigMap modes(String namespace) {
        return client.configMaps().inNamespace(namespace).withName(NAME).get();
    }

    Map<String, String> data(String namespace) {
        ConfigMap cm = modes(namespace);
        return cm == null ? null : cm.getData() == null ? Map.of() : cm.getData();
    }

    void awaitData(String namespace, Map<String, String> expected) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(data(namespace)).isEqualTo(expected));
    }

    double published(String outcome) {
        return metrics.registry().get("billing_guard_modes_published").tag("outcome", outcome).counter().count();
    }

    List<RecordedRequest> configMapRequests() {
        try {
            for (RecordedRequest r; (r = server.takeRequest(20, TimeUnit.MILLISECONDS)) != null; ) {
                requests.add(r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return requests.stream().filter(r -> r.getPath().contains("/configmaps")).toList();
    }

    java.util.stream.Stream<ILoggingEvent> publisherLogs() {
        return logs.list.stream().filter(e -> e.getLoggerName().equals(ModesPublisher.class.getName()));
    }

    List<RecordedRequest> writes() {
        return configMapRequests().stream().filter(r -> !r.getMethod().equals("GET")).toList();
    }

    @Test
    void guarded_namespaces_get_the_modes_of_their_workspaces_and_their_label_only_platform_secrets() {
        seedCluster();
        start(List.of());

        awaitData("team-a", Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm"));
        awaitData("team-c", Map.of());
        assertThat(modes("team-a").getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "billing-guard");
        assertThat(modes("team-b")).as("not guarded").isNull();
        assertThat(modes("kube-system")).isNull();
        assertThat(modes(OWN)).as("billing-guard's own namespace").isNull();
        assertThat(published("created")).isEqualTo(2);
    }

    @Test
    void entries_follow_the_workspace_secrets_and_the_labelled_platform_secrets() {
        seedCluster();
        start(List.of());
        awaitData("team-a", Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm"));

        client.secrets().inNamespace("team-a").withName("ws-1-secrets")
                .edit(s -> new SecretBuilder(s).addToData("LLM_PROVIDER", b64("platform")).build());
        awaitData("team-a", Map.of("1", "platform_managed", "2", "platform_managed", "_platform-secrets", "shared-llm"));

        client.secrets().inNamespace("team-a").withName("ws-2-secrets").delete();
        workspaceSecret("team-a", "ws-7-secrets", "7", "anthropic-api", SEEDS.get(6));
        platformSecret("team-a", "another-llm", SEEDS.get(6));
        awaitData("team-a", Map.of("1", "platform_managed", "7", "byok", "_platform-secrets", "another-llm,shared-llm"));

        client.secrets().inNamespace("team-a").withName("shared-llm").delete();
        client.secrets().inNamespace("team-a").withName("another-llm").delete();
        awaitData("team-a", Map.of("1", "platform_managed", "7", "byok"));
        assertThat(published("created")).isEqualTo(2);
        assertThat(published("updated")).isGreaterThanOrEqualTo(3);
    }

    @Test
    void nothing_is_written_while_nothing_changes() {
        seedCluster();
        start(List.of());
        awaitData("team-a", Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm"));
        awaitData("team-c", Map.of());
        int before = writes().size();

        // Several full syncs (every 400 ms here) and an unrelated change to a guarded namespace.
        client.secrets().inNamespace("team-a").withName("ws-1-secrets")
                .edit(s -> new SecretBuilder(s).addToData("OTHER", b64("x")).build());
        await().pollDelay(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(5)).until(() -> true);

        assertThat(writes()).hasSize(before);
        assertThat(published("updated")).isZero();
    }

    @Test
    void a_deleted_or_edited_configmap_is_repaired_by_the_next_full_sync() {
        seedCluster();
        start(List.of());
        Map<String, String> expected = Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm");
        awaitData("team-a", expected);

        client.configMaps().inNamespace("team-a").withName(NAME)
                .edit(cm -> new ConfigMapBuilder(cm).addToData("1", "platform_managed").addToData("99", "platform_managed").build());
        awaitData("team-a", expected);

        client.configMaps().inNamespace("team-a").withName(NAME).delete();
        awaitData("team-a", expected);
        assertThat(published("created")).isEqualTo(3); // team-a, team-c, team-a again
    }

    @Test
    void a_conflicting_write_reads_the_configmap_again_and_retries() {
        seedCluster();
        start(List.of());
        awaitData("team-a", Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm"));
        // Someone else changes it (its resourceVersion moves on) without changing the data.
        client.configMaps().inNamespace("team-a").withName(NAME)
                .edit(cm -> new ConfigMapBuilder(cm).editMetadata().addToAnnotations("touched", "yes").endMetadata().build());

        client.secrets().inNamespace("team-a").withName("ws-1-secrets")
                .edit(s -> new SecretBuilder(s).addToData("LLM_PROVIDER", b64("platform")).build());

        awaitData("team-a", Map.of("1", "platform_managed", "2", "platform_managed", "_platform-secrets", "shared-llm"));
        assertThat(published("conflict")).isGreaterThanOrEqualTo(1);
        assertThat(published("failed")).isZero();
    }

    @Test
    void a_namespace_that_stops_being_guarded_loses_its_configmap_and_gets_it_back_when_guarded_again() {
        seedCluster();
        start(List.of());
        awaitData("team-c", Map.of());

        client.namespaces().withName("team-c").edit(ns -> new NamespaceBuilder(ns).editMetadata()
                .removeFromLabels("molecule.ai/billing-guard").endMetadata().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> modes("team-c") == null);
        assertThat(published("deleted")).isEqualTo(1);

        client.namespaces().withName("team-c").edit(ns -> new NamespaceBuilder(ns).editMetadata()
                .addToLabels("molecule.ai/billing-guard", "enabled").endMetadata().build());
        awaitData("team-c", Map.of());
    }

    @Test
    void a_configmap_not_labelled_as_billing_guards_is_never_deleted() {
        seedCluster();
        client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withNamespace("team-b").withName(NAME)
                .endMetadata().addToData("x", "y").build()).create();
        client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withNamespace("kube-system").withName(NAME)
                .addToLabels("app.kubernetes.io/managed-by", "billing-guard").endMetadata().build()).create();
        start(List.of());

        awaitData("team-a", Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm"));
        await().atMost(Duration.ofSeconds(10)).until(() -> modes("kube-system") == null);
        assertThat(data("team-b")).isEqualTo(Map.of("x", "y"));
    }

    @Test
    void failed_writes_are_logged_once_per_namespace_and_retried_with_back_off() {
        seedCluster();
        server.expect().post().withPath("/api/v1/namespaces/team-a/configmaps")
                .andReturn(500, new StatusBuilder().withCode(500).withMessage("etcd down " + SEEDS.get(0)).build()).times(3);
        start(List.of());

        awaitData("team-a", Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm"));

        List<String> warnings = publisherLogs().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).containsExactly("cannot write the modes ConfigMap: HTTP 500 Internal Server Error; retrying with back-off");
        assertThat(publisherLogs().map(ILoggingEvent::getFormattedMessage)).contains("wrote the modes ConfigMap again");
        assertThat(published("failed")).isEqualTo(3);
        assertThat(metrics.scrape()).contains("billing_guard_modes_failing_namespaces 0.0");
    }

    @Test
    void a_failing_list_is_retried_and_then_publishes() {
        seedCluster();
        server.expect().get().withPath("/api/v1/configmaps?fieldSelector=metadata.name%3Dbilling-guard-modes&limit=500")
                .andReturn(403, new StatusBuilder().withCode(403).build()).times(2);
        start(List.of());

        awaitData("team-a", Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm"));
        assertThat(publisherLogs().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage))
                .containsExactly("cannot list the modes ConfigMaps: HTTP 403 Forbidden; retrying with back-off");
    }

    @Test
    void with_watched_namespaces_only_those_are_published_and_listed() {
        seedCluster();
        start(List.of("team-a", "team-b"));

        awaitData("team-a", Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm"));
        await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(modes("team-c")).as("guarded but not watched").isNull();
        assertThat(configMapRequests()).filteredOn(r -> r.getMethod().equals("GET") && r.getPath().contains("fieldSelector"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.getPath()).matches("/api/v1/namespaces/team-[ab]/configmaps\\?.*"));
    }

    @Test
    void no_credential_value_reaches_a_configmap_a_request_or_a_log_and_every_request_names_the_configmap() {
        seedCluster();
        start(List.of());
        awaitData("team-a", Map.of("1", "byok", "2", "platform_managed", "_platform-secrets", "shared-llm"));
        client.secrets().inNamespace("team-a").withName("ws-1-secrets")
                .edit(s -> new SecretBuilder(s).addToData("LLM_PROVIDER", b64("platform")).build());
        awaitData("team-a", Map.of("1", "platform_managed", "2", "platform_managed", "_platform-secrets", "shared-llm"));
        client.configMaps().inNamespace("team-a").withName(NAME).delete();
        awaitData("team-a", Map.of("1", "platform_managed", "2", "platform_managed", "_platform-secrets", "shared-llm"));

        List<RecordedRequest> configMaps = configMapRequests();
        List<String> written = new ArrayList<>();
        configMaps.stream().filter(r -> r.getMethod().equals("POST") || r.getMethod().equals("PUT"))
                .forEach(r -> written.add(r.getUtf8Body()));
        List<ConfigMap> all = client.configMaps().inAnyNamespace().list().getItems();
        String logged = String.join("\n", logs.list.stream().map(e -> e.getFormattedMessage() + " " + e.getKeyValuePairs()).toList());
        assertThat(written).hasSizeGreaterThanOrEqualTo(3);
        for (String seed : SEEDS) {
            assertThat(written).allSatisfy(body -> assertThat(body).doesNotContain(seed, b64(seed)));
            assertThat(client.getKubernetesSerialization().asJson(all)).doesNotContain(seed, b64(seed));
            assertThat(logged).doesNotContain(seed, b64(seed));
            assertThat(metrics.scrape()).doesNotContain(seed);
        }

        // Reads and writes by name only: the RBAC grants nothing else (create excepted, which cannot name).
        assertThat(configMaps).isNotEmpty().allSatisfy(r -> {
            String path = r.getPath();
            assertThat(path).doesNotContain("watch");
            switch (r.getMethod()) {
                case "POST" -> assertThat(path).matches("/api/v1/namespaces/team-[ac]/configmaps");
                case "GET" -> assertThat(path).satisfiesAnyOf(
                        p -> assertThat(p).matches("/api/v1/namespaces/team-[ac]/configmaps/" + NAME),
                        p -> assertThat(p).startsWith("/api/v1/configmaps?").contains("fieldSelector=metadata.name%3D" + NAME));
                default -> assertThat(path).matches("/api/v1/namespaces/team-[ac]/configmaps/" + NAME);
            }
        });
    }
}
