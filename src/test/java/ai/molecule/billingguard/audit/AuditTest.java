package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.policy.Lookup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit over in-memory facts and owners: how the webhook's decision becomes violations, owners and fixes. */
class AuditTest {
    static final PolicyConfig CONFIG = ConfigLoader.defaults().policy();
    static final String FACTS = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: team-a}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: molecule-platform-llm, namespace: team-a}
            stringData: {CLAUDE_CODE_OAUTH_TOKEN: x}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: ws-w1-secrets, namespace: team-a, labels: {molecule.ai/workspace-id: w1}}
            stringData: {LLM_PROVIDER: openai, OPENAI_API_KEY: x, MOLECULE_LLM_USAGE_TOKEN: x}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: ws-w2-secrets, namespace: team-a, labels: {molecule.ai/workspace-id: w2}}
            stringData: {LLM_PROVIDER: platform}
            """;

    @TempDir
    Path dir;

    FactsSource facts() throws IOException {
        return LocalFacts.load(Files.writeString(dir.resolve("facts.yaml"), FACTS), CONFIG);
    }

    static JsonNode pod(String yaml) {
        return Json.documents("""
                apiVersion: v1
                kind: Pod
                """ + yaml).get(0);
    }

    /** An owner source that knows nothing (every pod here is its own owner, or names one that is not read). */
    static final OwnerSource NO_OWNERS = (ns, kind, name) -> Lookup.absent();

    static Report run(FactsSource facts, OwnerSource owners, JsonNode... pods) {
        return new Audit(CONFIG).run(new Inventory(List.of("team-a"), List.of(pods)), facts, owners);
    }

    static List<String> kinds(Report report) {
        return report.violations().stream().map(v -> v.pod() + " " + v.kind().wire()).toList();
    }

    @Test
    void an_envfrom_of_the_workspace_secret_delivering_a_proxy_name_is_a_platform_item_not_a_missing_key() throws IOException {
        Report report = run(facts(), NO_OWNERS, pod("""
                metadata: {name: p, namespace: team-a, labels: {molecule.ai/workspace-id: w1}, annotations: {billing.molecule.ai/mode: byok}}
                spec: {containers: [{name: agent, envFrom: [{secretRef: {name: ws-w1-secrets}}]}]}
                """));

        assertThat(kinds(report)).containsExactly("p platform-items");
        Violation v = report.violations().get(0);
        assertThat(v.detail()).contains("delivers platform proxy variable MOLECULE_LLM_USAGE_TOKEN");
        assertThat(v.fix()).isEqualTo("remove the platform proxy keys the detail names from Secret team-a/ws-w1-secrets,"
                + " then kubectl -n team-a delete pod p and create it again");
    }

    @Test
    void a_pod_may_break_several_rules_at_once() throws IOException {
        Report report = run(facts(), NO_OWNERS, pod("""
                metadata: {name: p, namespace: team-a, labels: {molecule.ai/workspace-id: w1}, annotations: {billing.molecule.ai/mode: " Weird\\u200b"}}
                spec:
                  containers:
                  - name: agent
                    env: [{name: CLAUDE_CODE_OAUTH_TOKEN, valueFrom: {secretKeyRef: {name: molecule-platform-llm, key: CLAUDE_CODE_OAUTH_TOKEN}}}]
                """));

        assertThat(kinds(report)).containsExactly("p no-user-key", "p platform-items", "p stale-mode");
        assertThat(report.violations().get(2).detail()).startsWith("annotated billing.molecule.ai/mode= Weird\\u200b,"
                + " but workspace \"w1\" resolves to byok now");
    }

    @Test
    void a_platform_managed_pod_with_platform_items_is_fine_even_when_creators_are_fenced() throws IOException {
        PolicyConfig fenced = ConfigLoader.load(Map.of(ai.molecule.billingguard.config.Knob.TRUSTED_CREATORS, "ops"),
                Optional.empty(), Map.of()).policy();
        JsonNode pod = pod("""
                metadata: {name: p, namespace: team-a, labels: {molecule.ai/workspace-id: w2}, annotations: {billing.molecule.ai/mode: platform_managed}}
                spec: {containers: [{name: agent, envFrom: [{secretRef: {name: molecule-platform-llm}}]}]}
                """);

        Report report = new Audit(fenced).run(new Inventory(List.of("team-a"), List.of(pod)), facts(), NO_OWNERS);

        assertThat(report.violations()).isEmpty();
        assertThat(report.checked()).isEqualTo(1);
    }

    @Test
    void a_failed_list_of_labelled_secrets_is_a_lookup_failed_finding_for_an_unlabelled_pod() throws IOException {
        FactsSource failing = (ns, secret, refs) -> new Facts(Lookup.absent(), Lookup.absent(),
                Lookup.failed("Secrets labelled molecule.ai/secret-scope=global in namespace " + ns, "HTTP 403 Forbidden"));

        Report report = run(failing, NO_OWNERS, pod("""
                metadata: {name: tool, namespace: team-a}
                spec: {containers: [{name: t, envFrom: [{secretRef: {name: anything}}]}]}
                """));

        assertThat(kinds(report)).containsExactly("tool lookup-failed");
        Violation v = report.violations().get(0);
        assertThat(v.workspace()).isNull();
        assertThat(v.detail()).contains("cannot read Secrets labelled molecule.ai/secret-scope=global in namespace"
                + " team-a: HTTP 403 Forbidden");
    }

    @Test
    void a_pod_too_large_to_review_is_a_problem_not_a_violation_and_finished_pods_are_skipped() throws IOException {
        StringBuilder env = new StringBuilder();
        IntStream.range(0, CONFIG.maxPodItems() + 1).forEach(i -> env.append("{name: V").append(i).append("},"));
        JsonNode large = pod("metadata: {name: big, namespace: team-a}\nspec: {containers: [{name: c, env: ["
                + env + "]}]}\n");
        JsonNode finished = pod("""
                metadata: {name: done, namespace: team-a}
                spec: {containers: [{name: t, envFrom: [{secretRef: {name: molecule-platform-llm}}]}]}
                status: {phase: Failed}
                """);

        Report report = run(facts(), NO_OWNERS, large, finished);

        assertThat(report.checked()).isEqualTo(1);
        assertThat(report.violations()).isEmpty();
        assertThat(report.problems()).singleElement().asString().startsWith("pod team-a/big not audited: "
                + "billing-guard refuses to review a pod with");
    }

    @Test
    void facts_are_asked_once_per_workspace_secret_and_set_of_referenced_secrets() throws IOException {
        FactsSource local = facts();
        List<String> asked = new ArrayList<>();
        FactsSource counting = (ns, secret, refs) -> {
            asked.add(ns + "/" + secret + " " + refs);
            return local.facts(ns, secret, refs);
        };
        JsonNode[] replicas = IntStream.range(0, 5).mapToObj(i -> pod("""
                metadata: {name: r%d, namespace: team-a, labels: {molecule.ai/workspace-id: w1}, annotations: {billing.molecule.ai/mode: byok}}
                spec: {containers: [{name: agent, env: [{name: OPENAI_API_KEY, valueFrom: {secretKeyRef: {name: ws-w1-secrets, key: OPENAI_API_KEY}}}]}]}
                """.formatted(i))).toArray(JsonNode[]::new);

        Report report = run(counting, NO_OWNERS, replicas);

        assertThat(report.violations()).isEmpty();
        assertThat(asked).containsExactly("team-a/ws-w1-secrets [ws-w1-secrets]");
    }

    @Test
    void owners_are_walked_up_read_once_each_and_named_as_found_when_they_cannot_be_read() throws IOException {
        List<String> reads = new ArrayList<>();
        OwnerSource owners = (ns, kind, name) -> {
            reads.add(kind + "/" + name);
            return switch (name) {
                case "web-1" -> Lookup.found(Json.JSON.readTree(
                        "[{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Rollout\",\"name\":\"web\",\"controller\":true}]"));
                case "nightly-1" -> Lookup.found(Json.JSON.readTree(
                        "[{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"name\":\"nightly\",\"controller\":true}]"));
                case "hidden" -> Lookup.failed("ReplicaSet team-a/hidden", "HTTP 403 Forbidden");
                default -> Lookup.absent();
            };
        };
        String bypass = """
                metadata:
                  name: %s
                  namespace: team-a
                  ownerReferences: [{apiVersion: %s, kind: %s, name: %s, controller: true}]
                spec: {containers: [{name: t, envFrom: [{secretRef: {name: molecule-platform-llm}}]}]}
                """;

        Report report = run(facts(), owners,
                pod(bypass.formatted("web-1-a", "apps/v1", "ReplicaSet", "web-1")),
                pod(bypass.formatted("web-1-b", "apps/v1", "ReplicaSet", "web-1")),
                pod(bypass.formatted("nightly-1-a", "batch/v1", "Job", "nightly-1")),
                pod(bypass.formatted("hidden-a", "apps/v1", "ReplicaSet", "hidden")),
                pod(bypass.formatted("gone-a", "apps/v1", "ReplicaSet", "gone")),
                pod(bypass.formatted("rc-a", "v1", "ReplicationController", "rc")));

        assertThat(report.violations()).extracting(v -> v.pod() + " " + v.owner() + " " + v.fix().substring(v.fix()
                .indexOf(", then ") + 7)).containsExactly(
                "gone-a ReplicaSet/gone kubectl -n team-a delete pod gone-a (replicaset/gone replaces it)",
                "hidden-a ReplicaSet/hidden kubectl -n team-a delete pod hidden-a (replicaset/hidden replaces it)",
                "nightly-1-a CronJob/nightly kubectl -n team-a delete job nightly-1 (the next job of cronjob/nightly"
                        + " gets reviewed pods)",
                "rc-a ReplicationController/rc kubectl -n team-a delete pod rc-a (replicationcontroller/rc replaces it)",
                "web-1-a Rollout/web kubectl -n team-a delete pod web-1-a (rollout/web replaces it)",
                "web-1-b Rollout/web kubectl -n team-a delete pod web-1-b (rollout/web replaces it)");
        assertThat(reads).containsExactlyInAnyOrder("ReplicaSet/web-1", "Job/nightly-1", "ReplicaSet/hidden",
                "ReplicaSet/gone");
        assertThat(report.notes()).containsExactly("cannot read ReplicaSet team-a/hidden: HTTP 403 Forbidden; pods owned"
                + " by a ReplicaSet that cannot be read are shown under it, not under its controller");
    }

    @Test
    void a_long_list_of_items_is_cut_and_counted() throws IOException {
        StringBuilder env = new StringBuilder();
        IntStream.range(0, 13).forEach(i -> env.append("{name: V").append(i)
                .append(", valueFrom: {secretKeyRef: {name: molecule-platform-llm, key: K}}},"));

        Report report = run(facts(), NO_OWNERS, pod("""
                metadata: {name: p, namespace: team-a, labels: {molecule.ai/workspace-id: w1}, annotations: {billing.molecule.ai/mode: byok}}
                spec: {containers: [{name: agent, env: [%s {name: OPENAI_API_KEY, valueFrom: {secretKeyRef: {name: ws-w1-secrets, key: OPENAI_API_KEY}}}]}]}
                """.formatted(env)));

        assertThat(report.violations()).singleElement().satisfies(v -> assertThat(v.detail())
                .contains("env V9 in container").doesNotContain("env V10 ").endsWith("; and 3 more"));
    }

    @Test
    void the_summary_counts_pods_violations_and_namespaces() {
        Violation v = new Violation("ns-0", "p", Owner.of("Pod", "p"), null, null, null, null, ViolationKind.BYPASS,
                "d", "f");
        List<String> namespaces = IntStream.range(0, 12).mapToObj(i -> "ns-" + i).toList();

        assertThat(new Report(1, List.of("a"), List.of(), List.of(), List.of()).text())
                .isEqualTo("checked 1 pod in 1 guarded namespace (a): no violations\n");
        assertThat(new Report(3, namespaces, List.of(v), List.of(), List.of()).summary())
                .isEqualTo("checked 3 pods in 12 guarded namespaces (ns-0, ns-1, ns-2, ns-3, ns-4, ns-5, ns-6, ns-7,"
                        + " ns-8, ns-9, and 2 more): 1 violation: bypass 1");
        assertThat(new Report(3, namespaces, List.of(v), List.of(), List.of()).countsByNamespace())
                .hasSize(12).allSatisfy((ns, kinds) -> assertThat(kinds.keySet()).containsExactlyElementsOf(
                        ViolationKind.NAMES))
                .hasEntrySatisfying("ns-0", kinds -> assertThat(kinds.get("bypass")).isEqualTo(1))
                .hasEntrySatisfying("ns-1", kinds -> assertThat(kinds.values()).containsOnly(0));
    }

    @Test
    void the_violation_gauges_keep_zeros_and_drop_namespaces_no_longer_given() {
        Metrics metrics = new Metrics();

        metrics.violations(Map.of("a", Map.of("bypass", 2, "stale-mode", 0), "b", Map.of("bypass", 1)));
        metrics.violations(Map.of("a", Map.of("bypass", 0, "stale-mode", 1)));

        assertThat(metrics.scrape()).contains("billing_guard_violations{kind=\"bypass\",namespace=\"a\"} 0.0",
                "billing_guard_violations{kind=\"stale-mode\",namespace=\"a\"} 1.0").doesNotContain("namespace=\"b\"");
    }
}
