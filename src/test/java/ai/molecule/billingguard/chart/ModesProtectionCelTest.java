package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.chart.AdmissionPolicies.Request;
import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two policies around the modes ConfigMaps, evaluated by dev.cel as rendered with the defaults: nobody but
 * billing-guard writes a ConfigMap named billing-guard-modes, and billing-guard writes no other ConfigMap and
 * none outside guarded namespaces (its RBAC `create` on ConfigMaps cannot be limited by name).
 */
class ModesProtectionCelTest {
    static final Chart.Rendered RENDERED = Chart.defaults();
    static final JsonNode PROTECT = RENDERED.named("ValidatingAdmissionPolicy", "billing-guard-protect-modes").orElseThrow();
    static final JsonNode OWN = RENDERED.named("ValidatingAdmissionPolicy", "billing-guard-own-writes").orElseThrow();
    static final String BILLING_GUARD = "system:serviceaccount:molecule-system:billing-guard";
    static final String TENANT = "alice@example.com";

    @Test
    void a_tenant_cannot_create_change_or_delete_the_modes_configmap() {
        for (String operation : new String[] {"CREATE", "UPDATE", "DELETE"}) {
            AdmissionPolicies.Verdict verdict = AdmissionPolicies.evaluate(PROTECT,
                    write(operation, TENANT, "billing-guard-modes", guarded("team-a", "Active")));
            assertThat(verdict.denials()).as(operation).singleElement().asString()
                    .contains("only billing-guard (" + BILLING_GUARD + ") may write ConfigMap billing-guard-modes");
        }
    }

    @Test
    void a_tenant_writes_other_configmaps_freely_and_the_namespace_controller_may_delete_the_modes_one() {
        assertThat(AdmissionPolicies.evaluate(PROTECT, write("CREATE", TENANT, "app-config", guarded("team-a", "Active"))).admits()).isTrue();
        assertThat(AdmissionPolicies.evaluate(PROTECT, write("DELETE", "system:serviceaccount:kube-system:namespace-controller",
                "billing-guard-modes", guarded("team-a", "Terminating"))).admits()).isTrue();
    }

    @Test
    void billing_guard_writes_the_modes_configmap_in_guarded_namespaces_only() {
        assertThat(AdmissionPolicies.evaluate(PROTECT, write("UPDATE", BILLING_GUARD, "billing-guard-modes", guarded("team-a", "Active"))).admits()).isTrue();
        assertThat(AdmissionPolicies.evaluate(OWN, write("CREATE", BILLING_GUARD, "billing-guard-modes", guarded("team-a", "Active"))).admits()).isTrue();
        assertThat(AdmissionPolicies.evaluate(OWN, write("CREATE", BILLING_GUARD, "billing-guard-modes", unguarded("team-b"))).denials())
                .singleElement().asString().contains("billing-guard may write only ConfigMap billing-guard-modes in guarded namespaces");
        assertThat(AdmissionPolicies.evaluate(OWN, write("CREATE", BILLING_GUARD, "aws-auth", guarded("kube-system", "Active"))).admits()).isFalse();
        assertThat(AdmissionPolicies.evaluate(OWN, write("CREATE", BILLING_GUARD, "billing-guard-modes", guarded("kube-system", "Active"))).admits()).isFalse();
        assertThat(AdmissionPolicies.evaluate(OWN, write("DELETE", BILLING_GUARD, "billing-guard-modes", unguarded("team-b"))).admits())
                .as("cleaning up after a namespace stops being guarded").isTrue();
        assertThat(AdmissionPolicies.evaluate(OWN, write("UPDATE", TENANT, "anything", unguarded("team-b"))).admits())
                .as("other users are none of this policy's business").isTrue();
    }

    private static Request write(String operation, String user, String name, JsonNode namespace) {
        ObjectNode cm = Json.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        cm.putObject("metadata").put("name", name).put("namespace", namespace.at("/metadata/name").asString());
        ObjectNode request = Json.JSON.createObjectNode().put("operation", operation).put("name", name);
        request.putObject("kind").put("group", "").put("version", "v1").put("kind", "ConfigMap");
        request.putObject("resource").put("group", "").put("version", "v1").put("resource", "configmaps");
        request.putObject("userInfo").put("username", user);
        boolean delete = operation.equals("DELETE");
        return new Request(delete ? null : cm, operation.equals("CREATE") ? null : cm, request, namespace, Optional.empty());
    }

    private static JsonNode guarded(String name, String phase) {
        ObjectNode ns = unguarded(name);
        ((ObjectNode) ns.at("/metadata/labels")).put("molecule.ai/billing-guard", "enabled");
        ns.putObject("status").put("phase", phase);
        return ns;
    }

    private static ObjectNode unguarded(String name) {
        ObjectNode ns = Json.JSON.createObjectNode();
        ns.putObject("metadata").put("name", name).putObject("labels").put("kubernetes.io/metadata.name", name);
        return ns;
    }
}
