package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An object read from a file, wrapped as the AdmissionReview kube-apiserver sends for its CREATE,
 * so {@code review} and the tests put every object through the same door as the webhook does.
 */
public final class AdmissionReviews {
    private AdmissionReviews() {
    }

    /** The API group of an object: {@code ""} for core {@code v1}, {@code apps} for {@code apps/v1}. */
    public static String group(JsonNode object) {
        String apiVersion = String.valueOf(Json.text(object, "apiVersion"));
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    /**
     * The CREATE request for {@code object}, in its own {@code metadata.namespace} or else in
     * {@code defaultNamespace}, as {@code kubectl apply -n} would place it.
     */
    public static ObjectNode wrap(JsonNode object, String defaultNamespace, String uid, boolean dryRun) {
        String apiVersion = String.valueOf(Json.text(object, "apiVersion"));
        String namespace = Json.text(object.path("metadata"), "namespace");
        ObjectNode review = Json.JSON.createObjectNode();
        review.put("apiVersion", AdmissionResponse.API_VERSION).put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", uid);
        request.putObject("kind").put("group", group(object))
                .put("version", apiVersion.substring(apiVersion.indexOf('/') + 1))
                .put("kind", Json.text(object, "kind"));
        request.put("namespace", namespace == null || namespace.isBlank() ? defaultNamespace : namespace);
        request.put("operation", "CREATE");
        request.set("object", object);
        request.put("dryRun", dryRun);
        return review;
    }
}
