package ai.molecule.billingguard.chart;

import ai.molecule.billingguard.json.Json;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

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
 * The chart through real Helm: strict lint and template for the defaults and every {@code ci/*-values.yaml},
 * the webhook contract, least-privilege RBAC, version gates, and render-time refusals of contradictory values.
 */
class ChartTest {
    static final Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete", "deletecollection", "*");

    /** "defaults" and each ci values file. */
    static Stream<String> valueSets() {
        return Stream.concat(Stream.of("defaults"), Chart.ciValues().stream().map(p -> p.getFileName().toString()));
    }

    static Optional<Path> valuesFile(String set) {
        return set.equals("defaults") ? Optional.empty() : Optional.of(Chart.DIR.resolve("ci").resolve(set));
    }

    static Chart.Rendered render(String set) {
        return Chart.render(valuesFile(set));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueSets")
    void lint_is_clean_in_strict_mode(String set, @TempDir Path tmp) throws IOException {
        // helm-java's lint takes no values file: lint a copy of the chart whose values.yaml has the file merged in.
        Path copy = tmp.resolve("billing-guard");
        copyTree(Chart.DIR, copy);
        if (valuesFile(set).isPresent()) {
            ObjectNode values = (ObjectNode) Json.documents(Files.readString(Chart.DIR.resolve("values.yaml"))).get(0);
            merge(values, Json.documents(Files.readString(valuesFile(set).get())).get(0));
            Files.writeString(copy.resolve("values.yaml"), Json.JSON.writeValueAsString(values));
        }
        LintResult lint = new Helm(copy).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).allMatch(m -> m.startsWith("[INFO]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueSets")
    void both_webhook_configurations_keep_the_contract(String set) {
        Chart.Rendered r = render(set);
        JsonNode values = effectiveValues(set);
        for (String kind : List.of("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")) {
            JsonNode config = r.one(kind);
            assertThat(config.at("/metadata/name").asString()).isEqualTo("billing-guard");
            assertThat(config.path("webhooks").size()).isEqualTo(1);
            JsonNode w = config.path("webhooks").get(0);
            assertThat(w.path("admissionReviewVersions")).containsExactly(Json.JSON.getNodeFactory().stringNode("v1"));
            assertThat(w.path("sideEffects").asString()).isEqualTo("None");
            assertThat(w.path("timeoutSeconds").asInt()).isEqualTo(values.at("/webhook/timeoutSeconds").asInt());
            assertThat(w.path("failurePolicy").asString()).isEqualTo(values.at("/webhook/failurePolicy").asString());
            assertThat(w.path("matchPolicy").asString()).isEqualTo("Equivalent");
            assertThat(w.has("reinvocationPolicy")).isEqualTo(kind.startsWith("Mutating"));
            if (kind.startsWith("Mutating")) {
                assertThat(w.path("reinvocationPolicy").asString()).isEqualTo("IfNeeded");
            }
            assertThat(w.at("/clientConfig/service/name").asString()).isEqualTo("billing-guard");
            assertThat(w.at("/clientConfig/service/namespace").asString()).isEqualTo(Chart.NAMESPACE);
            assertThat(w.at("/clientConfig/service/path").asString()).isEqualTo(kind.startsWith("Mutating") ? "/mutate" : "/validate");
            assertThat(w.at("/clientConfig/service/port").asInt()).isEqualTo(443);
            assertNamespaceSelector(w.path("namespaceSelector"), values);
            assertRules(w.path("rules"));
            assertThat(w.has("objectSelector")).as("labels are the pod creator's word: no objectSelector").isFalse();
            String mode = values.at("/tls/mode").asString();
            assertThat(w.at("/clientConfig/caBundle").asString(null)).isEqualTo(
                    mode.equals("existingSecret") ? values.at("/tls/existingSecret/caBundle").asString() : null);
            assertThat(config.at("/metadata/annotations/cert-manager.io~1inject-ca-from").asString(null)).isEqualTo(
                    mode.equals("certManager") ? Chart.NAMESPACE + "/billing-guard" : null);
            assertThat(w.has("matchConditions")).isEqualTo(values.at("/webhook/matchConditions").asBoolean());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueSets")
    void rbac_grants_reads_and_only_named_writes(String set) {
        Chart.Rendered r = render(set);
        JsonNode values = effectiveValues(set);
        boolean namespaced = !values.path("watchNamespaces").isEmpty();
        for (String kind : List.of("Role", "ClusterRole")) {
            for (JsonNode role : r.ofKind(kind)) {
                for (JsonNode rule : role.path("rules")) {
                    List<String> verbs = strings(rule.path("verbs"));
                    List<String> resources = strings(rule.path("resources"));
                    assertThat(verbs).doesNotContain("*");
                    assertThat(resources).doesNotContain("*");
                    assertThat(strings(rule.path("apiGroups"))).doesNotContain("*");
                    boolean writes = verbs.stream().anyMatch(WRITE_VERBS::contains);
                    if (resources.contains("secrets") && writes) {
                        if (rule.has("resourceNames")) {
                            assertThat(verbs).doesNotContain("create", "delete", "deletecollection");
                        } else {
                            assertThat(verbs).as("unnamed secret writes").containsExactly("create");
                            assertThat(kind).as("create on secrets only in a namespaced Role").isEqualTo("Role");
                            assertThat(role.at("/metadata/namespace").asString()).isEqualTo(Chart.NAMESPACE);
                        }
                    }
                    if (writes && !rule.has("resourceNames")) {
                        assertThat(verbs).as(kind + " " + role.at("/metadata/name").asString() + " unnamed writes").containsExactly("create");
                        assertThat(resources).isSubsetOf("secrets", "configmaps");
                    }
                    if (resources.contains("pods")) {
                        assertThat(verbs).containsExactly("list", "watch");
                        assertThat(values.at("/config/audit/intervalSeconds").asInt()).isPositive();
                    }
                    if (resources.contains("namespaces") && namespaced) {
                        assertThat(strings(rule.path("resourceNames")))
                                .containsExactlyInAnyOrderElementsOf(strings(values.path("watchNamespaces")));
                    }
                }
            }
        }
        boolean scanning = values.at("/config/audit/intervalSeconds").asInt() > 0;
        assertThat(r.objects().stream().flatMap(o -> o.path("rules").valueStream())
                .anyMatch(rule -> strings(rule.path("resources")).contains("pods"))).isEqualTo(scanning);
        if (namespaced) {
            assertThat(r.ofKind("ClusterRole")).noneMatch(role -> role.path("rules").valueStream()
                    .anyMatch(rule -> strings(rule.path("resources")).contains("secrets")));
            List<String> roleNamespaces = r.ofKind("Role").stream().map(o -> o.at("/metadata/namespace").asString())
                    .distinct().toList();
            List<String> allowed = new ArrayList<>(strings(values.path("watchNamespaces")));
            allowed.add(Chart.NAMESPACE);
            assertThat(roleNamespaces).isSubsetOf(allowed).containsAll(strings(values.path("watchNamespaces")));
        }
        for (JsonNode binding : r.objects()) {
            if (Json.text(binding, "kind").endsWith("Binding") && binding.has("subjects")) {
                assertThat(binding.path("subjects")).singleElement().satisfies(s -> {
                    assertThat(s.path("kind").asString()).isEqualTo("ServiceAccount");
                    assertThat(s.path("name").asString()).isEqualTo("billing-guard");
                    assertThat(s.path("namespace").asString()).isEqualTo(Chart.NAMESPACE);
                });
            }
        }
    }

    @Test
    void self_managed_certificates_may_write_only_their_secret_and_the_two_caBundles() {
        Chart.Rendered r = Chart.defaults();
        JsonNode tls = r.named("Role", "billing-guard-tls").orElseThrow();
        assertThat(tls.path("rules").get(1).path("resourceNames")).containsExactly(Json.JSON.getNodeFactory().stringNode("billing-guard-tls"));
        // Exactly what pki uses: GET the Secret, PUT a renewal (compare-and-swap), PATCH the caBundles.
        assertThat(strings(tls.path("rules").get(1).path("verbs"))).containsExactlyInAnyOrder("get", "update");
        JsonNode webhooks = r.named("ClusterRole", "billing-guard-webhooks").orElseThrow().path("rules").get(0);
        assertThat(strings(webhooks.path("resources"))).containsExactlyInAnyOrder("mutatingwebhookconfigurations", "validatingwebhookconfigurations");
        assertThat(strings(webhooks.path("resourceNames"))).containsExactly("billing-guard");
        assertThat(strings(webhooks.path("verbs"))).containsExactlyInAnyOrder("get", "patch");
        Chart.Rendered certManager = Chart.render(Optional.of(Chart.DIR.resolve("ci/cert-manager-values.yaml")));
        assertThat(certManager.named("Role", "billing-guard-tls")).isEmpty();
        assertThat(certManager.named("ClusterRole", "billing-guard-webhooks")).isEmpty();
    }

    @Test
    void the_deployment_is_hardened_and_rolls_when_the_configuration_changes() {
        JsonNode d = Chart.defaults().one("Deployment");
        JsonNode pod = d.at("/spec/template/spec");
        JsonNode c = pod.path("containers").get(0);
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/seccompProfile/type").asString()).isEqualTo("RuntimeDefault");
        assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(strings(c.at("/securityContext/capabilities/drop"))).containsExactly("ALL");
        assertThat(c.at("/resources/limits").has("cpu")).isFalse();
        assertThat(c.at("/resources/requests").has("cpu")).isTrue();
        assertThat(c.at("/livenessProbe/httpGet/path").asString()).isEqualTo("/healthz");
        assertThat(c.at("/readinessProbe/httpGet/path").asString()).isEqualTo("/readyz");
        assertThat(c.at("/readinessProbe/httpGet/port").asString()).isEqualTo("ops");
        assertThat(strings(c.path("args"))).containsExactly("serve", "--config", "/etc/billing-guard/config.yaml");
        assertThat(c.path("env").valueStream().map(e -> e.path("name").asString()).toList())
                .contains("JAVA_OPTS", "POD_NAMESPACE");
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isGreaterThan(5 + 20);
        assertThat(pod.path("volumes").valueStream().map(v -> v.path("name").asString()).toList()).contains("tmp");
        assertThat(Chart.defaults().one("PodDisruptionBudget").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(Chart.defaults().one("ServiceAccount").path("automountServiceAccountToken").asBoolean()).isFalse();

        String checksum = d.at("/spec/template/metadata/annotations/checksum~1config").asString();
        String other = Chart.render(Optional.empty(), Map.of("config.limits.maxPodItems", 3000), Chart.KUBE_VERSION)
                .one("Deployment").at("/spec/template/metadata/annotations/checksum~1config").asString();
        String catalog = Chart.render(Optional.of(Chart.DIR.resolve("ci/catalog-values.yaml")))
                .one("Deployment").at("/spec/template/metadata/annotations/checksum~1config").asString();
        assertThat(checksum).isNotBlank().isNotEqualTo(other).isNotEqualTo(catalog);
    }

    @Test
    void before_kubernetes_1_30_neither_the_backstop_nor_match_conditions_are_rendered() {
        Chart.Rendered old = Chart.render(Optional.empty(), Map.of(), "v1.29.4");
        assertThat(old.ofKind("ValidatingAdmissionPolicy")).isEmpty();
        assertThat(old.ofKind("ValidatingAdmissionPolicyBinding")).isEmpty();
        assertThat(old.one("MutatingWebhookConfiguration").path("webhooks").get(0).has("matchConditions")).isFalse();
        assertThat(old.configFiles().get("config.yaml")).contains("publish: false");
        assertThat(old.named("ClusterRole", "billing-guard-modes")).as("no ConfigMap rights without the backstop").isEmpty();
        Chart.Rendered current = Chart.defaults();
        assertThat(current.ofKind("ValidatingAdmissionPolicy")).extracting(p -> p.at("/metadata/name").asString())
                .containsExactlyInAnyOrder("billing-guard-final-state", "billing-guard-published-modes",
                        "billing-guard-protect-modes", "billing-guard-own-writes");
        assertThat(current.configFiles().get("config.yaml")).contains("publish: true");
    }

    @Test
    void the_backstop_binds_to_the_webhooks_namespaces_and_the_published_configmap() {
        for (String set : List.of("defaults", "namespaced-values.yaml", "backstop-values.yaml")) {
            Chart.Rendered r = render(set);
            JsonNode values = effectiveValues(set);
            JsonNode selector = r.one("MutatingWebhookConfiguration").at("/webhooks/0/namespaceSelector");
            JsonNode finalState = r.named("ValidatingAdmissionPolicyBinding", "billing-guard-final-state").orElseThrow();
            JsonNode published = r.named("ValidatingAdmissionPolicyBinding", "billing-guard-published-modes").orElseThrow();
            assertThat(finalState.at("/spec/matchResources/namespaceSelector")).isEqualTo(selector);
            assertThat(published.at("/spec/matchResources/namespaceSelector")).isEqualTo(selector);
            assertThat(published.at("/spec/paramRef/name").asString()).isEqualTo(values.at("/backstop/modes/configMapName").asString());
            assertThat(published.at("/spec/paramRef").has("namespace")).as("the pod's own namespace").isFalse();
            assertThat(published.at("/spec/paramRef/parameterNotFoundAction").asString())
                    .isEqualTo(values.at("/backstop/modes/parameterNotFoundAction").asString());
            assertThat(published.at("/spec/matchResources/objectSelector/matchExpressions/0/key").asString())
                    .isEqualTo(values.at("/config/workspace/idLabel").asString());
            assertThat(strings(finalState.at("/spec/validationActions")))
                    .containsExactlyElementsOf(strings(values.at("/backstop/validationActions")));
            String config = r.configFiles().get("config.yaml");
            assertThat(config).contains("configMapName: " + values.at("/backstop/modes/configMapName").asString());
        }
    }

    @Test
    void contradictory_or_unsafe_values_are_refused_with_one_line() {
        Map<Map<String, Object>, String> cases = Map.of(
                Map.of("tls.existingSecret.name", "x"), "tls.existingSecret is set but tls.mode is selfManaged",
                Map.of("tls.mode", "existingSecret", "tls.existingSecret.name", "x"), "needs both tls.existingSecret.name and tls.existingSecret.caBundle",
                Map.of("tls.certManager.issuerRef.name", "ca"), "tls.certManager.issuerRef is set but tls.mode is selfManaged",
                Map.of("tls.mode", "certManager", "tls.selfManaged.secretName", "s"), "tls.selfManaged.secretName is set but tls.mode is certManager",
                Map.of("config.facts.lookupDeadlineMillis", 5000), "must stay below webhook.timeoutSeconds",
                Map.of("webhook.timeoutSeconds", 2, "config.facts.lookupDeadlineMillis", 2000), "must stay below webhook.timeoutSeconds (2 s)",
                Map.of("terminationGracePeriodSeconds", 20), "must exceed config.server.drainSeconds + config.server.shutdownTimeoutSeconds",
                Map.of("watchNamespaces[0]", "kube-system"), "watchNamespaces lists kube-system",
                Map.of("tls.selfManaged.renewBeforeDays", 400), "renewBeforeDays must be less than");
        cases.forEach((set, expected) -> {
            String message = Chart.failure(Optional.empty(), set);
            assertThat(message).as(set.toString()).contains(expected);
            String failLine = message.lines().filter(l -> l.contains(expected)).findFirst().orElseThrow();
            assertThat(failLine).as("one line").contains(expected);
        });
    }

    @Test
    void a_typo_in_the_values_is_rejected_by_the_schema() {
        assertThat(Chart.failure(Optional.empty(), Map.of("webhook.failurPolicy", "Ignore")))
                .contains("failurPolicy").containsIgnoringCase("additional propert");
        assertThat(Chart.failure(Optional.empty(), Map.of("config.server.tlsCert", "/x")))
                .as("a key the chart owns").contains("tlsCert");
        assertThat(Chart.failure(Optional.empty(), Map.of("tls.mode", "manual"))).contains("/tls/mode", "must be one of");
        assertThat(Chart.failure(Optional.empty(), Map.of("webhook.failurePolicy", "Ignored"))).contains("/webhook/failurePolicy");
    }

    @Test
    void every_value_is_documented_in_the_values_file_and_the_chart_readme() throws IOException {
        List<String> lines = Files.readAllLines(Chart.DIR.resolve("values.yaml"));
        String readme = Files.readString(Chart.DIR.resolve("README.md"));
        JsonNode values = Json.documents(String.join("\n", lines)).get(0);
        for (String key : leafKeys(values, "")) {
            boolean documented = false;
            for (String k = key; !k.isEmpty(); k = k.contains(".") ? k.substring(0, k.lastIndexOf('.')) : "") {
                documented |= readme.contains("| `" + k + "` |");
            }
            assertThat(documented).as(key + " in the chart README's values table").isTrue();
        }
        long comments = lines.stream().filter(l -> l.trim().startsWith("# -- ")).count();
        long rows = readme.lines().filter(l -> l.startsWith("| `")).count();
        assertThat(rows).as("one README row per documented value (and the certificate table)").isGreaterThanOrEqualTo(comments);
    }

    private static List<String> leafKeys(JsonNode node, String prefix) {
        List<String> keys = new ArrayList<>();
        node.properties().forEach(e -> {
            if (e.getValue().isObject() && !e.getValue().isEmpty()) {
                keys.addAll(leafKeys(e.getValue(), prefix + e.getKey() + "."));
            } else {
                keys.add(prefix + e.getKey());
            }
        });
        return keys;
    }

    private static void assertNamespaceSelector(JsonNode selector, JsonNode values) {
        List<JsonNode> expressions = selector.path("matchExpressions").valueStream().toList();
        assertThat(expressions).anySatisfy(e -> {
            assertThat(e.path("key").asString()).isEqualTo(values.at("/config/guardedNamespaces/label").asString());
            assertThat(e.path("operator").asString()).isEqualTo("In");
            assertThat(strings(e.path("values"))).containsExactly(values.at("/config/guardedNamespaces/value").asString());
        });
        assertThat(expressions).anySatisfy(e -> {
            assertThat(e.path("key").asString()).isEqualTo("kubernetes.io/metadata.name");
            assertThat(e.path("operator").asString()).isEqualTo("NotIn");
            assertThat(strings(e.path("values"))).contains("kube-system", Chart.NAMESPACE)
                    .containsAll(strings(values.at("/webhook/excludeNamespaces")));
        });
        if (!values.path("watchNamespaces").isEmpty()) {
            assertThat(expressions).anySatisfy(e -> {
                assertThat(e.path("operator").asString()).isEqualTo("In");
                assertThat(e.path("key").asString()).isEqualTo("kubernetes.io/metadata.name");
                assertThat(strings(e.path("values"))).containsExactlyElementsOf(strings(values.path("watchNamespaces")));
            });
        }
    }

    private static void assertRules(JsonNode rules) {
        assertThat(rules).anySatisfy(r -> {
            assertThat(strings(r.path("resources"))).contains("pods");
            assertThat(strings(r.path("operations"))).containsExactly("CREATE");
        });
        assertThat(rules).anySatisfy(r -> {
            assertThat(strings(r.path("resources"))).contains("pods/ephemeralcontainers");
            assertThat(strings(r.path("operations"))).containsExactly("UPDATE");
        });
        Map<String, List<String>> controllers = Map.of("apps", List.of("deployments", "statefulsets", "daemonsets", "replicasets"),
                "", List.of("replicationcontrollers"), "batch", List.of("jobs", "cronjobs"));
        controllers.forEach((group, resources) -> resources.forEach(resource -> assertThat(rules).as(resource).anySatisfy(r -> {
            assertThat(strings(r.path("apiGroups"))).containsExactly(group);
            assertThat(strings(r.path("resources"))).contains(resource);
            assertThat(strings(r.path("operations"))).containsExactlyInAnyOrder("CREATE", "UPDATE");
        })));
    }

    /** values.yaml with the set's file merged over it, as Helm merges them. */
    static JsonNode effectiveValues(String set) {
        try {
            ObjectNode values = (ObjectNode) Json.documents(Files.readString(Chart.DIR.resolve("values.yaml"))).get(0);
            if (valuesFile(set).isPresent()) {
                merge(values, Json.documents(Files.readString(valuesFile(set).get())).get(0));
            }
            return values;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void merge(ObjectNode base, JsonNode over) {
        over.properties().forEach(e -> {
            JsonNode current = base.get(e.getKey());
            if (current != null && current.isObject() && e.getValue().isObject()) {
                merge((ObjectNode) current, e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        });
    }

    static List<String> strings(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
