package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.Main;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Its {@link #run} and {@link #runWithStdin} serve the other command tests too. */
public class ReviewCommandTest {
    @TempDir
    Path dir;

    /** One command line run in-process: its exit code and what it printed. */
    public record Run(int exit, String out, String err) {
    }

    public static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(exit, out.toString(), err.toString());
    }

    static void assertOneCleanLine(Run run, String... parts) {
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains(parts).doesNotContain("Exception", "\tat ");
        assertThat(run.err().lines().filter(l -> l.startsWith("billing-guard:")).count()).isEqualTo(1);
    }

    /** {@code review -} reads System.in: a run with it replaced by {@code input}. */
    public static Run runWithStdin(String input, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            return run(args);
        } finally {
            System.setIn(saved);
        }
    }

    static String readExample(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void the_examples_show_every_mode_and_exit_3_because_some_are_denied() {
        Run run = run("review", "--secrets", "examples", "examples/pods/01-seed-incident.yaml",
                "examples/pods/02-byok-with-key.yaml", "examples/pods/03-platform-managed.yaml",
                "examples/pods/05-disabled.yaml", "examples/pods/07-unlabelled-bypass.yaml");
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.out()).contains("ws-reno", "DENIED", "mode:     byok  provider: minimax  source: provider-secret",
                "put one of MINIMAX_API_KEY", "ws-byok", "ALLOWED (patched: 7 operations)",
                "mode:     platform_managed  provider: platform", "mode:     disabled", "volume \"platform-llm\"",
                "without a workspace id (label molecule.ai/workspace-id)");
        assertThat(run.out()).doesNotContain("EXAMPLE-PLATFORM-TOKEN", "EXAMPLE-USER-KEY");
    }

    @Test
    void all_allowed_exits_0() {
        Run run = run("review", "--secrets", "examples", "examples/pods/02-byok-with-key.yaml",
                "examples/pods/08-deployment-byok.yaml");
        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEmpty();
    }

    @Test
    void json_for_an_admission_review_is_exactly_the_mutate_response_one_document_per_file() throws IOException {
        Path second = write("second.json", Files.readString(Path.of("examples/admission/pod-create.json"))
                .replace("3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10", "second-uid"));
        Run run = run("review", "--secrets", "examples", "-o", "json", "examples/admission/pod-create.json", second.toString());
        assertThat(run.exit()).isZero();
        List<String> docs = run.out().lines().toList();
        assertThat(docs).hasSize(2);
        JsonNode first = Json.JSON.readTree(docs.get(0));
        assertThat(first.get("apiVersion").stringValue()).isEqualTo("admission.k8s.io/v1");
        assertThat(first.get("kind").stringValue()).isEqualTo("AdmissionReview");
        assertThat(first.at("/response/uid").stringValue()).isEqualTo("3b1f6c2e-8d4a-4f0b-9a51-0c7e2d9f4a10");
        assertThat(first.at("/response/allowed").booleanValue()).isTrue();
        String patch = new String(Base64.getDecoder().decode(first.at("/response/patch").stringValue()));
        assertThat(patch).contains("{\"op\":\"remove\",\"path\":\"/spec/containers/0/env/1\"}");
        assertThat(Json.JSON.readTree(docs.get(1)).at("/response/uid").stringValue()).isEqualTo("second-uid");
    }

    @Test
    void json_for_an_object_has_decision_reasons_patch_and_patched_object() {
        Run run = run("review", "--secrets", "examples", "-o", "json", "examples/pods/01-seed-incident.yaml");
        assertThat(run.exit()).isEqualTo(3);
        JsonNode doc = Json.JSON.readTree(run.out());
        assertThat(doc.get("allowed").booleanValue()).isFalse();
        assertThat(doc.get("mode").stringValue()).isEqualTo("byok");
        assertThat(doc.get("provider").stringValue()).isEqualTo("minimax");
        assertThat(doc.get("source").stringValue()).isEqualTo("provider-secret");
        assertThat(doc.get("reasons").get(0).stringValue()).contains("Secret team-demo/ws-reno-secrets");
        assertThat(doc.get("patch").isArray()).isTrue();
        assertThat(doc.at("/object/metadata/name").stringValue()).isEqualTo("ws-reno");
    }

    @Test
    void yaml_prints_the_patched_object() {
        Run run = run("review", "--secrets", "examples", "-o", "yaml", "examples/pods/02-byok-with-key.yaml");
        assertThat(run.exit()).isZero();
        JsonNode pod = Json.documents(run.out()).get(0);
        assertThat(pod.at("/metadata/annotations").get("billing.molecule.ai/mode").stringValue()).isEqualTo("byok");
        assertThat(pod.at("/spec/containers/0/env").toString()).doesNotContain("molecule-platform-llm");
    }

    @Test
    void a_list_and_multi_document_files_are_each_reviewed() throws IOException {
        Path file = write("many.yaml", """
                apiVersion: v1
                kind: List
                items:
                  - {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: team-demo}, spec: {containers: [{name: c, image: i}]}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: b}
                spec: {containers: [{name: c, image: i}]}
                """);
        Run run = run("review", "-n", "elsewhere", file.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("Pod team-demo/a", "Pod elsewhere/b");
    }

    @Test
    void malformed_yaml_is_one_line_exit_2() throws IOException {
        assertOneCleanLine(run("review", write("bad.yaml", "kind: Pod\n  spec: [\n").toString()), "bad.yaml", "not valid YAML");
    }

    @Test
    void malformed_json_is_one_line_exit_2() throws IOException {
        assertOneCleanLine(run("review", write("bad.json", "{\"kind\": \"AdmissionReview\", ").toString()), "bad.json");
    }

    @Test
    void an_admission_review_without_request_or_uid_is_one_line_exit_2() throws IOException {
        assertOneCleanLine(run("review", write("norequest.json", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}").toString()),
                "norequest.json", "has no request");
        assertOneCleanLine(run("review", write("nouid.json", "{\"kind\":\"AdmissionReview\",\"request\":{\"operation\":\"CREATE\"}}").toString()),
                "nouid.json", "has no uid");
    }

    @Test
    void a_file_with_nothing_to_review_is_one_line_exit_2() throws IOException {
        Run run = run("review", write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n").toString());
        assertOneCleanLine(run, "cm.yaml: nothing to review (ConfigMap x)", "billing-guard reviews Pods, pod controllers and AdmissionReviews");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void kinds_billing_guard_does_not_review_are_skipped_with_one_line_each_and_the_rest_is_reviewed() throws IOException {
        Path file = write("app.yaml", """
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                ---
                apiVersion: v1
                kind: List
                items:
                  - {apiVersion: v1, kind: ConfigMap, metadata: {name: settings}}
                  - {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: team-demo}, spec: {containers: [{name: c, image: i}]}}
                ---
                """ + Files.readString(Path.of("examples/pods/08-deployment-byok.yaml")));
        Run run = run("review", "--secrets", "examples", file.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.err().lines()).containsExactly(
                "billing-guard: " + file + " (document 1): skipped Service web: not a Pod, pod controller or AdmissionReview",
                "billing-guard: " + file + " (document 2) item 0: skipped ConfigMap settings: not a Pod, pod controller or AdmissionReview");
        assertThat(run.out()).contains(file + " (document 2) item 1: Pod team-demo/p",
                file + " (document 3): Deployment team-demo/ws-byok");
    }

    @Test
    void the_kinds_reviewed_are_the_ones_the_handler_calls_pod_controllers() throws IOException {
        List<List<String>> kinds = List.of(List.of("apps/v1", "Deployment"), List.of("apps/v1", "StatefulSet"),
                List.of("apps/v1", "DaemonSet"), List.of("apps/v1", "ReplicaSet"), List.of("batch/v1", "Job"),
                List.of("batch/v1", "CronJob"), List.of("v1", "ReplicationController"), List.of("v1", "Service"),
                List.of("extensions/v1beta1", "Deployment"));
        for (List<String> kind : kinds) {
            Path file = write("kind.yaml", "apiVersion: " + kind.get(0) + "\nkind: " + kind.get(1)
                    + "\nmetadata: {name: x, namespace: team-demo}\n---\n"
                    + "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team-demo}\nspec: {containers: [{name: c, image: i}]}\n");
            Run run = run("review", "--secrets", "examples", file.toString());
            String group = kind.get(0).contains("/") ? kind.get(0).substring(0, kind.get(0).indexOf('/')) : "";
            boolean controller = ReviewHandler.isPodController(group, kind.get(1));
            assertThat(run.out().contains(kind.get(1) + " team-demo/x")).as(kind.toString()).isEqualTo(controller);
            assertThat(run.err().contains("skipped " + kind.get(1) + " x")).as(kind.toString()).isEqualTo(!controller);
        }
        assertThat(ReviewHandler.isPodController("apps", "Deployment")).isTrue();
        assertThat(ReviewHandler.isPodController("extensions", "Deployment")).isFalse();
    }

    @Test
    void a_dash_reads_standard_input_named_stdin_in_messages() {
        String deployment = readExample("examples/pods/08-deployment-byok.yaml");
        Run run = runWithStdin(deployment, "review", "--secrets", "examples", "-");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("<stdin>: Deployment team-demo/ws-byok\n");
        assertThat(run.err()).isEmpty();

        assertOneCleanLine(runWithStdin("kind: Pod\n  spec: [\n", "review", "-"), "billing-guard: <stdin>: not valid YAML");
    }

    @Test
    void a_directory_is_read_recursively_in_path_order_yaml_and_json_files_only() throws IOException {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.createDirectories(tree.resolve("sub"));
        Files.writeString(tree.resolve("sub/b.yaml"), readExample("examples/pods/02-byok-with-key.yaml"));
        Files.writeString(tree.resolve("a.json"), readExample("examples/admission/pod-create.json"));
        Files.writeString(tree.resolve("c.yml"), readExample("examples/pods/08-deployment-byok.yaml"));
        Files.writeString(tree.resolve("notes.txt"), "not kubernetes at all: [");
        Run run = run("review", "--secrets", "examples", tree.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out().lines().filter(l -> !l.startsWith(" ")))
                .containsExactly(tree.resolve("a.json") + ": Pod team-demo/ws-demo-", tree.resolve("c.yml") + ": Deployment team-demo/ws-byok",
                        tree.resolve("sub/b.yaml") + ": Pod team-demo/ws-byok");
    }

    @Test
    void a_directory_without_yaml_or_json_is_one_line_exit_2() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("README"), "x");
        assertOneCleanLine(run("review", empty.toString()), empty + ": a directory without YAML or JSON files");
    }

    @Test
    void without_secrets_or_kubeconfig_one_line_says_the_verdicts_assume_no_cluster_facts() {
        Run run = run("review", "examples/pods/01-seed-incident.yaml", "examples/pods/02-byok-with-key.yaml");
        assertThat(run.exit()).as("the seed's pod keeps the platform token: an unknown workspace may not").isEqualTo(3);
        assertThat(run.out()).contains("source: unknown-workspace");
        assertThat(run.err().lines()).containsExactly("billing-guard: no --secrets or --kubeconfig: these verdicts assume "
                + "no cluster facts (no workspace secret, no namespace annotation), so every workspace is unknown and may not keep platform credentials");

        assertThat(run("review", "--secrets", "examples", "examples/pods/02-byok-with-key.yaml").err()).isEmpty();
        assertOneCleanLine(run("review", "nope.yaml"), "nope.yaml: cannot read");
    }

    @Test
    void strips_is_the_one_word_for_what_is_removed_with_a_note_when_the_answer_does_not_remove_it() {
        Run run = run("review", "--secrets", "examples", "examples/pods/01-seed-incident.yaml",
                "examples/pods/02-byok-with-key.yaml", "examples/pods/08-deployment-byok.yaml");
        String strip = "  strips:   env CLAUDE_CODE_OAUTH_TOKEN in container \"agent\" (from platform credential Secret molecule-platform-llm)";
        List<String> denied = section(run.out(), "Pod team-demo/ws-reno");
        assertThat(denied).contains(strip,
                "  note:     denied, so nothing is stripped now; billing-guard would strip these once it is allowed");
        List<String> allowed = section(run.out(), "Pod team-demo/ws-byok");
        assertThat(allowed).contains(strip).noneMatch(l -> l.startsWith("  note:"));
        List<String> controller = section(run.out(), "Deployment team-demo/ws-byok");
        assertThat(controller).contains(strip,
                "  note:     a Deployment is never changed; billing-guard would strip these from each pod it creates");
        assertThat(run.out()).doesNotContain("pods lose", "would strip:", "strip:    ", "warning:  billing-guard");
    }

    @Test
    void json_says_what_strips_and_whether_this_answer_applies_it() {
        Run run = run("review", "--secrets", "examples", "-o", "json", "examples/pods/01-seed-incident.yaml",
                "examples/pods/02-byok-with-key.yaml", "examples/pods/08-deployment-byok.yaml");
        List<JsonNode> docs = run.out().lines().map(Json.JSON::readTree).toList();
        assertThat(docs).hasSize(3);
        for (JsonNode doc : docs) {
            assertThat(doc.get("strips").get(0).stringValue()).startsWith("env CLAUDE_CODE_OAUTH_TOKEN");
            assertThat(doc.has("stripped")).isFalse();
        }
        assertThat(docs.stream().map(d -> d.get("stripsApplied").booleanValue())).containsExactly(false, true, false);
    }

    private static List<String> section(String out, String header) {
        List<String> lines = out.lines().toList();
        int start = lines.indexOf(lines.stream().filter(l -> l.endsWith(": " + header)).findFirst().orElseThrow());
        int end = start + 1;
        while (end < lines.size() && lines.get(end).startsWith(" ")) {
            end++;
        }
        return lines.subList(start + 1, end);
    }

    @Test
    void non_base64_secret_data_is_one_line_exit_2_without_the_value() throws IOException {
        Path secrets = write("secrets.yaml", """
                apiVersion: v1
                kind: Secret
                metadata: {name: ws-x-secrets, namespace: team-demo}
                data:
                  OPENAI_API_KEY: "sk-not-base64-SEEDED!!"
                """);
        Run run = run("review", "--secrets", secrets.toString(), "examples/pods/01-seed-incident.yaml");
        assertOneCleanLine(run, "secrets.yaml", "Secret team-demo/ws-x-secrets", "data.OPENAI_API_KEY is not valid base64");
        assertThat(run.err()).doesNotContain("sk-not-base64-SEEDED");
    }

    @Test
    void a_missing_file_is_one_line_exit_2_and_the_other_files_are_still_reviewed() {
        Run run = run("review", "--secrets", "examples", "nope.yaml", "examples/pods/02-byok-with-key.yaml");
        assertOneCleanLine(run, "nope.yaml", "no such file");
        assertThat(run.out()).contains("ws-byok");
    }

    @Test
    void a_missing_secrets_path_and_a_bad_output_are_reported_together() {
        Run run = run("review", "--secrets", "nowhere", "-o", "xml", "examples/pods/02-byok-with-key.yaml");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("facts.secrets: nowhere does not exist", "review.output (-o) must be one of")
                .doesNotContain("Exception");
    }

    @Test
    void an_unknown_billing_mode_annotation_is_a_warning_not_an_error() throws IOException {
        Path secrets = write("secrets.yaml", """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: ws-reno-secrets
                  namespace: team-demo
                  annotations: {molecule.ai/llm-billing-mode: sometimes}
                """);
        Run run = run("review", "--secrets", secrets.toString(), "examples/pods/01-seed-incident.yaml");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("warning:", "\"sometimes\"", "source: closed-default");
    }

    @Test
    void usage_errors_are_one_line_and_exit_2() {
        Run run = run("review", "--bogus", "x.yaml");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("billing-guard: Unknown option: '--bogus'");
        assertThat(run("review").exit()).isEqualTo(2);
    }

    @Test
    void secrets_may_come_as_a_list_like_kubectl_get_writes() throws IOException {
        Path secrets = write("list.yaml", """
                apiVersion: v1
                kind: List
                items:
                  - apiVersion: v1
                    kind: Secret
                    metadata: {name: ws-reno-secrets, namespace: team-demo}
                    data: {LLM_PROVIDER: cGxhdGZvcm0=}
                """);
        Run run = run("review", "--secrets", secrets.toString(), "examples/pods/01-seed-incident.yaml");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("mode:     platform_managed  provider: platform  source: provider-secret");
    }

    @Test
    void tab_indented_json_is_read_as_json() throws IOException {
        Path tabs = write("tabs.json", Json.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                Json.JSON.readTree(Files.readString(Path.of("examples/admission/pod-create.json")))).replace("  ", "\t"));
        assertThat(Files.readString(tabs)).contains("\t\"request\"");
        Run run = run("review", "--secrets", "examples", "-o", "json", tabs.toString());
        assertThat(run.err()).isEmpty();
        assertThat(Json.JSON.readTree(run.out()).at("/response/allowed").booleanValue()).isTrue();
    }

    @Test
    void malformed_json_names_the_place_but_never_echoes_the_token() throws IOException {
        Run run = run("review", write("leak.json", "{\"a\": sk_live_SEEDED_TOKEN_123, ]").toString());
        assertOneCleanLine(run, "leak.json", "malformed JSON at line 1");
        assertThat(run.err()).doesNotContain("sk_live_SEEDED_TOKEN_123");
    }

    @Test
    void a_secret_without_namespace_belongs_to_the_namespace_under_review() throws IOException {
        Path secrets = write("nons.yaml", """
                apiVersion: v1
                kind: Secret
                metadata: {name: ws-reno-secrets}
                stringData: {LLM_PROVIDER: minimax, MINIMAX_API_KEY: sk-fake}
                """);
        Run run = run("review", "--secrets", secrets.toString(), "examples/pods/01-seed-incident.yaml");
        assertThat(run.out()).contains("Pod team-demo/ws-reno", "mode:     byok  provider: minimax");
    }

    @Test
    void printed_objects_never_show_a_literal_credential_value() throws IOException {
        Path pod = write("literal.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: p, namespace: team-demo, labels: {molecule.ai/workspace-id: plat}}
                spec:
                  containers:
                    - name: agent
                      image: i
                      env: [{name: ANTHROPIC_API_KEY, value: sk-ant-SEEDED-LITERAL-4242}, {name: LOG_LEVEL, value: debug}]
                """);
        for (String format : List.of("json", "yaml")) {
            Run run = run("review", "--secrets", "examples", "-o", format, pod.toString());
            assertThat(run.exit()).isZero();
            assertThat(run.out()).doesNotContain("sk-ant-SEEDED-LITERAL-4242").contains("<redacted by billing-guard>", "debug");
        }
    }

    @Test
    void the_copy_kubectl_apply_keeps_in_an_annotation_is_redacted_inside_its_json() throws IOException {
        String applied = Json.JSON.writeValueAsString(Json.documents("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: d, namespace: team-demo}
                spec:
                  template:
                    spec:
                      containers:
                        - {name: agent, image: i, env: [{name: OPENAI_API_KEY, value: sk-SEEDED-LAST-APPLIED-77}, {name: LOG_LEVEL, value: debug}]}
                """).get(0));
        Path file = write("applied.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: d
                  namespace: team-demo
                  annotations: {kubectl.kubernetes.io/last-applied-configuration: '%s'}
                spec:
                  template:
                    metadata: {labels: {molecule.ai/workspace-id: plat}}
                    spec:
                      containers: [{name: agent, image: i}]
                """.formatted(applied));
        for (String format : List.of("json", "yaml")) {
            Run run = run("review", "--secrets", "examples", "-o", format, file.toString());
            assertThat(run.exit()).isZero();
            assertThat(run.out()).doesNotContain("sk-SEEDED-LAST-APPLIED-77");
            JsonNode object = format.equals("json") ? Json.JSON.readTree(run.out()).get("object") : Json.documents(run.out()).get(0);
            JsonNode copy = Json.JSON.readTree(object.at("/metadata/annotations")
                    .get("kubectl.kubernetes.io/last-applied-configuration").stringValue());
            assertThat(copy.at("/spec/template/spec/containers/0/env/0/value").stringValue()).isEqualTo("<redacted by billing-guard>");
            assertThat(copy.at("/spec/template/spec/containers/0/env/1/value").stringValue()).isEqualTo("debug");
        }
    }

    @Test
    void a_last_applied_annotation_that_is_no_json_object_is_replaced_whole() throws IOException {
        Path pod = write("garbled.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: p
                  namespace: team-demo
                  annotations: {kubectl.kubernetes.io/last-applied-configuration: '{"env": [{"name": "OPENAI_API_KEY", "value": "sk-SEEDED-GARBLED-55"'}
                spec: {containers: [{name: c, image: i}]}
                """);
        Run run = run("review", "--secrets", "examples", "-o", "json", pod.toString());
        assertThat(run.exit()).isZero();
        assertThat(Json.JSON.readTree(run.out()).at("/object/metadata/annotations")
                .get("kubectl.kubernetes.io/last-applied-configuration").stringValue()).isEqualTo("<redacted by billing-guard>");
        assertThat(run.out()).doesNotContain("sk-SEEDED-GARBLED-55");
    }

    @Test
    void yaml_of_a_denied_object_says_why_in_a_comment() {
        Run run = run("review", "--secrets", "examples", "-o", "yaml", "examples/pods/01-seed-incident.yaml");
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.out()).contains("# DENIED (unchanged): workspace \"reno\"");
        assertThat(Json.documents(run.out()).get(0).at("/metadata/name").stringValue()).isEqualTo("ws-reno");
    }
}
