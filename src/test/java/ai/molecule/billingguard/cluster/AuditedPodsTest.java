package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.admission.AdmissionReviews;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Finding;
import ai.molecule.billingguard.policy.PodDecision;
import ai.molecule.billingguard.policy.PodPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** What the audit keeps of a pod: nothing of a value, and everything the webhook's decision reads. */
class AuditedPodsTest {
    static final Path FIXTURES = Path.of("src/test/resources/admission");
    static final PolicyConfig CONFIG = ConfigLoader.defaults().policy();

    /** Every admission fixture that is a pod CREATE (a Pod, or an AdmissionReview of one), and the examples' pods. */
    static Stream<Path> pods() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(FIXTURES)) {
            dirs.filter(d -> !Files.exists(d.resolve("failure.yaml"))).map(d -> d.resolve("request.yaml"))
                    .filter(Files::exists).sorted().forEach(files::add);
        }
        try (Stream<Path> examples = Files.list(Path.of("examples/pods"))) {
            examples.sorted().forEach(files::add);
        }
        return files.stream().filter(f -> pod(f) != null);
    }

    static JsonNode pod(Path file) {
        JsonNode doc;
        try {
            doc = Json.documents(Files.readString(file)).get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if ("AdmissionReview".equals(Json.text(doc, "kind"))) {
            JsonNode request = doc.path("request");
            boolean podCreate = "Pod".equals(Json.text(request.path("kind"), "kind"))
                    && "CREATE".equals(Json.text(request, "operation")) && Json.text(request, "subResource") == null;
            if (!podCreate) {
                return null;
            }
            JsonNode pod = request.path("object").deepCopy();
            if (!pod.path("metadata").isObject()) {
                return null;
            }
            if (Json.text(pod.path("metadata"), "namespace") == null) {
                ((ObjectNode) pod.path("metadata")).put("namespace", Json.text(request, "namespace"));
            }
            return pod;
        }
        return "Pod".equals(Json.text(doc, "kind")) && doc.path("metadata").isObject() ? doc : null;
    }

    /** What the audit reads of a decision; removals by description (indices differ once entries are dropped). */
    record Verdict(Optional<String> workspace, Optional<String> resolution, Optional<String> denial,
                   List<String> removals, Optional<String> failedLookup, boolean untouched) {
        static Verdict of(ReviewOutcome outcome) {
            PodDecision d = outcome.decision().orElse(null);
            if (d == null) {
                return new Verdict(Optional.empty(), Optional.empty(), Optional.ofNullable(outcome.response().message()),
                        List.of(), Optional.empty(), outcome.response().allowed());
            }
            return new Verdict(d.workspaceId(), d.resolution().map(Object::toString), d.denial(),
                    d.removals().stream().map(Finding::description).sorted().toList(), d.failedLookup(), d.untouchedPod());
        }
    }

    static Verdict decide(JsonNode pod, Path file) {
        Path dir = file.getParent();
        PolicyConfig config = Files.exists(dir.resolve("config.yaml"))
                ? ConfigLoader.load(Map.of(), Optional.of(dir.resolve("config.yaml")), Map.of()).policy() : CONFIG;
        Path facts = dir.resolve("facts.yaml");
        Path examples = Path.of("examples/cluster");
        LocalFacts local = Files.exists(facts) ? LocalFacts.load(facts, config)
                : dir.endsWith("pods") ? LocalFacts.load(examples, config) : LocalFacts.empty();
        ReviewHandler handler = new ReviewHandler(new PodPolicy(config), local);
        String namespace = Optional.ofNullable(Json.text(pod.path("metadata"), "namespace")).orElse("team-a");
        return Verdict.of(handler.review(AdmissionReviews.wrap(pod, namespace, "uid", true), ReviewHandler.Endpoint.MUTATE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pods")
    void the_webhook_decides_a_reduced_pod_as_it_decides_the_whole_pod(Path file) {
        JsonNode pod = pod(file);
        ((ObjectNode) pod.path("metadata")).put("namespace",
                Optional.ofNullable(Json.text(pod.path("metadata"), "namespace")).orElse("team-a"));

        Verdict whole = decide(pod, file);
        Verdict reduced = decide(AuditedPods.reduce(pod, CONFIG), file);

        assertThat(reduced).isEqualTo(whole);
    }

    @Test
    void values_other_annotations_and_other_sources_are_dropped_names_and_references_kept() {
        JsonNode pod = Json.documents("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: p
                  namespace: team-a
                  uid: u1
                  resourceVersion: "7"
                  labels: {molecule.ai/workspace-id: w1, app: web}
                  annotations:
                    billing.molecule.ai/mode: byok
                    kubernetes.io/config.mirror: m
                    kubectl.kubernetes.io/last-applied-configuration: '{"value":"sk-SEED-1"}'
                    note: sk-SEED-2
                  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: u2, controller: true, blockOwnerDeletion: true}]
                spec:
                  serviceAccountName: sa
                  containers:
                  - name: agent
                    image: runtime:1
                    command: [run, --token, sk-SEED-3]
                    env:
                    - {name: HF_TOKEN, value: sk-SEED-4}
                    - {name: OPENAI_API_KEY, valueFrom: {secretKeyRef: {name: ws-w1-secrets, key: OPENAI_API_KEY, optional: true}}}
                    - {name: FROM_MAP, valueFrom: {configMapKeyRef: {name: cm, key: k}}}
                    envFrom:
                    - {configMapRef: {name: cm}}
                    - {prefix: P_, secretRef: {name: molecule-platform-llm}}
                    volumeMounts: [{name: llm, mountPath: /llm, readOnly: true}]
                  initContainers:
                  - {name: init, args: [sk-SEED-5]}
                  volumes:
                  - {name: llm, secret: {secretName: molecule-platform-llm, defaultMode: 420}}
                  - name: mix
                    projected:
                      sources:
                      - {secret: {name: shared-llm, items: [{key: a, path: a}]}}
                      - {configMap: {name: cm}}
                  - {name: store, csi: {driver: d, volumeAttributes: {token: sk-SEED-6}, nodePublishSecretRef: {name: csi-creds}}}
                  - {name: tmp, emptyDir: {}}
                status: {phase: Running, podIP: 10.0.0.1}
                """).get(0);

        JsonNode reduced = AuditedPods.reduce(pod, CONFIG);

        assertThat(reduced).isEqualTo(Json.documents("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: p
                  namespace: team-a
                  uid: u1
                  resourceVersion: "7"
                  labels: {molecule.ai/workspace-id: w1, app: web}
                  annotations: {billing.molecule.ai/mode: byok, kubernetes.io/config.mirror: m}
                  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: u2, controller: true}]
                spec:
                  containers:
                  - name: agent
                    env:
                    - {name: HF_TOKEN}
                    - {name: OPENAI_API_KEY, valueFrom: {secretKeyRef: {name: ws-w1-secrets, key: OPENAI_API_KEY}}}
                    - {name: FROM_MAP}
                    envFrom:
                    - {prefix: P_, secretRef: {name: molecule-platform-llm}}
                    volumeMounts: [{name: llm, mountPath: /llm}]
                  initContainers:
                  - {name: init, env: [], envFrom: [], volumeMounts: []}
                  volumes:
                  - {name: llm, secret: {secretName: molecule-platform-llm}}
                  - name: mix
                    projected:
                      sources:
                      - {secret: {name: shared-llm}}
                      - {configMap: {}}
                  - {name: store, csi: {nodePublishSecretRef: {name: csi-creds}}}
                  - {name: tmp, emptyDir: {}}
                status: {phase: Running}
                """).get(0));
        assertThat(reduced.toString()).doesNotContain("sk-SEED");
    }
}
