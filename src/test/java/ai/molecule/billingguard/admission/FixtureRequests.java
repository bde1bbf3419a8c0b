package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a fixture request: an AdmissionReview as is, or an object wrapped as kube-apiserver sends its CREATE. */
final class FixtureRequests {
    private FixtureRequests() {
    }

    static JsonNode load(Path file) throws IOException {
        JsonNode doc = Json.documents(Files.readString(file)).get(0);
        if ("AdmissionReview".equals(Json.text(doc, "kind"))) {
            return doc;
        }
        String apiVersion = Json.text(doc, "apiVersion");
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        ObjectNode review = Json.JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1")
                .put("kind", "AdmissionReview");
        ObjectNode request = review.putObject("request");
        request.put("uid", "uid-" + file.getParent().getFileName());
        request.putObject("kind").put("group", group).put("version", "v1").put("kind", Json.text(doc, "kind"));
        request.put("namespace", doc.path("metadata").path("namespace").asString("team-a"));
        request.put("operation", "CREATE");
        request.set("object", doc);
        request.put("dryRun", false);
        return review;
    }
}
