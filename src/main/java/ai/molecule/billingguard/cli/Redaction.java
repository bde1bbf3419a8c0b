package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodPolicy;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What {@code review} prints of an object never shows a credential: the literal value of an env
 * item named like an LLM credential or a platform proxy variable (one a platform_managed or a
 * denied pod keeps) is replaced. {@code kubectl apply} keeps a second copy of the object in the
 * {@code kubectl.kubernetes.io/last-applied-configuration} annotation: that copy is redacted the
 * same way, or replaced whole when it is no JSON object. Only printed copies are changed, never the patch.
 */
final class Redaction {
    private static final String REDACTED = "<redacted by billing-guard>";
    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private Redaction() {
    }

    static JsonNode redact(JsonNode object, PolicyConfig config) {
        if (object == null || !object.isObject()) {
            return object;
        }
        JsonNode copy = object.deepCopy();
        copy.findParents("containers").forEach(spec -> redactSpec(spec, config));
        copy.findParents(LAST_APPLIED).forEach(annotations -> redactLastApplied((ObjectNode) annotations, config));
        return copy;
    }

    private static void redactSpec(JsonNode spec, PolicyConfig config) {
        for (String list : PodPolicy.CONTAINER_LISTS) {
            for (JsonNode container : spec.path(list)) {
                for (JsonNode env : container.path("env")) {
                    String name = Json.text(env, "name");
                    if (env.has("value") && name != null
                            && (config.llmCredentialNames().contains(name) || config.proxyNames().contains(name))) {
                        ((ObjectNode) env).put("value", REDACTED);
                    }
                }
            }
        }
    }

    private static void redactLastApplied(ObjectNode annotations, PolicyConfig config) {
        JsonNode applied;
        try {
            applied = Json.JSON.readTree(String.valueOf(Json.text(annotations, LAST_APPLIED)));
        } catch (JacksonException e) {
            applied = null;
        }
        annotations.put(LAST_APPLIED, applied != null && applied.isObject()
                ? Json.JSON.writeValueAsString(redact(applied, config)) : REDACTED);
    }
}
