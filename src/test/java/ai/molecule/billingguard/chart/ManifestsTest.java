package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.json.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code manifests/<mode>/} is the chart rendered for plain {@code kubectl apply}, one folder per certificate
 * mode, files numbered in apply order. This test renders them afresh and fails when a file differs.
 * Regenerate with: {@code mvn -B -q test -Dtest=ManifestsTest -Dmanifests.write=true}.
 */
class ManifestsTest {
    static final Path ROOT = Path.of("manifests");
    /** What an existingSecret user replaces with the caBundle `certs/make-certs.sh` prints. */
    static final String CA_PLACEHOLDER = Base64.getEncoder().encodeToString(
            "REPLACE WITH THE caBundle PRINTED BY certs/make-certs.sh".getBytes(StandardCharsets.UTF_8));
    static final Map<String, Map<String, Object>> MODES = Map.of(
            "self-managed", Map.of(),
            "cert-manager", Map.of("tls.mode", "certManager"),
            "existing-secret", Map.of("tls.mode", "existingSecret", "tls.existingSecret.name", "billing-guard-tls",
                    "tls.existingSecret.caBundle", CA_PLACEHOLDER));
    /** Files in apply order and the kinds each holds. */
    static final Map<String, List<String>> FILES = files();

    private static Map<String, List<String>> files() {
        Map<String, List<String>> files = new LinkedHashMap<>();
        files.put("01-rbac.yaml", List.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"));
        files.put("02-config.yaml", List.of("ConfigMap"));
        files.put("03-certificates.yaml", List.of("Issuer", "Certificate"));
        files.put("04-deployment.yaml", List.of("Service", "Deployment", "PodDisruptionBudget", "NetworkPolicy"));
        files.put("05-webhooks.yaml", List.of("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"));
        files.put("06-backstop.yaml", List.of("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"));
        return files;
    }

    @ParameterizedTest
    @ValueSource(strings = {"self-managed", "cert-manager", "existing-secret"})
    void the_manifests_equal_a_fresh_render_of_the_chart(String mode) throws IOException {
        Map<String, String> expected = render(mode);
        Path dir = ROOT.resolve(mode);
        if (Boolean.getBoolean("manifests.write")) {
            Files.createDirectories(dir);
            try (Stream<Path> old = Files.list(dir)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
            for (Map.Entry<String, String> file : expected.entrySet()) {
                Files.writeString(dir.resolve(file.getKey()), file.getValue());
            }
        }
        try (Stream<Path> present = Files.list(dir)) {
            assertThat(present.map(p -> p.getFileName().toString()).sorted().toList())
                    .as("files in " + dir + " (regenerate: mvn -B -q test -Dtest=ManifestsTest -Dmanifests.write=true)")
                    .containsExactlyElementsOf(expected.keySet());
        }
        for (Map.Entry<String, String> file : expected.entrySet()) {
            assertThat(Files.readString(dir.resolve(file.getKey())))
                    .as(dir.resolve(file.getKey()) + " differs from the chart (regenerate: mvn -B -q test -Dtest=ManifestsTest -Dmanifests.write=true)")
                    .isEqualTo(file.getValue());
        }
    }

    /** The files of one mode: a Namespace, then the chart's objects by kind in apply order (no helm test hook). */
    static Map<String, String> render(String mode) {
        Map<String, Object> set = MODES.get(mode);
        Chart.Rendered rendered = Chart.render(Optional.empty(), set, Chart.KUBE_VERSION);
        String command = "helm template " + Chart.RELEASE + " helm/billing-guard --namespace " + Chart.NAMESPACE
                + " --kube-version " + Chart.KUBE_VERSION.substring(1)
                + new TreeMap<>(set).entrySet().stream().map(e -> " --set " + e.getKey() + "=" + e.getValue()).reduce("", String::concat);
        String header = "# Generated from the Helm chart: do not edit. Made by ManifestsTest as\n#   " + command
                + "\n# Regenerate: mvn -B -q test -Dtest=ManifestsTest -Dmanifests.write=true\n";
        Map<String, StringBuilder> files = new TreeMap<>();
        files.put("00-namespace.yaml", new StringBuilder("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "
                + Chart.NAMESPACE + "\n"));
        for (String doc : rendered.yaml().split("(?m)^---\\s*$")) {
            List<JsonNode> parsed = Json.documents(doc);
            if (parsed.isEmpty() || parsed.get(0) == null || !parsed.get(0).isObject()) {
                continue;
            }
            JsonNode object = parsed.get(0);
            if (object.at("/metadata/annotations").has("helm.sh/hook")) {
                continue;
            }
            String kind = Json.text(object, "kind");
            String file = FILES.entrySet().stream().filter(e -> e.getValue().contains(kind)).map(Map.Entry::getKey)
                    .findFirst().orElseThrow(() -> new AssertionError("no manifest file for kind " + kind));
            StringBuilder text = files.computeIfAbsent(file, f -> new StringBuilder());
            text.append(text.isEmpty() ? "" : "---\n").append(doc.strip()).append('\n');
        }
        Map<String, String> out = new LinkedHashMap<>();
        files.forEach((name, text) -> out.put(name, header + "---\n" + text));
        return out;
    }
}
