package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates the CEL of rendered admission objects the way the API server does: a ValidatingAdmissionPolicy
 * (matchConditions, then variables in order, then each validation and its messageExpression) and a webhook's
 * matchConditions. Every expression is compiled and run by dev.cel; an error is a test failure, never a pass.
 */
final class AdmissionPolicies {
    private AdmissionPolicies() {
    }

    /** What one policy said: empty when it admits, else the messages of the failed validations. */
    record Verdict(String policy, List<String> denials) {
        boolean admits() {
            return denials.isEmpty();
        }
    }

    /** The inputs of one admission request. */
    record Request(JsonNode object, JsonNode oldObject, JsonNode request, JsonNode namespaceObject,
                   Optional<JsonNode> params) {
        Map<String, Object> activation() {
            Map<String, Object> a = new HashMap<>();
            a.put("object", AdmissionCel.value(object));
            a.put("oldObject", AdmissionCel.value(oldObject));
            a.put("request", AdmissionCel.value(request));
            a.put("namespaceObject", AdmissionCel.value(namespaceObject));
            a.put("params", AdmissionCel.value(params.orElse(null)));
            return a;
        }
    }

    /** All matchConditions true: the request goes to the webhook (or the policy is evaluated). */
    static boolean matches(JsonNode matchConditions, Map<String, Object> activation) {
        for (JsonNode condition : matchConditions) {
            Object result = AdmissionCel.eval(Json.text(condition, "expression"), activation);
            if (!(result instanceof Boolean b)) {
                throw new AssertionError("matchCondition " + Json.text(condition, "name") + " gave " + result);
            }
            if (!b) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a policy's matchConstraints select the request: one resourceRule with its operation and its
     * resource (plus subresource), as {@code resources: ["pods/ephemeralcontainers"]} names them.
     */
    static boolean inScope(JsonNode policy, JsonNode request) {
        String resource = request.path("resource").path("resource").asString(
                request.path("kind").path("kind").asString().toLowerCase(java.util.Locale.ROOT) + "s");
        String sub = request.path("subResource").asString("");
        String wanted = sub.isEmpty() ? resource : resource + "/" + sub;
        String group = request.path("kind").path("group").asString("");
        for (JsonNode rule : policy.path("spec").path("matchConstraints").path("resourceRules")) {
            boolean groupOk = contains(rule.path("apiGroups"), group);
            boolean opOk = contains(rule.path("operations"), request.path("operation").asString());
            boolean resourceOk = contains(rule.path("resources"), wanted);
            if (groupOk && opOk && resourceOk) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(JsonNode list, String value) {
        for (JsonNode v : list) {
            if (v.asString().equals(value) || v.asString().equals("*")) {
                return true;
            }
        }
        return false;
    }

    static Verdict evaluate(JsonNode policy, Request request) {
        String name = policy.path("metadata").path("name").asString();
        JsonNode spec = policy.path("spec");
        Map<String, Object> activation = request.activation();
        if (!inScope(policy, request.request()) || !matches(spec.path("matchConditions"), activation)) {
            return new Verdict(name, List.of());
        }
        Map<String, Object> variables = new LinkedHashMap<>();
        activation.put("variables", variables);
        for (JsonNode variable : spec.path("variables")) {
            variables.put(Json.text(variable, "name"), AdmissionCel.eval(Json.text(variable, "expression"), activation));
        }
        List<String> denials = new ArrayList<>();
        for (JsonNode validation : spec.path("validations")) {
            Object ok = AdmissionCel.eval(Json.text(validation, "expression"), activation);
            if (!(ok instanceof Boolean)) {
                throw new AssertionError(name + ": a validation gave " + ok + " instead of a bool");
            }
            if (!(Boolean) ok) {
                Object message = AdmissionCel.eval(Json.text(validation, "messageExpression"), activation);
                if (!(message instanceof String text) || text.isBlank()) {
                    throw new AssertionError(name + ": messageExpression gave " + message);
                }
                denials.add(text);
            }
        }
        return new Verdict(name, denials);
    }
}
