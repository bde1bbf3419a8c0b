package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a fixture request: an AdmissionReview as is, or an object wrapped as kube-apiserver sends its CREATE. */
final class FixtureRequests {
    /** Where a fixture object that names no namespace is created. */
    private static final String NAMESPACE = "team-a";

    private FixtureRequests() {
    }

    static JsonNode load(Path file) throws IOException {
        JsonNode doc = Json.documents(Files.readString(file)).get(0);
        if ("AdmissionReview".equals(Json.text(doc, "kind"))) {
            return doc;
        }
        return AdmissionReviews.wrap(doc, NAMESPACE, "uid-" + file.getParent().getFileName(), false);
    }
}
