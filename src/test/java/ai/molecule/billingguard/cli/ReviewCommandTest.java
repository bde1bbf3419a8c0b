package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.Main;
import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReviewCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
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
    void an_object_that_is_not_a_pod_is_one_line_exit_2() throws IOException {
        assertOneCleanLine(run("review", write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n").toString()),
                "cm.yaml", "kind ConfigMap is not a Pod");
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
    void a_pod_controller_shows_what_its_pods_would_lose() {
        Run run = run("review", "--secrets", "examples", "examples/pods/08-deployment-byok.yaml");
        assertThat(run.out()).contains("Deployment team-demo/ws-byok", "pods lose: env CLAUDE_CODE_OAUTH_TOKEN");
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
    void yaml_of_a_denied_object_says_why_in_a_comment() {
        Run run = run("review", "--secrets", "examples", "-o", "yaml", "examples/pods/01-seed-incident.yaml");
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.out()).contains("# DENIED (unchanged): workspace \"reno\"");
        assertThat(Json.documents(run.out()).get(0).at("/metadata/name").stringValue()).isEqualTo("ws-reno");
    }
}
