package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.audit.SeededCluster;
import ai.molecule.billingguard.json.Json;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static ai.molecule.billingguard.cli.ReviewCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code billing-guard audit} against a seeded cluster in fabric8's CRUD mock, seeded once: audit
 * only reads, which one of the tests proves.
 */
@EnableKubernetesMockClient(crud = true)
class AuditCommandIT {
    static final Object QUIET = ai.molecule.billingguard.cluster.MockServerLogs.quiet();
    static KubernetesClient client;
    static KubernetesMockServer server;

    @TempDir
    static Path dir;
    static Path kubeconfig;
    /** One {@code audit -o json} of the whole cluster, and every request it made. */
    static ReviewCommandTest.Run all;
    static JsonNode doc;
    static List<RecordedRequest> requests;

    @BeforeAll
    static void cluster() {
        SeededCluster.seed(client, server);
        kubeconfig = SeededCluster.kubeconfig(dir, client);
        drainRequests();
        all = audit(kubeconfig, "-o", "json");
        requests = drainRequests();
        doc = Json.JSON.readTree(all.out());
    }

    static ReviewCommandTest.Run audit(String... args) {
        return audit(kubeconfig, args);
    }

    static ReviewCommandTest.Run audit(Path kubeconfig, String... args) {
        List<String> all = new ArrayList<>(List.of("audit", "--kubeconfig", kubeconfig.toString()));
        all.addAll(List.of(args));
        ReviewCommandTest.Run run = run(all.toArray(String[]::new));
        for (String leak : List.of(SeededCluster.SEED, SeededCluster.SEED_BASE64)) {
            assertThat(run.out()).doesNotContain(leak);
            assertThat(run.err()).doesNotContain(leak);
        }
        return run;
    }

    static Set<String> found(JsonNode doc) {
        Set<String> found = new HashSet<>();
        doc.path("violations").forEach(v -> found.add(v.path("namespace").asString() + "/" + v.path("pod").asString()
                + " " + v.path("violation").asString() + " " + v.path("owner").path("kind").asString() + "/"
                + v.path("owner").path("name").asString()));
        return found;
    }

    static JsonNode violation(JsonNode doc, String pod, String kind) {
        for (JsonNode v : doc.path("violations")) {
            if (v.path("pod").asString().equals(pod) && v.path("violation").asString().equals(kind)) {
                return v;
            }
        }
        throw new AssertionError("no " + kind + " for " + pod + " in " + doc);
    }

    @Test
    void audit_names_exactly_the_violating_pods_with_their_owners_and_exits_3() {
        assertThat(all.exit()).isEqualTo(3);
        assertThat(all.err()).isEmpty();
        assertThat(doc.path("checked").asInt()).isEqualTo(SeededCluster.CHECKED);
        assertThat(found(doc)).isEqualTo(SeededCluster.EXPECTED);
        assertThat(doc.path("violations").size()).isEqualTo(SeededCluster.EXPECTED.size());
        List<String> order = new ArrayList<>();
        doc.path("violations").forEach(v -> order.add(v.path("namespace").asString() + " " + v.path("pod").asString()
                + " " + v.path("violation").asString()));
        assertThat(order).isSorted();
        doc.path("violations").forEach(v -> assertThat(v.properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactly("namespace", "pod", "owner", "workspace", "mode", "provider", "source", "violation",
                        "detail", "fix"));
    }

    @Test
    void each_violation_says_what_is_wrong_and_how_to_fix_it() {
        JsonNode strip = violation(doc, "openai-web-7d9f-aaaaa", "platform-items");
        assertThat(strip.path("workspace").asString()).isEqualTo("openai");
        assertThat(strip.path("mode").asString()).isEqualTo("byok");
        assertThat(strip.path("provider").asString()).isEqualTo("openai");
        assertThat(strip.path("source").asString()).isEqualTo("provider-secret");
        assertThat(strip.path("detail").asString()).contains(
                "env CLAUDE_CODE_OAUTH_TOKEN in container \"agent\" (from platform credential Secret molecule-platform-llm)",
                "env HF_TOKEN in container \"agent\" (LLM credential not from the workspace secret)");
        assertThat(strip.path("fix").asString()).startsWith("kubectl -n team-a rollout restart deployment/openai-web");

        JsonNode noKey = violation(doc, "minimax-nightly-28001-x7k2p", "no-user-key");
        assertThat(noKey.path("detail").asString()).contains("put one of MINIMAX_API_KEY",
                "Secret team-a/ws-minimax-secrets");
        assertThat(noKey.path("fix").asString()).contains("into Secret team-a/ws-minimax-secrets",
                "kubectl -n team-a delete job minimax-nightly-28001 (the next job of cronjob/minimax-nightly");

        assertThat(violation(doc, "plat-db-0", "not-annotated").path("fix").asString())
                .startsWith("kubectl -n team-a rollout restart statefulset/plat-db");

        JsonNode bypass = violation(doc, "sneaky", "bypass");
        assertThat(bypass.path("workspace").isNull()).isTrue();
        assertThat(bypass.path("mode").isNull()).isTrue();
        assertThat(bypass.path("detail").asString()).contains("envFrom Secret shared-llm");
        assertThat(bypass.path("fix").asString()).contains("molecule.ai/workspace-id=",
                "kubectl -n team-a delete pod sneaky and create it again");

        JsonNode stale = violation(doc, "openai-agent-x1", "stale-mode");
        assertThat(stale.path("detail").asString()).contains("billing.molecule.ai/mode=platform_managed",
                "resolves to byok now");
        assertThat(stale.path("fix").asString()).startsWith("kubectl -n team-a rollout restart daemonset/openai-agent");

        JsonNode failed = violation(doc, "broken-1", "lookup-failed");
        assertThat(failed.path("detail").asString())
                .contains("cannot read Secret team-a/ws-broken-secrets: HTTP 500 Internal Server Error");
        assertThat(failed.path("mode").isNull()).isTrue();
        assertThat(failed.path("fix").asString()).contains("run billing-guard audit again");

        JsonNode ghost = violation(doc, "ghost-1", "platform-items");
        assertThat(ghost.path("source").asString()).isEqualTo("unknown-workspace");
        assertThat(ghost.path("detail").asString()).contains("volume \"llm\"");
        assertThat(ghost.path("fix").asString()).startsWith("create Secret team-a/ws-ghost-secrets labelled "
                + "molecule.ai/workspace-id=ghost").contains("kubectl -n team-a delete job ghost-job and create it again");

        assertThat(violation(doc, "dis-6f8-qqqqq", "platform-items").path("mode").asString()).isEqualTo("disabled");
        assertThat(violation(doc, "dis-manual", "platform-items").path("detail").asString())
                .contains("envFrom Secret molecule-platform-llm in container \"setup\"");
    }

    @Test
    void the_text_report_groups_by_owner_with_a_fix_each_and_ends_with_a_summary() {
        ReviewCommandTest.Run run = audit();

        assertThat(run.exit()).isEqualTo(3);
        String out = run.out();
        assertThat(out).contains("""
                Deployment team-a/openai-web
                  POD                    VIOLATION       WORKSPACE  MODE  PROVIDER  SOURCE
                  openai-web-7d9f-aaaaa  platform-items  openai     byok  openai    provider-secret
                      would strip env CLAUDE_CODE_OAUTH_TOKEN in container "agent\"""");
        assertThat(out).containsOnlyOnce("  fix: kubectl -n team-a rollout restart deployment/openai-web");
        assertThat(out).contains("CronJob team-a/minimax-nightly\n", "Pod team-a/sneaky\n", "ReplicaSet team-a/broken-rs\n",
                "Job team-a/ghost-job\n", "Deployment team-b/dis\n", "Pod team-b/dis-manual\n");
        assertThat(out.lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("checked 15 pods in 3 guarded namespaces"
                + " (team-a, team-b, team-clean): 11 violations: platform-items 5, no-user-key 1, not-annotated 2,"
                + " bypass 1, stale-mode 1, lookup-failed 1");
        assertThat(out).doesNotContain("outside", "plat-web", "openai-ok", "plain", "done-1", "static-web", "ok-1");
    }

    @Test
    void yaml_is_the_same_document_as_json() {
        ReviewCommandTest.Run yaml = audit("-o", "yaml");

        assertThat(yaml.exit()).isEqualTo(3);
        assertThat(Json.documents(yaml.out())).containsExactly(doc);
    }

    @Test
    void it_only_reads_and_looks_up_a_workspace_secret_once_per_set_of_pods_that_share_it() {
        assertThat(requests).isNotEmpty().allSatisfy(r -> assertThat(r.getMethod()).isEqualTo("GET"));
        // Four pods read ws-openai-secrets, in two sets of referenced secrets: two GETs, not four.
        assertThat(requests.stream().filter(r -> r.getPath().equals("/api/v1/namespaces/team-a/secrets/ws-openai-secrets")))
                .hasSize(2);
        // Two pods of one ReplicaSet: it is read once.
        assertThat(requests.stream().filter(r -> r.getPath().equals(
                "/apis/apps/v1/namespaces/team-a/replicasets/openai-web-7d9f"))).hasSize(1);
        assertThat(requests).noneMatch(r -> r.getPath().contains("/namespaces/outside/"));
    }

    @Test
    void a_clean_namespace_exits_0() {
        ReviewCommandTest.Run run = audit("-n", "team-clean");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("checked 1 pod in 1 guarded namespace (team-clean): no violations\n");
        assertThat(Json.JSON.readTree(audit("-n", "team-clean", "-o", "json").out()))
                .isEqualTo(Json.JSON.readTree("{\"checked\":1,\"violations\":[]}"));
    }

    @Test
    void one_namespace_is_audited_alone() {
        JsonNode teamB = Json.JSON.readTree(audit("-n", "team-b", "-o", "json").out());

        assertThat(found(teamB)).containsExactlyInAnyOrder("team-b/dis-6f8-qqqqq platform-items Deployment/dis",
                "team-b/dis-manual not-annotated Pod/dis-manual", "team-b/dis-manual platform-items Pod/dis-manual");
        assertThat(teamB.path("checked").asInt()).isEqualTo(2);
    }

    @Test
    void an_unguarded_namespace_is_said_to_be_so_and_nothing_is_checked() {
        ReviewCommandTest.Run run = audit("-n", "outside");

        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEqualTo("billing-guard: namespace outside is not guarded (it has no label "
                + "molecule.ai/billing-guard=enabled): the webhook does not review its pods\n");
        assertThat(run.out()).isEqualTo("checked 0 pods in 0 guarded namespaces: no violations\n");
    }

    @Test
    void a_namespace_that_does_not_exist_is_one_line_and_exit_2() {
        ReviewCommandTest.Run run = audit("-n", "nope");

        ReviewCommandTest.assertOneCleanLine(run, "namespace nope not found at " + client.getMasterUrl());
        assertThat(run.out()).isEmpty();
    }

    @Test
    void an_unreachable_api_server_is_one_line_naming_its_url() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path unreachable = Files.writeString(dir.resolve("unreachable"), Files.readString(kubeconfig)
                .replace(client.getMasterUrl().toString(), "https://127.0.0.1:" + port + "/"));

        ReviewCommandTest.Run run = audit(unreachable);

        ReviewCommandTest.assertOneCleanLine(run, "cannot list Namespaces at https://127.0.0.1:" + port + "/",
                "connection refused");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void a_namespace_and_all_namespaces_together_are_refused() {
        ReviewCommandTest.assertOneCleanLine(audit("-n", "team-a", "--all-namespaces"),
                "give -n NAMESPACE or --all-namespaces, not both");
        assertThat(Json.JSON.readTree(audit("--all-namespaces", "-o", "json").out())).isEqualTo(doc);
    }

    @Test
    void an_unknown_output_format_is_a_config_error() {
        ReviewCommandTest.Run run = audit("-o", "html");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("audit.output").doesNotContain("Exception");
    }

    static List<RecordedRequest> drainRequests() {
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
