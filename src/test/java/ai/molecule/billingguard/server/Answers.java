package ai.molecule.billingguard.server;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

/** Checks an answer body the way kube-apiserver reads it, for load tests and the harness. */
public final class Answers {
    private Answers() {
    }

    /**
     * @return null when the body is an AdmissionReview v1 answering {@code uid} with the expected
     *         verdict and audit {@code mode}; otherwise what is wrong with it
     */
    public static String problem(String uid, String body, boolean allowed, String mode) {
        JsonNode review;
        try {
            review = Json.JSON.readTree(body);
        } catch (RuntimeException e) {
            return "not JSON: " + body;
        }
        JsonNode response = review.path("response");
        if (!"admission.k8s.io/v1".equals(review.path("apiVersion").asString(""))
                || !"AdmissionReview".equals(review.path("kind").asString(""))) {
            return "not an AdmissionReview v1: " + body;
        }
        if (!uid.equals(response.path("uid").asString(""))) {
            return "uid " + response.path("uid") + " instead of " + uid;
        }
        if (response.path("allowed").asBoolean(!allowed) != allowed) {
            return "allowed=" + !allowed + ": " + body;
        }
        String actualMode = response.path("auditAnnotations").path("mode").asString("");
        return actualMode.equals(mode) ? null : "mode " + actualMode + " instead of " + mode;
    }
}
