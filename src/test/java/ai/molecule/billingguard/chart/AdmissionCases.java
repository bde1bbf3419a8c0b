package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.SecretLabels;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The core's admission fixture cases ({@code src/test/resources/admission/<case>/}), read the way the
 * admission fixture test reads them: {@code request.yaml} (an AdmissionReview, or an object sent as its
 * CREATE), {@code facts.yaml}, and optional {@code failure.yaml} turning lookups into API errors. The folder
 * is listed afresh on each run, so new cases are covered without touching the chart tests.
 */
final class AdmissionCases {
    static final Path ROOT = Path.of("src/test/resources/admission");

    private AdmissionCases() {
    }

    static List<String> names() {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One case: its AdmissionReview and the documents of its facts.yaml. */
    record Case(Path dir, JsonNode review, List<JsonNode> factDocs) {
        static Case load(String name) {
            Path dir = ROOT.resolve(name);
            try {
                Path facts = dir.resolve("facts.yaml");
                List<JsonNode> docs = Files.exists(facts) ? Json.documents(Files.readString(facts)) : List.of();
                return new Case(dir, AdmissionCases.review(dir.resolve("request.yaml")), docs.stream().filter(d -> d != null).toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        JsonNode request() {
            return review.path("request");
        }

        String namespace() {
            return request().path("namespace").asString();
        }

        boolean isPod() {
            JsonNode kind = request().path("kind");
            return kind.path("group").asString("").isEmpty() && "Pod".equals(kind.path("kind").asString())
                    && request().path("object").isObject();
        }

        /** The case's Namespace object, or one carrying only the guard label (the webhook guards it either way). */
        JsonNode namespaceObject(String guardLabel, String guardValue) {
            for (JsonNode doc : factDocs) {
                if ("Namespace".equals(Json.text(doc, "kind")) && namespace().equals(doc.path("metadata").path("name").asString())) {
                    return doc;
                }
            }
            ObjectNode ns = Json.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace");
            ObjectNode metadata = ns.putObject("metadata").put("name", namespace());
            metadata.putObject("labels").put("kubernetes.io/metadata.name", namespace()).put(guardLabel, guardValue);
            return ns;
        }

        /**
         * The facts as the webhook sees them.
         *
         * @param nameOnly true: platform credential secrets known only by their scope label are not known (the
         *                 backstop can see only configured names)
         */
        FactsSource facts(PolicyConfig config, boolean nameOnly) {
            Path factsFile = dir.resolve("facts.yaml");
            FactsSource local = Files.exists(factsFile) ? LocalFacts.load(factsFile, config) : LocalFacts.empty();
            JsonNode failure = Json.JSON.createObjectNode();
            try {
                if (Files.exists(dir.resolve("failure.yaml"))) {
                    failure = Json.documents(Files.readString(dir.resolve("failure.yaml"))).get(0);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String secret = Json.text(failure, "secret");
            String namespace = Json.text(failure, "namespace");
            String list = Json.text(failure, "platformList");
            return (ns, secretName, refs) -> {
                Facts base = local.facts(ns, secretName, refs);
                Lookup<Map<String, SecretLabels>> labelled = list != null && !refs.isEmpty()
                        ? Lookup.failed("labelled secrets in " + ns, list)
                        : nameOnly ? Lookup.found(Map.of()) : base.referencedSecrets();
                return new Facts(secret != null && secretName != null ? Lookup.failed("Secret " + secretName, secret)
                        : base.workspaceSecret(),
                        namespace != null ? Lookup.failed("Namespace " + ns, namespace) : base.namespace(), labelled);
            };
        }
    }

    /** An AdmissionReview as is, or an object wrapped as kube-apiserver sends its CREATE. */
    static JsonNode review(Path file) throws IOException {
        JsonNode doc = Json.documents(Files.readString(file)).get(0);
        if ("AdmissionReview".equals(Json.text(doc, "kind"))) {
            return doc;
        }
        String apiVersion = Json.text(doc, "apiVersion");
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        ObjectNode review = Json.JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
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
