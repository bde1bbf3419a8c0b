package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.admission.ReviewOutcome;
import ai.molecule.billingguard.chart.AdmissionCases.Case;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhooks' CEL matchConditions (rendered for Kubernetes 1.31) against every admission fixture request:
 * a request they keep from the webhook must be one the webhook would have let through untouched (allowed,
 * no patch, no warning) on both endpoints; skipping is only ever an optimisation.
 */
class MatchConditionsCelTest {
    static final PolicyConfig CONFIG = ConfigLoader.defaults().policy();
    static final Chart.Rendered RENDERED = Chart.defaults();

    static Stream<String> cases() {
        return AdmissionCases.names().stream();
    }

    @Test
    void both_webhook_configurations_carry_the_same_conditions() {
        JsonNode mutating = RENDERED.one("MutatingWebhookConfiguration").path("webhooks").get(0).path("matchConditions");
        JsonNode validating = RENDERED.one("ValidatingWebhookConfiguration").path("webhooks").get(0).path("matchConditions");
        assertThat(mutating.size()).isEqualTo(2);
        assertThat(validating).isEqualTo(mutating);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void a_request_the_conditions_skip_is_one_the_webhook_leaves_untouched(String name) {
        Case c = Case.load(name);
        if (sent(c.review())) {
            return;
        }
        ReviewHandler handler = new ReviewHandler(new PodPolicy(CONFIG), c.facts(CONFIG, false));
        for (ReviewHandler.Endpoint endpoint : ReviewHandler.Endpoint.values()) {
            ReviewOutcome outcome = handler.review(c.review(), endpoint);
            JsonNode response = outcome.response().toReview().path("response");
            assertThat(response.path("allowed").asBoolean()).as(endpoint + " allowed").isTrue();
            assertThat(response.has("patch")).as(endpoint + " patch").isFalse();
            assertThat(response.has("warnings")).as(endpoint + " warnings").isFalse();
        }
    }

    @Test
    void the_fixtures_hold_requests_both_skipped_and_sent() {
        List<Boolean> sent = cases().map(n -> sent(Case.load(n).review())).toList();
        assertThat(sent).contains(true, false);
        assertThat(sent(Case.load("route-mirror-pod-is-allowed-untouched").review())).isFalse();
        assertThat(sent(Case.load("bypass-unlabelled-pod-with-platform-volume-is-denied").review())).isTrue();
    }

    @Test
    void an_unlabelled_pod_is_sent_for_any_secret_reference_and_skipped_without_one() {
        assertThat(sent(pod("""
                {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a",
                  "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}],
                  "envFrom": [{"configMapRef": {"name": "c"}}]}],
                  "volumes": [{"name": "v", "configMap": {"name": "c"}}, {"name": "e", "emptyDir": {}}]}}"""))).isFalse();
        for (String reference : List.of(
                "\"env\": [{\"name\": \"X\", \"valueFrom\": {\"secretKeyRef\": {\"name\": \"s\", \"key\": \"k\"}}}]",
                "\"envFrom\": [{\"prefix\": \"P_\", \"secretRef\": {\"name\": \"s\"}}]")) {
            assertThat(sent(pod("{\"metadata\": {\"name\": \"p\"}, \"spec\": {\"initContainers\": [{\"name\": \"i\", "
                    + reference + "}], \"containers\": [{\"name\": \"a\"}]}}"))).as(reference).isTrue();
        }
        for (String volume : List.of("{\"secret\": {\"secretName\": \"s\"}}",
                "{\"projected\": {\"sources\": [{\"secret\": {\"name\": \"s\"}}]}}",
                "{\"csi\": {\"driver\": \"d\", \"nodePublishSecretRef\": {\"name\": \"s\"}}}",
                "{\"azureFile\": {\"secretName\": \"s\", \"shareName\": \"x\"}}",
                "{\"flexVolume\": {\"driver\": \"d\", \"secretRef\": {\"name\": \"s\"}}}")) {
            String json = "{\"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\": [{\"name\": \"a\"}], \"volumes\": [{\"name\": \"v\", "
                    + volume.substring(1, volume.length() - 1) + "}]}}";
            assertThat(sent(pod(json))).as(volume).isTrue();
        }
    }

    @Test
    void a_workspace_pod_or_controller_template_is_always_sent_and_a_mirror_pod_never() {
        assertThat(sent(pod("{\"metadata\": {\"name\": \"p\", \"labels\": {\"molecule.ai/workspace-id\": \"w1\"}},"
                + " \"spec\": {\"containers\": [{\"name\": \"a\"}]}}"))).isTrue();
        assertThat(sent(pod("{\"metadata\": {\"name\": \"p\", \"labels\": {\"molecule.ai/workspace-id\": \"w1\"},"
                + " \"annotations\": {\"kubernetes.io/config.mirror\": \"x\"}}, \"spec\": {\"containers\": [{\"name\": \"a\"}]}}"))).isFalse();
        JsonNode cronJob = Json.JSON.readTree("""
                {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
                 "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {
                   "metadata": {"labels": {"molecule.ai/workspace-id": "w1"}}, "spec": {"containers": [{"name": "a"}]}}}}}}""");
        assertThat(sent(review("batch", "CronJob", cronJob))).isTrue();
        ((ObjectNode) cronJob.at("/spec/jobTemplate/spec/template/metadata")).remove("labels");
        assertThat(sent(review("batch", "CronJob", cronJob))).isFalse();
        JsonNode deployment = Json.JSON.readTree("""
                {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                 "spec": {"template": {"spec": {"containers": [{"name": "a", "envFrom": [{"secretRef": {"name": "s"}}]}]}}}}""");
        assertThat(sent(review("apps", "Deployment", deployment))).isTrue();
    }

    /** Whether the API server calls the webhook: every matchCondition of the rendered configuration is true. */
    private static boolean sent(JsonNode review) {
        JsonNode conditions = RENDERED.one("MutatingWebhookConfiguration").path("webhooks").get(0).path("matchConditions");
        JsonNode request = review.path("request");
        ObjectNode bare = (ObjectNode) request.deepCopy();
        bare.remove("object");
        bare.remove("oldObject");
        Map<String, Object> activation = new HashMap<>();
        activation.put("object", AdmissionCel.value(request.get("object")));
        activation.put("oldObject", AdmissionCel.value(request.get("oldObject")));
        activation.put("request", AdmissionCel.value(bare));
        return AdmissionPolicies.matches(conditions, activation);
    }

    private static JsonNode pod(String json) {
        return review("", "Pod", Json.JSON.readTree(json));
    }

    private static JsonNode review(String group, String kind, JsonNode object) {
        ObjectNode review = Json.JSON.createObjectNode();
        ObjectNode request = review.putObject("request").put("uid", "u").put("operation", "CREATE").put("namespace", "team-a");
        request.putObject("kind").put("group", group).put("version", "v1").put("kind", kind);
        request.set("object", object);
        return review;
    }
}
