package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Creator;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an AdmissionReview v1 request billing-guard reads, taken from the tree where they lie.
 *
 * @param namespace {@code request.namespace}, else the object's {@code metadata.namespace}
 * @param name      the object's name, else its {@code generateName}, else {@code request.name}
 * @param creator   {@code request.userInfo}: who asks
 */
public record AdmissionRequest(String uid, String group, String kind, String subResource, String operation,
                               String namespace, String name, JsonNode object, JsonNode oldObject, boolean dryRun,
                               Creator creator) {

    /** Reads {@code review.request}; throws {@link BadReviewException} when it cannot be answered at all. */
    public static AdmissionRequest parse(JsonNode review) {
        if (review == null || !review.isObject()) {
            throw new BadReviewException("not an AdmissionReview: expected a JSON object");
        }
        String kind = Json.text(review, "kind");
        if (kind != null && !kind.equals("AdmissionReview")) {
            throw new BadReviewException("not an AdmissionReview: kind is " + kind);
        }
        JsonNode request = review.get("request");
        if (request == null || !request.isObject()) {
            throw new BadReviewException("AdmissionReview has no request");
        }
        String uid = Json.text(request, "uid");
        if (uid == null || uid.isBlank()) {
            throw new BadReviewException("AdmissionReview request has no uid");
        }
        JsonNode object = request.path("object");
        JsonNode metadata = object.path("metadata");
        String namespace = firstNonBlank(Json.text(request, "namespace"), Json.text(metadata, "namespace"), "");
        String name = firstNonBlank(Json.text(metadata, "name"), Json.text(metadata, "generateName"),
                Json.text(request, "name"), "");
        return new AdmissionRequest(uid, firstNonBlank(Json.text(request.path("kind"), "group"), ""),
                firstNonBlank(Json.text(request.path("kind"), "kind"), ""),
                firstNonBlank(Json.text(request, "subResource"), ""),
                firstNonBlank(Json.text(request, "operation"), ""), namespace, name,
                object.isObject() ? object : null,
                request.path("oldObject").isObject() ? request.get("oldObject") : null,
                request.path("dryRun").asBoolean(false), creator(request.path("userInfo")));
    }

    private static Creator creator(JsonNode userInfo) {
        List<String> groups = new ArrayList<>();
        userInfo.path("groups").forEach(g -> {
            if (g.isString()) {
                groups.add(g.stringValue());
            }
        });
        String username = Json.text(userInfo, "username");
        return username == null && groups.isEmpty() ? Creator.UNKNOWN : new Creator(username == null ? "" : username, groups);
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
