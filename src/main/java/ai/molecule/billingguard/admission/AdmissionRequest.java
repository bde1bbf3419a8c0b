package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.config.Yaml;
import tools.jackson.databind.JsonNode;

/**
 * The parts of an AdmissionReview v1 request billing-guard reads, taken from the tree where they lie.
 *
 * @param namespace {@code request.namespace}, else the object's {@code metadata.namespace}
 * @param name      the object's name, else its {@code generateName}, else {@code request.name}
 */
public record AdmissionRequest(String uid, String group, String kind, String subResource, String operation,
                               String namespace, String name, JsonNode object, JsonNode oldObject, boolean dryRun) {

    /** Reads {@code review.request}; throws {@link BadReviewException} when it cannot be answered at all. */
    public static AdmissionRequest parse(JsonNode review) {
        if (review == null || !review.isObject()) {
            throw new BadReviewException("not an AdmissionReview: expected a JSON object");
        }
        String kind = Yaml.text(review, "kind");
        if (kind != null && !kind.equals("AdmissionReview")) {
            throw new BadReviewException("not an AdmissionReview: kind is " + kind);
        }
        JsonNode request = review.get("request");
        if (request == null || !request.isObject()) {
            throw new BadReviewException("AdmissionReview has no request");
        }
        String uid = Yaml.text(request, "uid");
        if (uid == null || uid.isBlank()) {
            throw new BadReviewException("AdmissionReview request has no uid");
        }
        JsonNode object = request.path("object");
        JsonNode metadata = object.path("metadata");
        String namespace = firstNonBlank(Yaml.text(request, "namespace"), Yaml.text(metadata, "namespace"), "");
        String name = firstNonBlank(Yaml.text(metadata, "name"), Yaml.text(metadata, "generateName"),
                Yaml.text(request, "name"), "");
        return new AdmissionRequest(uid, firstNonBlank(Yaml.text(request.path("kind"), "group"), ""),
                firstNonBlank(Yaml.text(request.path("kind"), "kind"), ""),
                firstNonBlank(Yaml.text(request, "subResource"), ""),
                firstNonBlank(Yaml.text(request, "operation"), ""), namespace, name,
                object.isObject() ? object : null,
                request.path("oldObject").isObject() ? request.get("oldObject") : null,
                request.path("dryRun").asBoolean(false));
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "";
    }
}
