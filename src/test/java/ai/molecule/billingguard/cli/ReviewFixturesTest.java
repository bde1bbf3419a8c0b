package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.admission.AdmissionResponse;
import ai.molecule.billingguard.admission.AdmissionReviews;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static ai.molecule.billingguard.cli.ReviewCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code review --secrets facts.yaml -o json request.yaml} prints exactly what {@code /mutate}
 * answers, for every fixture that is an AdmissionReview (the way held-back cases are run); for a
 * fixture that is an object, it gives the verdict and the patch {@code /mutate} gives its CREATE.
 */
class ReviewFixturesTest {
    static final Path ROOT = Path.of("src/test/resources/admission");
    static final PolicyConfig CONFIG = ConfigLoader.defaults().policy();

    static Stream<String> admissionReviewCases() throws IOException {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            return dirs.filter(d -> !Files.exists(d.resolve("failure.yaml")))
                    .filter(d -> {
                        try {
                            return Files.readString(d.resolve("request.yaml")).contains("kind: AdmissionReview");
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    static Stream<String> objectCases() throws IOException {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            Set<String> reviews = admissionReviewCases().collect(Collectors.toSet());
            return dirs.filter(d -> !Files.exists(d.resolve("failure.yaml")))
                    .map(d -> d.getFileName().toString()).filter(n -> !reviews.contains(n)).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objectCases")
    void an_object_gets_the_verdict_and_patch_of_its_create(String name) throws IOException {
        Path dir = ROOT.resolve(name);
        Path facts = dir.resolve("facts.yaml");
        JsonNode object = Json.documents(Files.readString(dir.resolve("request.yaml"))).get(0);
        PolicyConfig config = config(dir);
        ReviewHandler handler = new ReviewHandler(new PodPolicy(config),
                Files.exists(facts) ? LocalFacts.load(facts, config) : LocalFacts.empty());
        AdmissionResponse expected = handler.review(AdmissionReviews.wrap(object, "team-a", "uid", false),
                ReviewHandler.Endpoint.MUTATE).response();

        ReviewCommandTest.Run cli = run(args(dir, "-n", "team-a"));

        assertThat(cli.exit()).isEqualTo(expected.allowed() ? 0 : 3);
        JsonNode summary = Json.JSON.readTree(cli.out());
        assertThat(summary.get("kind").stringValue()).isEqualTo(Json.text(object, "kind"));
        assertThat(summary.get("allowed").booleanValue()).isEqualTo(expected.allowed());
        assertThat(summary.get("patch")).isEqualTo(expected.patchOrEmpty());
        assertThat(summary.get("warnings")).containsExactlyElementsOf(expected.warnings().stream()
                .map(w -> (JsonNode) Json.JSON.getNodeFactory().stringNode(w)).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("admissionReviewCases")
    void the_cli_prints_exactly_the_mutate_answer(String name) throws IOException {
        Path dir = ROOT.resolve(name);
        JsonNode review = Json.documents(Files.readString(dir.resolve("request.yaml"))).get(0);
        PolicyConfig config = config(dir);
        ReviewHandler handler = new ReviewHandler(new PodPolicy(config), LocalFacts.load(dir.resolve("facts.yaml"), config));
        JsonNode expected = handler.review(review, ReviewHandler.Endpoint.MUTATE).response().toReview();

        ReviewCommandTest.Run cli = run(args(dir));

        assertThat(cli.err()).isEmpty();
        assertThat(cli.exit()).isEqualTo(expected.at("/response/allowed").booleanValue() ? 0 : 3);
        assertThat(Json.JSON.readTree(cli.out())).isEqualTo(expected);
    }

    /** The case's {@code config.yaml} over the defaults, when it has one. */
    private static PolicyConfig config(Path dir) {
        Path file = dir.resolve("config.yaml");
        return Files.exists(file) ? ConfigLoader.load(Map.of(), Optional.of(file), Map.of()).policy() : CONFIG;
    }

    /** {@code review -o json} of the case's request, with its facts and config when it has them. */
    private static String[] args(Path dir, String... extra) {
        List<String> args = new ArrayList<>(List.of("review", "-o", "json"));
        args.addAll(List.of(extra));
        if (Files.exists(dir.resolve("facts.yaml"))) {
            args.addAll(List.of("--secrets", dir.resolve("facts.yaml").toString()));
        }
        if (Files.exists(dir.resolve("config.yaml"))) {
            args.addAll(List.of("--config", dir.resolve("config.yaml").toString()));
        }
        args.add(dir.resolve("request.yaml").toString());
        return args.toArray(String[]::new);
    }
}
