package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration the chart hands the binary: config.yaml and the catalog files taken out of the rendered
 * ConfigMap and loaded by the real ConfigLoader (which refuses unknown keys and bad values), for the defaults
 * and every ci values file; the files sit where the Deployment mounts them; the chart's defaults and catalog
 * are the binary's own.
 */
class ChartConfigTest {
    static final String DIR = "/etc/billing-guard";
    /** Keys the chart derives from other values (tls, watchNamespaces, catalog, backstop.modes). */
    static final Set<String> CHART_OWNED = Set.of("server.tlsCert", "server.tlsKey", "facts.watchNamespaces",
            "catalog.file", "catalog.extraFile", "selfManaged.enabled", "selfManaged.namespace", "selfManaged.secretName",
            "selfManaged.service", "selfManaged.mutatingWebhook", "selfManaged.validatingWebhook",
            "selfManaged.validityDays", "selfManaged.renewBeforeDays", "modes.publish", "modes.configMapName");
    /** Keys of other commands (review, certs, audit's own output) and of the dev server: not the webhook's. */
    static final Set<String> NOT_FOR_THE_WEBHOOK = Set.of("server.dev", "facts.secrets", "facts.kubeconfig",
            "review.output", "review.namespace", "audit.output", "certs.service", "certs.namespace", "certs.out",
            "certs.days", "certs.force");

    static Stream<String> valueSets() {
        return ChartTest.valueSets();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueSets")
    void the_rendered_configuration_loads_in_the_binary(String set, @TempDir Path tmp) throws IOException {
        Chart.Rendered r = ChartTest.render(set);
        Map<String, String> files = r.configFiles();
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(tmp.resolve(file.getKey()), file.getValue().replace(DIR + "/", tmp + "/"));
        }
        Files.createDirectories(tmp.resolve("tls"));
        Files.writeString(tmp.resolve("tls/tls.crt"), "mounted from the TLS Secret");
        Files.writeString(tmp.resolve("tls/tls.key"), "mounted from the TLS Secret");

        Config config = ConfigLoader.load(Map.of(), Optional.of(tmp.resolve("config.yaml")), Map.of());

        JsonNode values = ChartTest.effectiveValues(set);
        String mode = values.at("/tls/mode").asString();
        assertThat(config.server().tlsCert().isPresent()).isEqualTo(!mode.equals("selfManaged"));
        assertThat(config.selfManaged().enabled()).isEqualTo(mode.equals("selfManaged"));
        assertThat(config.selfManaged().namespace()).as("the binary uses POD_NAMESPACE").isEmpty();
        assertThat(config.selfManaged().service()).isEqualTo(r.one("Service").at("/metadata/name").asString());
        assertThat(config.selfManaged().mutatingWebhook()).isEqualTo(r.one("MutatingWebhookConfiguration").at("/metadata/name").asString());
        assertThat(config.selfManaged().validatingWebhook()).isEqualTo(r.one("ValidatingWebhookConfiguration").at("/metadata/name").asString());
        assertThat(config.cluster().watchNamespaces()).containsExactlyElementsOf(ChartTest.strings(values.path("watchNamespaces")));
        assertThat(config.audit().interval().toSeconds()).isEqualTo(values.at("/config/audit/intervalSeconds").asLong());
        assertThat(config.policy().trustedCreators())
                .containsExactlyElementsOf(ChartTest.strings(values.at("/config/trust/workspacePodCreators")));
        assertThat(config.policy().platformSecretNames())
                .containsExactlyElementsOf(ChartTest.strings(values.at("/config/platformCredentials/secretNames")));
        assertThat(config.modes().configMapName()).isEqualTo(values.at("/backstop/modes/configMapName").asString());
        for (String name : values.at("/catalog/extraProviders").valueStream().map(p -> p.path("name").asString()).toList()) {
            assertThat(config.policy().catalog().find(name)).as("extra provider " + name).isPresent();
        }
        assertMountedWhereConfigured(r, files, config, tmp);
    }

    @Test
    void the_chart_ships_the_built_in_catalog_unchanged() throws IOException {
        String builtIn = Files.readString(Path.of("src/main/resources/catalog.yaml"));
        assertThat(Files.readString(Chart.DIR.resolve("files/catalog.yaml"))).isEqualTo(builtIn);
        assertThat(Json.documents(Chart.defaults().configFiles().get("catalog.yaml")).get(0))
                .isEqualTo(Json.documents(builtIn).get(0));
    }

    @Test
    void every_config_key_has_a_chart_value_with_the_binarys_default_or_is_set_by_the_chart() throws IOException {
        JsonNode defaults = Json.documents(Files.readString(Path.of("src/main/resources/default-config.yaml"))).get(0);
        JsonNode chartConfig = ChartTest.effectiveValues("defaults").path("config");
        JsonNode rendered = Json.documents(Chart.defaults().configFiles().get("config.yaml")).get(0);
        for (String key : leaves(defaults, "")) {
            JsonNode binaryDefault = defaults.at(pointer(key));
            if (CHART_OWNED.contains(key)) {
                assertThat(chartConfig.at(pointer(key)).isMissingNode()).as(key + " is set by the chart, not a config value").isTrue();
                assertThat(rendered.at(pointer(key)).isMissingNode()).as(key + " rendered").isFalse();
            } else if (NOT_FOR_THE_WEBHOOK.contains(key)) {
                assertThat(rendered.at(pointer(key)).isMissingNode()).as(key + " is not the webhook's").isTrue();
            } else {
                assertThat(chartConfig.at(pointer(key))).as("values.yaml config." + key).isEqualTo(binaryDefault);
            }
        }
        assertThat(leaves(rendered, "")).allSatisfy(key -> assertThat(defaults.at(pointer(key)).isMissingNode())
                .as("rendered key " + key + " exists in the binary").isFalse());
    }

    private static void assertMountedWhereConfigured(Chart.Rendered r, Map<String, String> files, Config config, Path tmp) {
        JsonNode pod = r.one("Deployment").at("/spec/template/spec");
        JsonNode mount = pod.at("/containers/0/volumeMounts").valueStream()
                .filter(m -> m.path("name").asString().equals("config")).findFirst().orElseThrow();
        assertThat(mount.path("mountPath").asString()).isEqualTo(DIR);
        JsonNode sources = pod.path("volumes").valueStream().filter(v -> v.path("name").asString().equals("config"))
                .findFirst().orElseThrow().at("/projected/sources");
        assertThat(sources.get(0).at("/configMap/name").asString()).isEqualTo(r.one("ConfigMap").at("/metadata/name").asString());
        String catalogFile = tmp.relativize(Path.of(Json.documents(files.get("config.yaml").replace(DIR + "/", tmp + "/"))
                .get(0).at("/catalog/file").asString())).toString();
        assertThat(files).containsKey(catalogFile);
        List<String> tlsPaths = new ArrayList<>();
        sources.valueStream().filter(s -> s.has("secret")).forEach(s -> s.at("/secret/items").forEach(i -> tlsPaths.add(i.path("path").asString())));
        config.server().tlsCert().ifPresentOrElse(
                cert -> assertThat(tlsPaths).containsExactly(tmp.relativize(cert).toString(),
                        tmp.relativize(config.server().tlsKey().orElseThrow()).toString()),
                () -> assertThat(tlsPaths).isEmpty());
    }

    private static List<String> leaves(JsonNode node, String prefix) {
        List<String> keys = new ArrayList<>();
        node.properties().forEach(e -> {
            if (e.getValue().isObject()) {
                keys.addAll(leaves(e.getValue(), prefix + e.getKey() + "."));
            } else {
                keys.add(prefix + e.getKey());
            }
        });
        return keys;
    }

    private static String pointer(String key) {
        return "/" + key.replace(".", "/");
    }
}
