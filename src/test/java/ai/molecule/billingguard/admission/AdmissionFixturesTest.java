package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodPolicy;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every folder under {@code src/test/resources/admission/} as one case: {@code request.yaml}
 * (an AdmissionReview, or an object sent as its CREATE), {@code facts.yaml}, optional
 * {@code failure.yaml}, optional {@code config.yaml} (merged over the defaults), and {@code expected.yaml}. Besides what a case expects, every case must
 * hold the policy's invariants (docs/policy.md): apiVersion, kind and uid in the answer; only add/remove/replace; the
 * patch applies and gives the handler's patched object; reviewing the patched object again gives an
 * empty patch; a dry run gets the identical answer; no secret value leaks into the answer.
 */
class AdmissionFixturesTest {
    static final Path ROOT = Path.of("src/test/resources/admission");
    static final PolicyConfig CONFIG = ConfigLoader.defaults().policy();

    /** The case's {@code config.yaml} over the defaults, when it has one (trusted creators, limits). */
    static PolicyConfig config(Path dir) {
        Path file = dir.resolve("config.yaml");
        return Files.exists(file) ? ConfigLoader.load(Map.of(), Optional.of(file), Map.of()).policy() : CONFIG;
    }

    static Stream<String> cases() throws IOException {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void each_case_gets_the_expected_answer_and_keeps_the_invariants(String name) throws IOException {
        Path dir = ROOT.resolve(name);
        JsonNode expected = Json.documents(Files.readString(dir.resolve("expected.yaml"))).get(0);
        JsonNode review = FixtureRequests.load(dir.resolve("request.yaml"));
        ReviewHandler.Endpoint endpoint = "validate".equals(Json.text(expected, "endpoint"))
                ? ReviewHandler.Endpoint.VALIDATE : ReviewHandler.Endpoint.MUTATE;
        PolicyConfig config = config(dir);
        ReviewHandler handler = new ReviewHandler(new PodPolicy(config), new FixtureFacts(dir, config));

        ReviewOutcome outcome = handler.review(review, endpoint);
        ObjectNode answer = outcome.response().toReview();
        JsonNode response = answer.get("response");
        assertThat(answer.get("apiVersion").stringValue()).isEqualTo("admission.k8s.io/v1");
        assertThat(answer.get("kind").stringValue()).isEqualTo("AdmissionReview");
        assertThat(response.get("uid").stringValue()).isEqualTo(review.at("/request/uid").stringValue());

        JsonNode patch = decodedPatch(response);
        Expectations.check(expected, response, patch, outcome.patched());

        for (JsonNode op : patch) {
            assertThat(op.get("op").stringValue()).isIn("add", "remove", "replace");
        }
        assertRemovalsDescend(patch);
        JsonNode object = review.at("/request/object");
        if (!patch.isEmpty()) {
            JsonNode applied = JsonPatch.apply(patch, object);
            assertThat(applied).as("patch applied with zjsonpatch").isEqualTo(outcome.patched());
            ObjectNode again = (ObjectNode) review.deepCopy();
            ((ObjectNode) again.get("request")).set("object", applied);
            ReviewOutcome second = handler.review(again, endpoint);
            assertThat(decodedPatch(second.response().toReview().get("response")))
                    .as("reviewing the patched object again").isEmpty();
            assertThat(second.response().allowed()).isEqualTo(outcome.response().allowed());
            assertThat(handler.review(again, ReviewHandler.Endpoint.VALIDATE).response().allowed())
                    .as("the patched pod passes the final-state check").isTrue();
        }

        ObjectNode dryRun = (ObjectNode) review.deepCopy();
        ((ObjectNode) dryRun.get("request")).put("dryRun", !review.at("/request/dryRun").asBoolean(false));
        assertThat(handler.review(dryRun, endpoint).response().toReview()).as("dry run answers alike").isEqualTo(answer);

        String text = answer.toString() + new String(Base64.getDecoder().decode(
                response.path("patch").asString("")), StandardCharsets.UTF_8);
        for (String secretValue : secretValues(dir)) {
            assertThat(text).as("answer never carries a secret value").doesNotContain(secretValue);
        }
    }

    static JsonNode decodedPatch(JsonNode response) {
        if (!response.has("patch")) {
            return Json.JSON.createArrayNode();
        }
        assertThat(response.get("patchType").stringValue()).isEqualTo("JSONPatch");
        return Json.JSON.readTree(Base64.getDecoder().decode(response.get("patch").stringValue()));
    }

    /** Removals within one array come later indices first (docs/policy.md, "Surgical patches"). */
    private static void assertRemovalsDescend(JsonNode patch) {
        List<String> removed = new ArrayList<>();
        for (JsonNode op : patch) {
            if (op.get("op").stringValue().equals("remove")) {
                String path = op.get("path").stringValue();
                String array = path.substring(0, path.lastIndexOf('/'));
                String last = path.substring(path.lastIndexOf('/') + 1);
                for (String earlier : removed) {
                    String earlierArray = earlier.substring(0, earlier.lastIndexOf('/'));
                    if (earlierArray.equals(array) && last.chars().allMatch(Character::isDigit)) {
                        assertThat(Integer.parseInt(earlier.substring(earlier.lastIndexOf('/') + 1)))
                                .as("removal order in " + array).isGreaterThan(Integer.parseInt(last));
                    }
                }
                removed.add(path);
            }
        }
    }

    /** Every credential-looking value of the case's secrets (decoded), to prove none leaks. */
    private static List<String> secretValues(Path dir) throws IOException {
        List<String> values = new ArrayList<>();
        Path facts = dir.resolve("facts.yaml");
        if (!Files.exists(facts)) {
            return values;
        }
        for (JsonNode doc : Json.documents(Files.readString(facts))) {
            for (Map.Entry<String, JsonNode> e : doc.path("stringData").properties()) {
                if (e.getValue().asString().startsWith("sk-")) {
                    values.add(e.getValue().asString());
                }
            }
        }
        return values;
    }
}
