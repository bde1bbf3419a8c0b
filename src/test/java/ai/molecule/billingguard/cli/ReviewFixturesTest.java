package ai.molecule.billingguard.cli;

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
import java.util.stream.Stream;

import static ai.molecule.billingguard.cli.ReviewCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code review --secrets facts.yaml -o json request.yaml} prints exactly what {@code /mutate}
 * answers, for every fixture that is an AdmissionReview (the way held-back cases are run).
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("admissionReviewCases")
    void the_cli_prints_exactly_the_mutate_answer(String name) throws IOException {
        Path dir = ROOT.resolve(name);
        JsonNode review = Json.documents(Files.readString(dir.resolve("request.yaml"))).get(0);
        Path configFile = dir.resolve("config.yaml");
        PolicyConfig config = Files.exists(configFile)
                ? ConfigLoader.load(Map.of(), Optional.of(configFile), Map.of()).policy() : CONFIG;
        ReviewHandler handler = new ReviewHandler(new PodPolicy(config), LocalFacts.load(dir.resolve("facts.yaml"), config));
        JsonNode expected = handler.review(review, ReviewHandler.Endpoint.MUTATE).response().toReview();

        List<String> args = new ArrayList<>(List.of("review", "--secrets", dir.resolve("facts.yaml").toString(), "-o", "json"));
        if (Files.exists(configFile)) {
            args.addAll(List.of("--config", configFile.toString()));
        }
        args.add(dir.resolve("request.yaml").toString());
        ReviewCommandTest.Run cli = run(args.toArray(String[]::new));

        assertThat(cli.err()).isEmpty();
        assertThat(cli.exit()).isEqualTo(expected.at("/response/allowed").booleanValue() ? 0 : 3);
        assertThat(Json.JSON.readTree(cli.out())).isEqualTo(expected);
    }
}
