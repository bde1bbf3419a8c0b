package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An AdmissionReview v1 answer, built only through its named constructors; it always carries
 * {@code apiVersion}, {@code kind} and the request's {@code uid}.
 */
public record AdmissionResponse(String uid, boolean allowed, String message, ArrayNode patch,
                                List<String> warnings, Map<String, String> auditAnnotations) {

    public static final String API_VERSION = "admission.k8s.io/v1";

    public static AdmissionResponse allowed(String uid) {
        return new AdmissionResponse(uid, true, null, null, List.of(), Map.of());
    }

    /** Allowed with a JSON patch; an empty patch is left out. */
    public static AdmissionResponse patched(String uid, ArrayNode patch) {
        return new AdmissionResponse(uid, true, null, patch == null || patch.isEmpty() ? null : patch, List.of(),
                Map.of());
    }

    /** Refused with HTTP-style code 403 and a message the user sees. */
    public static AdmissionResponse denied(String uid, String message) {
        return new AdmissionResponse(uid, false, message, null, List.of(), Map.of());
    }

    public AdmissionResponse withWarnings(List<String> more) {
        return new AdmissionResponse(uid, allowed, message, patch, List.copyOf(more), auditAnnotations);
    }

    public AdmissionResponse withAuditAnnotations(Map<String, String> audit) {
        return new AdmissionResponse(uid, allowed, message, patch, warnings,
                Collections.unmodifiableMap(new LinkedHashMap<>(audit)));
    }

    /** The whole AdmissionReview document kube-apiserver expects back. */
    public ObjectNode toReview() {
        ObjectNode review = Json.JSON.createObjectNode();
        review.put("apiVersion", API_VERSION);
        review.put("kind", "AdmissionReview");
        ObjectNode response = review.putObject("response");
        response.put("uid", uid);
        response.put("allowed", allowed);
        if (!allowed) {
            response.putObject("status").put("code", 403).put("reason", "Forbidden").put("message", message);
        }
        if (patch != null) {
            response.put("patchType", "JSONPatch");
            response.put("patch", Base64.getEncoder().encodeToString(Json.JSON.writeValueAsBytes(patch)));
        }
        if (!warnings.isEmpty()) {
            ArrayNode array = response.putArray("warnings");
            warnings.forEach(array::add);
        }
        if (!auditAnnotations.isEmpty()) {
            ObjectNode audit = response.putObject("auditAnnotations");
            auditAnnotations.forEach(audit::put);
        }
        return review;
    }

    /** {@link #toReview} as the UTF-8 bytes of the HTTP answer (written directly, no String between). */
    public byte[] toBytes() {
        return Json.JSON.writeValueAsBytes(toReview());
    }

    /** The JSON patch operations, or an empty array. */
    public JsonNode patchOrEmpty() {
        return patch == null ? Json.JSON.createArrayNode() : patch;
    }
}
