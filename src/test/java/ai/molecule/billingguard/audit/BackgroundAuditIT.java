package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.Main;
import ai.molecule.billingguard.cli.BackgroundAudits;
import ai.molecule.billingguard.cluster.InformerFacts;
import ai.molecule.billingguard.cluster.MockServerLogs;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.metrics.Metrics;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.Gauge;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * serve's background audit over the facts informers and a pod informer on the seeded CRUD mock:
 * its gauges match what {@code billing-guard audit} reports, and move as the cluster changes; one
 * log line per violation that appears or goes, none per scan.
 */
@EnableKubernetesMockClient(crud = true)
class BackgroundAuditIT {
    static final Object QUIET = MockServerLogs.quiet();
    static final Duration PATIENCE = Duration.ofSeconds(20);

    KubernetesClient client;
    KubernetesMockServer server;
    @TempDir
    Path dir;

    final Metrics metrics = new Metrics();
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    final Logger auditLog = (Logger) LoggerFactory.getLogger("billing-guard.audit");
    InformerFacts facts;
    AutoCloseable scan;

    @BeforeEach
    void start() {
        SeededCluster.seed(client, server);
        logs.start();
        auditLog.addAppender(logs);
        auditLog.setLevel(Level.DEBUG); // "scan done" tells the test how many scans ran
        auditLog.setAdditive(false);
        Config config = ConfigLoader.load(Map.of(Knob.AUDIT_INTERVAL, "1"), Optional.empty(), Map.of());
        facts = new InformerFacts(client, config.cluster(), config.policy(), metrics);
        facts.start();
        scan = BackgroundAudits.start(config, client, facts, metrics);
    }

    @AfterEach
    void stop() throws Exception {
        scan.close();
        facts.close();
        auditLog.detachAppender(logs);
        auditLog.setLevel(null);
        auditLog.setAdditive(true);
    }

    /** billing_guard_violations as namespace → kind → value. */
    Map<String, Map<String, Integer>> gauges() {
        Map<String, Map<String, Integer>> values = new TreeMap<>();
        for (Gauge g : metrics.registry().find("billing_guard_violations").gauges()) {
            values.computeIfAbsent(g.getId().getTag("namespace"), n -> new TreeMap<>())
                    .put(g.getId().getTag("kind"), (int) g.value());
        }
        return values;
    }

    /** What {@code billing-guard audit -o json} reports now, counted like the gauges. */
    Map<String, Map<String, Integer>> audited() {
        StringWriter out = new StringWriter();
        int exit = Main.run(new String[]{"audit", "--kubeconfig", SeededCluster.kubeconfig(dir, client).toString(),
                "-o", "json"}, new PrintWriter(out), new PrintWriter(new StringWriter()));
        assertThat(exit).isIn(0, 3);
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        for (String ns : List.of("team-a", "team-b", "team-clean")) {
            Map<String, Integer> kinds = new TreeMap<>();
            ViolationKind.NAMES.forEach(k -> kinds.put(k, 0));
            counts.put(ns, kinds);
        }
        for (JsonNode v : Json.JSON.readTree(out.toString()).path("violations")) {
            counts.get(v.path("namespace").asString()).merge(v.path("violation").asString(), 1, Integer::sum);
        }
        return counts;
    }

    long logged(String message) {
        return logs.list.stream().filter(e -> e.getFormattedMessage().equals(message)).count();
    }

    long logged(String message, String pod) {
        return logs.list.stream().filter(e -> e.getFormattedMessage().equals(message)
                && e.getKeyValuePairs().stream().anyMatch(kv -> kv.key.equals("pod") && pod.equals(kv.value))).count();
    }

    /** Waits for {@code n} more scans to finish. */
    void scans(int n) {
        long done = logged("audit: scan done");
        await().atMost(PATIENCE).until(() -> logged("audit: scan done") >= done + n);
    }

    @Test
    void the_gauges_match_audit_and_each_violation_is_logged_once() {
        Map<String, Map<String, Integer>> expected = audited();
        assertThat(expected.get("team-a").get("platform-items")).isEqualTo(3);

        await().atMost(PATIENCE).until(() -> gauges().equals(expected));
        scans(2);

        assertThat(gauges()).isEqualTo(expected);
        assertThat(logged("audit: violation found")).isEqualTo(SeededCluster.EXPECTED.size());
        assertThat(logged("audit: violation resolved")).isZero();
        assertThat(metrics.scrape()).contains(
                "billing_guard_violations{kind=\"lookup-failed\",namespace=\"team-a\"} 1.0",
                "billing_guard_violations{kind=\"bypass\",namespace=\"team-clean\"} 0.0")
                .doesNotContain("namespace=\"outside\"");
    }

    @Test
    void the_gauges_and_the_log_follow_the_cluster_as_it_changes() {
        await().atMost(PATIENCE).until(() -> gauges().getOrDefault("team-a", Map.of()).getOrDefault("no-user-key", 0) == 1);

        // The user puts their key into the workspace secret: no-user-key is gone.
        client.secrets().inNamespace("team-a").withName("ws-minimax-secrets").edit(s -> new SecretBuilder(s)
                .addToStringData("MINIMAX_API_KEY", SeededCluster.SEED + "-ADDED-LATER").build());
        // The bypassing pod is deleted, and another replica with the platform's token starts.
        client.pods().inNamespace("team-a").withName("sneaky").delete();
        client.pods().resource(new PodBuilder(client.pods().inNamespace("team-a").withName("openai-web-7d9f-bbbbb").get())
                .editMetadata().withName("openai-web-7d9f-ccccc").withResourceVersion(null).withUid(null).endMetadata()
                .build()).create();
        // team-b is no longer guarded: its series go.
        client.namespaces().withName("team-b").edit(n -> {
            n.getMetadata().getLabels().remove("molecule.ai/billing-guard");
            return n;
        });

        await().atMost(PATIENCE).until(() -> !gauges().containsKey("team-b")
                && gauges().get("team-a").get("no-user-key") == 0 && gauges().get("team-a").get("bypass") == 0
                && gauges().get("team-a").get("platform-items") == 4);
        scans(2);

        assertThat(gauges()).isEqualTo(Map.of("team-a", audited().get("team-a"), "team-clean", audited().get("team-clean")));
        assertThat(logged("audit: violation resolved", "minimax-nightly-28001-x7k2p")).isEqualTo(1);
        assertThat(logged("audit: violation resolved", "sneaky")).isEqualTo(1);
        assertThat(logged("audit: violation found", "openai-web-7d9f-ccccc")).isEqualTo(1);
        assertThat(logged("audit: violation found", "openai-web-7d9f-aaaaa")).isEqualTo(1);
    }

    @Test
    void no_credential_value_reaches_the_log_or_the_metrics() {
        await().atMost(PATIENCE).until(() -> logged("audit: violation found") == SeededCluster.EXPECTED.size());
        scans(1);

        for (String leak : List.of(SeededCluster.SEED, SeededCluster.SEED_BASE64)) {
            assertThat(metrics.scrape()).doesNotContain(leak);
            assertThat(logs.list).allSatisfy(e -> {
                assertThat(e.getFormattedMessage()).doesNotContain(leak);
                assertThat(String.valueOf(e.getKeyValuePairs())).doesNotContain(leak);
            });
        }
        assertThat(logs.list).anySatisfy(e -> assertThat(String.valueOf(e.getKeyValuePairs()))
                .contains("env HF_TOKEN in container \"agent\"", "kubectl -n team-a rollout restart deployment/openai-web"));
    }
}
