package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.json.Json;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every object the chart renders, for the defaults and every ci values file, validated against the official
 * Kubernetes schema of its kind: the models of io.kubernetes:client-java-api check required fields, types
 * and unknown fields ({@code validateJsonElement}). Objects of CRDs (cert-manager, Prometheus Operator)
 * have no official model and are listed here by name, so a new core kind can never be skipped silently.
 */
class KubernetesSchemaTest {
    static final Set<String> CRD_KINDS = Set.of("Issuer", "Certificate", "ServiceMonitor", "PrometheusRule");
    static final Map<String, String> API_VERSIONS = Map.ofEntries(
            Map.entry("ServiceAccount", "v1"), Map.entry("ConfigMap", "v1"), Map.entry("Service", "v1"), Map.entry("Pod", "v1"),
            Map.entry("Deployment", "apps/v1"), Map.entry("PodDisruptionBudget", "policy/v1"),
            Map.entry("NetworkPolicy", "networking.k8s.io/v1"),
            Map.entry("ClusterRole", "rbac.authorization.k8s.io/v1"), Map.entry("ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
            Map.entry("Role", "rbac.authorization.k8s.io/v1"), Map.entry("RoleBinding", "rbac.authorization.k8s.io/v1"),
            Map.entry("MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
            Map.entry("ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
            Map.entry("ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1"),
            Map.entry("ValidatingAdmissionPolicyBinding", "admissionregistration.k8s.io/v1"));

    static Stream<String> valueSets() {
        return ChartTest.valueSets();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueSets")
    void every_rendered_object_validates_against_the_official_schema_of_its_kind(String set) {
        for (JsonNode object : ChartTest.render(set).objects()) {
            String kind = Json.text(object, "kind");
            if (CRD_KINDS.contains(kind)) {
                continue;
            }
            assertThat(API_VERSIONS).as("a known kind").containsKey(kind);
            assertThat(Json.text(object, "apiVersion")).as(kind).isEqualTo(API_VERSIONS.get(kind));
            validate(kind, object);
        }
    }

    @Test
    void the_validation_catches_an_unknown_field_and_a_missing_required_one() {
        JsonNode webhook = Chart.defaults().one("ValidatingWebhookConfiguration").deepCopy();
        ((tools.jackson.databind.node.ObjectNode) webhook.path("webhooks").get(0)).put("sideEffect", "None");
        assertThatThrownBy(() -> validate("ValidatingWebhookConfiguration", webhook)).hasMessageContaining("sideEffect");
        JsonNode policy = Chart.defaults().named("ValidatingAdmissionPolicy", "billing-guard-final-state").orElseThrow().deepCopy();
        ((tools.jackson.databind.node.ObjectNode) policy.at("/spec/validations/0")).remove("expression");
        assertThatThrownBy(() -> validate("ValidatingAdmissionPolicy", policy)).hasMessageContaining("expression");
    }

    @Test
    void the_backstop_validates_as_admissionregistration_v1_on_kubernetes_1_30() {
        Chart.Rendered r = Chart.render(Optional.empty(), Map.of(), "v1.30.0");
        assertThat(r.ofKind("ValidatingAdmissionPolicy")).hasSize(4);
        r.objects().stream().filter(o -> Json.text(o, "kind").startsWith("ValidatingAdmissionPolicy"))
                .forEach(o -> validate(Json.text(o, "kind"), o));
    }

    static void validate(String kind, JsonNode object) {
        JsonElement json = JsonParser.parseString(object.toString());
        try {
            Class<?> model = Class.forName("io.kubernetes.client.openapi.models.V1" + kind);
            Method validate = model.getMethod("validateJsonElement", JsonElement.class);
            validate.invoke(null, json);
        } catch (InvocationTargetException e) {
            throw new AssertionError(kind + " " + object.at("/metadata/name").asString() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no official model for " + kind, e);
        }
    }
}
