package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.chart.AdmissionCases.Case;
import ai.molecule.billingguard.chart.AdmissionPolicies.Request;
import ai.molecule.billingguard.chart.AdmissionPolicies.Verdict;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Creator;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.PodDecision;
import ai.molecule.billingguard.policy.PodPolicy;
import ai.molecule.billingguard.policy.PublishedModes;
import ai.molecule.billingguard.policy.Scope;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backstop's CEL (the chart's ValidatingAdmissionPolicies, rendered with the default values for
 * Kubernetes 1.31) run by a real CEL engine against the pods of every admission fixture case, before and
 * after the webhook's patch:
 * <ul>
 *   <li>every pod the webhook produces and its final-state check then admits, the backstop admits too;</li>
 *   <li>every pod the final-state check refuses because it carries platform items the API server can see
 *   without a lookup, the backstop refuses while the webhook is down: as it is, and with forged
 *   {@code platform_managed} annotations (then through the published modes ConfigMap).</li>
 * </ul>
 */
class BackstopCelTest {
    static final PolicyConfig CONFIG = ConfigLoader.defaults().policy();
    static final Chart.Rendered RENDERED = Chart.defaults();
    static final JsonNode FINAL_STATE = policy("billing-guard-final-state");
    static final JsonNode PUBLISHED = policy("billing-guard-published-modes");
    static final String MODES_CONFIGMAP = "billing-guard-modes";

    /**
     * Fixture pods the API server would let reach an admission policy. The {@code malformed-*} cases
     * hold objects its own decoding refuses first (a number where a name belongs, an object where a
     * list does): they test the webhook's robustness, not the backstop's.
     */
    static Stream<String> podCases() {
        return AdmissionCases.names().stream().filter(n -> !n.startsWith("malformed-")).filter(n -> Case.load(n).isPod());
    }

    private static JsonNode policy(String name) {
        return RENDERED.named("ValidatingAdmissionPolicy", name).orElseThrow(() -> new AssertionError("no policy " + name));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("podCases")
    void the_backstop_agrees_with_the_webhook_on_the_pods_of_each_fixture_case(String name) {
        Case c = Case.load(name);
        checkProducedPod(c);
        checkRefusedPod(c);
    }

    @Test
    void the_fixture_cases_exercise_both_directions() {
        int produced = 0;
        int refused = 0;
        for (String name : podCases().toList()) {
            Case c = Case.load(name);
            produced += checkProducedPod(c) ? 1 : 0;
            refused += checkRefusedPod(c) ? 1 : 0;
        }
        assertThat(produced).as("fixture pods the webhook produced and the backstop checked").isGreaterThanOrEqualTo(10);
        assertThat(refused).as("fixture pods the final-state check refused that the backstop checked").isGreaterThanOrEqualTo(10);
    }

    /**
     * The pod the webhook produces (its patch applied), when the final-state check then admits it: the backstop
     * must admit it too. Returns whether the case produced such a pod.
     */
    private static boolean checkProducedPod(Case c) {
        FactsSource facts = c.facts(CONFIG, false);
        ReviewHandler handler = new ReviewHandler(new PodPolicy(CONFIG), facts);
        ReviewOutcome mutated = handler.review(c.review(), ReviewHandler.Endpoint.MUTATE);
        if (!mutated.response().allowed()) {
            return false;
        }
        JsonNode produced = mutated.patched();
        if (!handler.review(withObject(c.review(), produced), ReviewHandler.Endpoint.VALIDATE).response().allowed()) {
            return false;
        }
        List<Verdict> refusals = backstop(c, produced, published(c, mutated.decision().flatMap(PodDecision::workspaceId), facts)).stream()
                .filter(v -> !v.admits()).toList();
        assertThat(refusals).as("backstop verdicts on the pod the webhook produced").isEmpty();
        return true;
    }

    /**
     * The pod as written (the webhook down), when the final-state check refuses it for platform items the API
     * server can see: platform secrets by configured name, and for a workspace pod also by their scope label (the
     * published {@code _platform-secrets}); never a Secret's workspace-id label. The backstop must refuse it as it
     * is and with forged platform_managed annotations. Returns whether the case had such a pod.
     */
    private static boolean checkRefusedPod(Case c) {
        JsonNode pod = c.request().path("object");
        FactsSource visible = new PodPolicy(CONFIG).workspaceId(pod).isPresent()
                ? scopeLabelsOnly(c.facts(CONFIG, false)) : c.facts(CONFIG, true);
        ReviewHandler handler = new ReviewHandler(new PodPolicy(CONFIG), visible);
        ReviewOutcome validated = handler.review(c.review(), ReviewHandler.Endpoint.VALIDATE);
        boolean lookupFailed = validated.decision().flatMap(PodDecision::failedLookup).isPresent();
        if (validated.response().allowed() || lookupFailed || !hasVisiblePlatformItems(c, pod, visible)) {
            return false;
        }
        Optional<JsonNode> params = published(c, handler.review(c.review(), ReviewHandler.Endpoint.MUTATE).decision()
                .flatMap(PodDecision::workspaceId), c.facts(CONFIG, false));
        assertThat(backstop(c, pod, params)).as("backstop verdicts on the pod as written").anyMatch(v -> !v.admits());

        ObjectNode forged = (ObjectNode) pod.deepCopy();
        ObjectNode annotations = forged.withObject("/metadata").withObject("/annotations");
        annotations.put(CONFIG.annotation("mode"), "platform_managed");
        annotations.put(CONFIG.annotation("source"), "provider-secret");
        annotations.put(CONFIG.annotation("provider"), "platform");
        List<Verdict> verdicts = backstop(c, forged, params);
        assertThat(verdicts).as("backstop verdicts on the pod with forged platform_managed annotations")
                .anyMatch(v -> !v.admits());
        verdicts.stream().flatMap(v -> v.denials().stream()).forEach(message ->
                assertThat(message).startsWith("billing-guard backstop: ").doesNotContain("sk-"));
        return true;
    }

    @Test
    void a_forged_annotation_is_refused_only_through_the_published_mode() {
        Case c = Case.load("byok-seed-incident-only-platform-token-is-denied");
        ObjectNode forged = (ObjectNode) c.request().path("object").deepCopy();
        forged.withObject("/metadata").withObject("/annotations")
                .put(CONFIG.annotation("mode"), "platform_managed").put(CONFIG.annotation("source"), "provider-secret");
        Optional<JsonNode> byok = Optional.of(modes(c.namespace(), Map.of("w1", "byok")));
        Optional<JsonNode> platform = Optional.of(modes(c.namespace(), Map.of("w1", "platform_managed")));

        assertThat(AdmissionPolicies.evaluate(FINAL_STATE, request(c, forged, Optional.empty())).admits())
                .as("the annotations alone look platform_managed").isTrue();
        Verdict refused = AdmissionPolicies.evaluate(PUBLISHED, request(c, forged, byok));
        assertThat(refused.denials()).singleElement().asString()
                .contains("workspace \"w1\"", "is byok according to ConfigMap billing-guard-modes",
                        "env CLAUDE_CODE_OAUTH_TOKEN in container agent");
        assertThat(AdmissionPolicies.evaluate(PUBLISHED, request(c, forged, platform)).admits()).isTrue();
        assertThat(AdmissionPolicies.evaluate(PUBLISHED, request(c, forged, Optional.of(modes(c.namespace(), Map.of())))).denials())
                .singleElement().asString().contains("has no mode in ConfigMap billing-guard-modes");
    }

    @Test
    void a_platform_secret_known_only_by_its_label_is_refused_with_forged_annotations_through_the_published_names() {
        // shared-anthropic is a platform secret by its scope label only; w1 selected openai (byok).
        Case c = Case.load("classify-labelled-global-secret-is-platform");
        JsonNode forged = Json.JSON.readTree("""
                {"metadata": {"name": "p", "namespace": "team-a", "labels": {"molecule.ai/workspace-id": "w1"},
                              "annotations": {"billing.molecule.ai/mode": "platform_managed",
                                              "billing.molecule.ai/source": "provider-secret"}},
                 "spec": {"containers": [{"name": "agent", "env": [
                             {"name": "PLAIN", "value": "x"},
                             {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "shared-anthropic", "key": "K"}}}],
                           "envFrom": [{"secretRef": {"name": "shared-anthropic"}}]}],
                          "volumes": [{"name": "v", "secret": {"secretName": "shared-anthropic"}}]}}""");
        JsonNode params = published(c, Optional.of("w1"), c.facts(CONFIG, false)).orElseThrow();
        assertThat(params.path("data").properties()).extracting(Map.Entry::getKey).containsExactly("_platform-secrets", "w1");
        assertThat(params.path("data").path("_platform-secrets").asString()).isEqualTo("shared-anthropic");
        assertThat(params.path("data").path("w1").asString()).isEqualTo("byok");

        assertThat(AdmissionPolicies.evaluate(FINAL_STATE, request(c, forged, Optional.empty())).admits())
                .as("the annotation check knows platform secrets by configured name only").isTrue();
        assertThat(AdmissionPolicies.evaluate(PUBLISHED, request(c, forged, Optional.of(params))).denials()).singleElement()
                .asString().contains("workspace \"w1\" is byok according to ConfigMap billing-guard-modes",
                        "env TOKEN in container agent", "envFrom Secret shared-anthropic in container agent", "volume v")
                .doesNotContain("PLAIN");

        ObjectNode withoutNames = (ObjectNode) params.deepCopy();
        ((ObjectNode) withoutNames.path("data")).remove("_platform-secrets");
        assertThat(AdmissionPolicies.evaluate(PUBLISHED, request(c, forged, Optional.of(withoutNames))).admits())
                .as("without the published names the backstop cannot see it").isTrue();
        ObjectNode platform = (ObjectNode) params.deepCopy();
        ((ObjectNode) platform.path("data")).put("w1", "platform_managed");
        assertThat(AdmissionPolicies.evaluate(PUBLISHED, request(c, forged, Optional.of(platform))).admits()).isTrue();
    }

    @Test
    void an_unlisted_workspace_falls_back_to_the_namespace_org_default() {
        Case c = Case.load("byok-seed-incident-only-platform-token-is-denied");
        ObjectNode pod = (ObjectNode) c.request().path("object").deepCopy();
        pod.withObject("/metadata").withObject("/annotations")
                .put(CONFIG.annotation("mode"), "platform_managed").put(CONFIG.annotation("source"), "org-default");
        ObjectNode namespace = (ObjectNode) c.namespaceObject(CONFIG.guardedNamespaceLabel(), CONFIG.guardedNamespaceValue()).deepCopy();
        Request request = new Request(pod, null, c.request(), namespace, Optional.of(modes(c.namespace(), Map.of())));
        assertThat(AdmissionPolicies.evaluate(PUBLISHED, request).admits()).isFalse();
        namespace.withObject("/metadata").withObject("/annotations").put(CONFIG.billingModeAnnotation(), " Platform_Managed ");
        assertThat(AdmissionPolicies.evaluate(PUBLISHED, request).admits()).isTrue();
    }

    @Test
    void every_platform_item_kind_the_classifier_names_is_seen_by_the_backstop() {
        String pod = """
                {"metadata": {"name": "p", "labels": {"molecule.ai/workspace-id": "w1"},
                              "annotations": {"billing.molecule.ai/mode": "byok"}},
                 "spec": {"containers": [{"name": "a", "env": [
                     {"name": "X", "valueFrom": {"secretKeyRef": {"name": "molecule-platform-llm", "key": "k"}}},
                     {"name": "MOLECULE_LLM_BASE_URL", "value": "http://proxy"},
                     {"name": "OPENAI_API_KEY", "value": "literal"},
                     {"name": "Y", "valueFrom": {"secretKeyRef": {"name": "ws-w2-secrets", "key": "k"}}},
                     {"name": "ANTHROPIC_API_KEY", "valueFrom": {"secretKeyRef": {"name": "ws-w1-secrets", "key": "MOLECULE_LLM_USAGE_TOKEN"}}},
                     {"name": "OK", "valueFrom": {"secretKeyRef": {"name": "ws-w1-secrets", "key": "OPENAI_API_KEY"}}}],
                   "envFrom": [{"secretRef": {"name": "molecule-platform-llm"}}, {"secretRef": {"name": "ws-w1-secrets"}},
                               {"secretRef": {"name": "ws-w3-secrets"}}]}],
                   "initContainers": [{"name": "i", "env": [{"name": "CLAUDE_CODE_OAUTH_TOKEN", "value": "x"}]}],
                   "ephemeralContainers": [{"name": "d", "envFrom": [{"secretRef": {"name": "molecule-platform-llm"}}]}],
                   "volumes": [{"name": "s", "secret": {"secretName": "molecule-platform-llm"}},
                               {"name": "p", "projected": {"sources": [{"configMap": {"name": "c"}},
                                                                       {"secret": {"name": "molecule-platform-llm"}}]}},
                               {"name": "c", "csi": {"driver": "d", "nodePublishSecretRef": {"name": "molecule-platform-llm"}}},
                               {"name": "f", "azureFile": {"secretName": "ws-w9-secrets", "shareName": "s"}},
                               {"name": "own", "secret": {"secretName": "ws-w1-secrets"}},
                               {"name": "e", "emptyDir": {}}]}}
                """;
        JsonNode object = Json.JSON.readTree(pod);
        Verdict verdict = AdmissionPolicies.evaluate(FINAL_STATE, new Request(object, null, request("team-a"),
                guarded("team-a"), Optional.empty()));
        assertThat(verdict.denials()).singleElement().asString().contains(
                "has billing mode byok",
                "env X in container a", "env MOLECULE_LLM_BASE_URL in container a", "env OPENAI_API_KEY in container a",
                "env Y in container a", "env ANTHROPIC_API_KEY in container a",
                "envFrom Secret molecule-platform-llm in container a", "envFrom Secret ws-w3-secrets in container a",
                "env CLAUDE_CODE_OAUTH_TOKEN in container i", "envFrom Secret molecule-platform-llm in container d",
                "volume s", "volume p", "volume c", "volume f")
                .doesNotContain("env OK", "envFrom Secret ws-w1-secrets", "volume own", "volume e");
    }

    @Test
    void an_unlabelled_pod_may_reference_any_secret_but_a_platform_one() {
        JsonNode clean = Json.JSON.readTree("""
                {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a",
                  "env": [{"name": "OPENAI_API_KEY", "value": "x"}, {"name": "MOLECULE_LLM_USAGE_TOKEN", "value": "y"}],
                  "envFrom": [{"secretRef": {"name": "ws-w1-secrets"}}]}]}}""");
        assertThat(AdmissionPolicies.evaluate(FINAL_STATE, new Request(clean, null, request("team-a"), guarded("team-a"),
                Optional.empty())).admits()).isTrue();
        JsonNode bypass = Json.JSON.readTree("""
                {"metadata": {"name": "p", "labels": {"molecule.ai/workspace-id": ""}},
                 "spec": {"containers": [{"name": "a"}],
                          "volumes": [{"name": "v", "projected": {"sources": [{"secret": {"name": "molecule-platform-llm"}}]}}]}}""");
        assertThat(AdmissionPolicies.evaluate(FINAL_STATE, new Request(bypass, null, request("team-a"), guarded("team-a"),
                Optional.empty())).denials()).singleElement().asString()
                .contains("has no molecule.ai/workspace-id label", "volume v");
    }

    @Test
    void mirror_pods_are_not_evaluated() {
        JsonNode mirror = Json.JSON.readTree("""
                {"metadata": {"name": "p", "annotations": {"kubernetes.io/config.mirror": "x"}},
                 "spec": {"containers": [{"name": "a", "envFrom": [{"secretRef": {"name": "molecule-platform-llm"}}]}]}}""");
        assertThat(AdmissionPolicies.evaluate(FINAL_STATE, new Request(mirror, null, request("team-a"), guarded("team-a"),
                Optional.empty())).admits()).isTrue();
    }

    /** Both pod policies, each with its binding's selection: the published-modes one only sees labelled pods. */
    private static List<Verdict> backstop(Case c, JsonNode pod, Optional<JsonNode> params) {
        List<Verdict> verdicts = new ArrayList<>();
        verdicts.add(AdmissionPolicies.evaluate(FINAL_STATE, request(c, pod, Optional.empty())));
        if (pod.path("metadata").path("labels").has(CONFIG.workspaceIdLabel())) {
            verdicts.add(AdmissionPolicies.evaluate(PUBLISHED, request(c, pod, params)));
        }
        return verdicts;
    }

    private static Request request(Case c, JsonNode pod, Optional<JsonNode> params) {
        ObjectNode request = (ObjectNode) c.request().deepCopy();
        request.remove("object");
        request.remove("oldObject");
        return new Request(pod, c.request().get("oldObject"), request,
                c.namespaceObject(CONFIG.guardedNamespaceLabel(), CONFIG.guardedNamespaceValue()), params);
    }

    /**
     * The modes ConfigMap billing-guard would keep in the case's namespace, computed by the publisher's own
     * {@link PublishedModes}: the pod's workspace with its mode when its workspace secret exists (entries follow the
     * secrets), nothing for a workspace without one, and the namespace's label-only platform secrets.
     */
    private static Optional<JsonNode> published(Case c, Optional<String> workspaceId, FactsSource facts) {
        List<WorkspaceSecret> secrets = new ArrayList<>();
        workspaceId.ifPresent(id -> {
            Facts f = facts.facts(c.namespace(), CONFIG.workspaceSecretName(id), Set.of());
            if (f.workspaceSecret() instanceof Lookup.Found<WorkspaceSecret> found) {
                secrets.add(found.value());
            }
        });
        // The publisher always has the Namespace (from its cache); a case whose Namespace lookup fails is denied anyway.
        NamespaceInfo namespace = facts.facts(c.namespace(), null, Set.of()).namespace()
                instanceof Lookup.Found<NamespaceInfo> found ? found.value() : new NamespaceInfo(c.namespace(), Map.of());
        return Optional.of(modes(c.namespace(),
                new PublishedModes(CONFIG, Optional.empty()).data(namespace, secrets, labelledPlatformSecrets(c))));
    }

    /** The names of the case's Secrets (in its namespace, or in none) carrying the platform scope label. */
    private static List<String> labelledPlatformSecrets(Case c) {
        return c.factDocs().stream().filter(d -> "Secret".equals(Json.text(d, "kind")))
                .filter(d -> CONFIG.secretScopeValue().equals(d.path("metadata").path("labels").path(CONFIG.secretScopeLabel()).asString(null)))
                .filter(d -> d.path("metadata").path("namespace").asString(c.namespace()).equals(c.namespace()))
                .map(d -> d.path("metadata").path("name").asString()).toList();
    }

    private static JsonNode modes(String namespace, Map<String, String> data) {
        ObjectNode cm = Json.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        cm.putObject("metadata").put("name", MODES_CONFIGMAP).put("namespace", namespace);
        ObjectNode d = cm.putObject("data");
        data.forEach(d::put);
        return cm;
    }

    /**
     * Whether the webhook's classifier finds platform items the backstop can see (by configured names): with a
     * probe secret selecting some BYOK provider, every platform item of a workspace pod becomes a removal; an
     * unlabelled pod is refused only for platform secret references.
     */
    private static boolean hasVisiblePlatformItems(Case c, JsonNode pod, FactsSource visible) {
        PodPolicy policy = new PodPolicy(CONFIG);
        Optional<String> id = policy.workspaceId(pod);
        Facts facts = visible.facts(c.namespace(), policy.workspaceSecretName(pod), policy.referencedSecrets(pod));
        PodPolicy.Context context = new PodPolicy.Context(c.namespace(), Scope.WHOLE_POD, PodPolicy.Phase.MUTATE,
                Creator.UNKNOWN);
        if (id.isEmpty()) {
            return policy.decide(pod, "", context, facts).denial().isPresent();
        }
        String secretName = CONFIG.workspaceSecretName(id.get());
        WorkspaceSecret real = facts.workspaceSecret() instanceof Lookup.Found<WorkspaceSecret> f ? f.value() : null;
        WorkspaceSecret probe = new WorkspaceSecret(c.namespace(), secretName, Map.of(), id, "backstop-probe", null,
                real == null ? java.util.Set.of() : real.keys(), real == null ? java.util.Set.of() : real.nonEmptyKeys());
        Facts probing = new Facts(Lookup.found(probe), facts.namespace(), facts.referencedSecrets());
        return !policy.decide(pod, "", context, probing).removals().isEmpty();
    }

    /** The facts with the labels of referenced Secrets reduced to the platform scope label. */
    private static FactsSource scopeLabelsOnly(FactsSource facts) {
        return (namespace, secretName, referenced) -> {
            Facts f = facts.facts(namespace, secretName, referenced);
            if (!(f.referencedSecrets() instanceof Lookup.Found<Map<String, SecretLabels>> found)) {
                return f;
            }
            Map<String, SecretLabels> platform = new java.util.HashMap<>();
            found.value().forEach((name, labels) -> {
                if (labels.platformScope()) {
                    platform.put(name, new SecretLabels(true, Optional.empty()));
                }
            });
            return new Facts(f.workspaceSecret(), f.namespace(), Lookup.found(platform));
        };
    }

    private static JsonNode withObject(JsonNode review, JsonNode object) {
        ObjectNode copy = (ObjectNode) review.deepCopy();
        ((ObjectNode) copy.get("request")).set("object", object);
        return copy;
    }

    private static JsonNode request(String namespace) {
        return Json.JSON.createObjectNode().put("operation", "CREATE").put("namespace", namespace)
                .set("kind", Json.JSON.createObjectNode().put("group", "").put("version", "v1").put("kind", "Pod"));
    }

    private static JsonNode guarded(String namespace) {
        ObjectNode ns = Json.JSON.createObjectNode();
        ns.putObject("metadata").put("name", namespace).putObject("labels").put(CONFIG.guardedNamespaceLabel(), CONFIG.guardedNamespaceValue());
        return ns;
    }
}
