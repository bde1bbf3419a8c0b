package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.json.Json;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The chart in {@code helm/billing-guard}, rendered by real Helm (helm-java's native library) the way
 * {@code helm template} would, and the rendered objects as JSON trees.
 */
final class Chart {
    static final Path DIR = Path.of("helm/billing-guard");
    static final String RELEASE = "billing-guard";
    static final String NAMESPACE = "molecule-system";
    /** Helm's offline default is old (1.20); the chart's CEL parts need 1.30+. */
    static final String KUBE_VERSION = "v1.31.0";

    private Chart() {
    }

    /** The values files under {@code ci/}, by file name. */
    static List<Path> ciValues() {
        try (Stream<Path> files = Files.list(DIR.resolve("ci"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-values.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Renders with the given values file (none for the defaults) and {@code --set} pairs. */
    static Rendered render(Optional<Path> values, Map<String, Object> set, String kubeVersion) {
        TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(kubeVersion);
        values.ifPresent(template::withValuesFile);
        set.forEach(template::set);
        return new Rendered(template.call());
    }

    static Rendered render(Optional<Path> values) {
        return render(values, Map.of(), KUBE_VERSION);
    }

    static Rendered defaults() {
        return render(Optional.empty());
    }

    /** Renders expecting Helm to refuse; returns its message. */
    static String failure(Optional<Path> values, Map<String, Object> set) {
        try {
            render(values, set, KUBE_VERSION);
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        throw new AssertionError("the chart rendered, but should have refused " + set);
    }

    /** The objects of one render, in order. */
    record Rendered(String yaml, List<JsonNode> objects) {
        Rendered(String yaml) {
            this(yaml, parse(yaml));
        }

        private static List<JsonNode> parse(String yaml) {
            List<JsonNode> objects = new ArrayList<>();
            for (JsonNode doc : Json.documents(yaml)) {
                if (doc != null && doc.isObject() && !doc.isEmpty()) {
                    objects.add(doc);
                }
            }
            return objects;
        }

        List<JsonNode> ofKind(String kind) {
            return objects.stream().filter(o -> kind.equals(Json.text(o, "kind"))).toList();
        }

        JsonNode one(String kind) {
            List<JsonNode> found = ofKind(kind);
            if (found.size() != 1) {
                throw new AssertionError("expected one " + kind + ", found " + found.size());
            }
            return found.get(0);
        }

        Optional<JsonNode> named(String kind, String name) {
            return ofKind(kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asString())).findFirst();
        }

        /** The data of the chart's own ConfigMap (config.yaml, catalog.yaml, ...). */
        Map<String, String> configFiles() {
            Map<String, String> files = new LinkedHashMap<>();
            named("ConfigMap", RELEASE).orElseThrow().path("data").properties()
                    .forEach(e -> files.put(e.getKey(), e.getValue().asString()));
            return files;
        }
    }
}
