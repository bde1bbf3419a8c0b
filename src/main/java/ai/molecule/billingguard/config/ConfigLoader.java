package ai.molecule.billingguard.config;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.time.Duration;

/**
 * Builds the one {@link Config} from the built-in defaults, an optional YAML file, environment
 * variables and flags. Every problem is collected and reported at once in a {@link ConfigException}.
 */
public final class ConfigLoader {
    private final List<String> problems = new ArrayList<>();

    private ConfigLoader() {
    }

    /**
     * @param flags      flag values given on the command line, by knob (absent = not given)
     * @param configFile the --config flag, if given
     * @param env        the process environment
     */
    public static Config load(Map<Knob, String> flags, Optional<Path> configFile, Map<String, String> env) {
        return new ConfigLoader().build(flags, configFile, env);
    }

    /** The built-in configuration, as a process with no file, flag or variable would have it. */
    public static Config defaults() {
        return load(Map.of(), Optional.empty(), Map.of());
    }

    private Config build(Map<Knob, String> flags, Optional<Path> configFlag, Map<String, String> env) {
        ObjectNode tree = (ObjectNode) readResource("default-config.yaml");
        Optional<Path> file = configFlag.or(() -> Optional.ofNullable(env.get(Knob.CONFIG_ENV))
                .filter(s -> !s.isBlank()).map(Path::of));
        file.ifPresent(f -> mergeFile(tree, f));
        for (Knob knob : Knob.all()) {
            String raw = flags.containsKey(knob) ? flags.get(knob) : env.get(knob.env());
            if (raw != null) {
                String origin = flags.containsKey(knob) ? knob.flag() : knob.env();
                setScalar(tree, knob.key(), raw, origin);
            }
        }
        Config config = toConfig(tree);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private void mergeFile(ObjectNode tree, Path file) {
        JsonNode user;
        try {
            List<JsonNode> docs = Json.documents(Files.readString(file));
            user = docs.isEmpty() ? JsonNodeFactory.instance.objectNode() : docs.get(0);
        } catch (IOException e) {
            problems.add("config file " + file + ": cannot read (" + e.getClass().getSimpleName() + ")");
            return;
        } catch (Json.SyntaxException e) {
            problems.add("config file " + file + ": not valid YAML (" + e.getMessage() + ")");
            return;
        }
        if (!user.isObject()) {
            problems.add("config file " + file + ": must be a YAML mapping");
            return;
        }
        merge(tree, (ObjectNode) user, "", file.toString());
    }

    /** Merges {@code user} into {@code base}; keys the defaults do not have are errors, as are kind mismatches. */
    private void merge(ObjectNode base, ObjectNode user, String prefix, String origin) {
        for (Map.Entry<String, JsonNode> e : user.properties()) {
            String key = prefix + e.getKey();
            JsonNode current = base.get(e.getKey());
            JsonNode value = e.getValue();
            if (current == null) {
                problems.add(origin + ": unknown key '" + key + "'");
            } else if (current.isObject()) {
                if (value.isObject()) {
                    merge((ObjectNode) current, (ObjectNode) value, key + ".", origin);
                } else {
                    problems.add(origin + ": '" + key + "' must be a mapping");
                }
            } else if (current.isArray()) {
                if (value.isArray() && allScalars(value)) {
                    base.set(e.getKey(), value);
                } else {
                    problems.add(origin + ": '" + key + "' must be a list of strings");
                }
            } else if (value.isValueNode() && !value.isNull()) {
                setScalar(base, e.getKey(), value.asString(), origin + ": '" + key + "'");
            } else {
                problems.add(origin + ": '" + key + "' must be a single value");
            }
        }
    }

    private static boolean allScalars(JsonNode array) {
        for (JsonNode v : array) {
            if (!v.isValueNode() || v.isNull()) {
                return false;
            }
        }
        return true;
    }

    /** Sets a dotted key to a raw string, converted to the kind its default has. */
    private void setScalar(ObjectNode tree, String dottedKey, String raw, String origin) {
        String[] parts = dottedKey.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (ObjectNode) node.get(parts[i]);
        }
        String leaf = parts[parts.length - 1];
        JsonNode like = node.get(leaf);
        String value = raw.trim();
        if (like.isIntegralNumber()) {
            try {
                node.put(leaf, Long.parseLong(value));
            } catch (NumberFormatException e) {
                problems.add(origin + ": '" + raw + "' is not a whole number");
            }
        } else if (like.isBoolean()) {
            if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
                node.put(leaf, Boolean.parseBoolean(value.toLowerCase(Locale.ROOT)));
            } else {
                problems.add(origin + ": '" + raw + "' is not true or false");
            }
        } else if (like.isArray()) {
            ArrayNode array = node.putArray(leaf);
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    array.add(item.trim());
                }
            }
        } else {
            node.put(leaf, value);
        }
    }

    private Config toConfig(JsonNode t) {
        return new Config(server(t.path("server")), cluster(t.path("facts")),
                new Config.Review(output(t, "review"), required(t, "review", "namespace")),
                audit(t), certs(t.path("certs")), selfManaged(t.path("selfManaged")),
                new Config.Modes(t.path("modes").path("publish").asBoolean(), dnsName(t.path("modes"), "modes", "configMapName")),
                policy(t));
    }

    private Config.Server server(JsonNode s) {
        Optional<Path> cert = existingFile(s, "server", "tlsCert");
        Optional<Path> key = existingFile(s, "server", "tlsKey");
        if (cert.isPresent() != key.isPresent()) {
            problems.add("server.tlsCert and server.tlsKey (--tls-cert, --tls-key) must be given together");
        }
        long maxBody = s.path("maxBodyBytes").asLong();
        if (maxBody < 1024) {
            problems.add("server.maxBodyBytes must be at least 1024, got " + maxBody);
        }
        boolean dev = s.path("dev").asBoolean();
        String host = s.path("host").asString().trim();
        if (host.isEmpty()) {
            // A dev server holds a throwaway key and example facts: it is not for the network.
            host = dev ? "127.0.0.1" : "0.0.0.0";
        }
        return new Config.Server(host, port(s, "server", "port"), port(s, "server", "opsPort"), cert, key, dev, maxBody,
                seconds(s, "server", "idleTimeoutSeconds", 1), seconds(s, "server", "drainSeconds", 0),
                seconds(s, "server", "shutdownTimeoutSeconds", 1), seconds(s, "server", "certReloadSeconds", 1));
    }

    private Config.Cluster cluster(JsonNode f) {
        long deadline = f.path("lookupDeadlineMillis").asLong();
        if (deadline < 100 || deadline > 30_000) {
            problems.add("facts.lookupDeadlineMillis (--lookup-deadline-ms) must be between 100 and 30000, got " + deadline);
        }
        long page = f.path("listPageSize").asLong();
        if (page < 1 || page > 100_000) {
            problems.add("facts.listPageSize must be between 1 and 100000, got " + page);
        }
        List<String> namespaces = List.copyOf(set(f.path("watchNamespaces")));
        namespaces.stream().filter(n -> !DNS_LABEL.matcher(n).matches()).forEach(n -> problems.add(
                "facts.watchNamespaces (--watch-namespaces): '" + n + "' is not a namespace name"));
        return new Config.Cluster(existingPath(f, "facts", "secrets"), existingFile(f, "facts", "kubeconfig"),
                Duration.ofMillis(Math.max(deadline, 100)), namespaces, (int) Math.max(page, 1),
                seconds(f, "facts", "listTimeoutSeconds", 1));
    }

    private Config.Audit audit(JsonNode t) {
        JsonNode a = t.path("audit");
        String namespace = a.path("namespace").asString().trim();
        if (!namespace.isEmpty() && !DNS_LABEL.matcher(namespace).matches()) {
            problems.add("audit.namespace (-n) '" + namespace + "' is not a namespace name");
        }
        return new Config.Audit(output(t, "audit"), Optional.of(namespace).filter(n -> !n.isEmpty()),
                seconds(a, "audit", "intervalSeconds", 0));
    }

    private Config.SelfManaged selfManaged(JsonNode m) {
        String namespace = m.path("namespace").asString().trim();
        if (!namespace.isEmpty() && !DNS_LABEL.matcher(namespace).matches()) {
            problems.add("selfManaged.namespace '" + namespace + "' is not a namespace name");
        }
        long validity = m.path("validityDays").asLong();
        long renew = m.path("renewBeforeDays").asLong();
        if (validity < 2 || validity > MAX_DAYS) {
            problems.add("selfManaged.validityDays must be between 2 and " + MAX_DAYS + ", got " + validity);
        }
        if (renew < 1 || renew >= validity) {
            problems.add("selfManaged.renewBeforeDays must be at least 1 and less than selfManaged.validityDays ("
                    + validity + "), got " + renew);
        }
        return new Config.SelfManaged(m.path("enabled").asBoolean(), Optional.of(namespace).filter(n -> !n.isEmpty()),
                dnsName(m, "selfManaged", "secretName"), dnsLabel(m, "selfManaged", "service"),
                dnsName(m, "selfManaged", "mutatingWebhook"), dnsName(m, "selfManaged", "validatingWebhook"),
                (int) validity, (int) renew);
    }

    private Output output(JsonNode t, String section) {
        String value = t.path(section).path("output").asString();
        Optional<Output> output = Output.parse(value);
        if (output.isEmpty()) {
            problems.add(section + ".output (-o) must be one of text, json, yaml; got '" + value + "'");
        }
        return output.orElse(Output.TEXT);
    }

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final int MAX_DAYS = 36500;

    private Config.Certs certs(JsonNode c) {
        for (String key : List.of("service", "namespace")) {
            String value = c.path(key).asString();
            if (!DNS_LABEL.matcher(value).matches()) {
                problems.add("certs." + key + " (--" + key + ") '" + value + "' is not a DNS label"
                        + " (lowercase letters, digits and '-', at most 63, starting and ending alphanumeric)");
            }
        }
        long days = c.path("days").asLong();
        if (days < 1 || days > MAX_DAYS) {
            problems.add("certs.days (--days) must be between 1 and " + MAX_DAYS + ", got " + days);
        }
        return new Config.Certs(c.path("service").asString(), c.path("namespace").asString(),
                Path.of(c.path("out").asString()), (int) days, c.path("force").asBoolean());
    }

    private PolicyConfig policy(JsonNode t) {
        JsonNode ws = t.path("workspace");
        JsonNode pc = t.path("platformCredentials");
        JsonNode out = t.path("output");
        String template = required(t, "workspace", "secretName");
        if (!template.contains("{id}")) {
            problems.add("workspace.secretName must contain {id}, got '" + template + "'");
        }
        return new PolicyConfig(
                required(t, "workspace", "idLabel"),
                required(t, "workspace", "runtimeLabel"),
                required(t, "workspace", "defaultRuntime"),
                template,
                required(t, "workspace", "providerKey"),
                required(t, "workspace", "modelKey"),
                lowerSet(ws.path("platformSentinels")),
                required(t, "billingModeAnnotation", null),
                set(pc.path("secretNames")),
                required(t, "platformCredentials", "scopeLabel"),
                required(t, "platformCredentials", "scopeValue"),
                set(pc.path("llmCredentialNames")),
                set(pc.path("endpointNames")),
                set(pc.path("proxyNames")),
                required(t, "output", "annotationPrefix"),
                required(t, "output", "modeEnv"),
                required(t, "output", "providerEnv"),
                catalog(existingFile(t.path("catalog"), "catalog", "file"), existingFile(t.path("catalog"), "catalog", "extraFile")),
                trustedCreators(t.path("trust").path("workspacePodCreators")),
                maxPodItems(t.path("limits").path("maxPodItems").asLong()),
                required(t, "guardedNamespaces", "label"),
                required(t, "guardedNamespaces", "value"));
    }

    /** Entries as {@code policy.TrustedCreators} reads them: a user, {@code group:NAME}, or a service account pattern. */
    private List<String> trustedCreators(JsonNode list) {
        List<String> out = List.copyOf(set(list));
        for (String entry : out) {
            if (entry.startsWith("group:") && entry.length() == "group:".length()) {
                problems.add("trust.workspacePodCreators: 'group:' needs a group name");
            }
            if (entry.startsWith("system:serviceaccount:") && entry.split(":", -1).length != 4) {
                problems.add("trust.workspacePodCreators: '" + entry
                        + "' must read system:serviceaccount:NAMESPACE:NAME (NAME may be *)");
            }
        }
        return out;
    }

    private int maxPodItems(long value) {
        if (value < 100 || value > 1_000_000) {
            problems.add("limits.maxPodItems must be between 100 and 1000000, got " + value);
        }
        return (int) Math.max(100, Math.min(value, 1_000_000));
    }

    /** The built-in catalog or {@code catalog.file}, with the providers of {@code catalog.extraFile} added or replaced. */
    private ProviderCatalog catalog(Optional<Path> file, Optional<Path> extraFile) {
        ProviderCatalog base = catalog(file);
        if (extraFile.isEmpty()) {
            return base;
        }
        return base.with(catalog(extraFile).all());
    }

    private ProviderCatalog catalog(Optional<Path> file) {
        JsonNode tree;
        String origin = file.map(Path::toString).orElse("built-in catalog");
        if (file.isPresent()) {
            try {
                List<JsonNode> docs = Json.documents(Files.readString(file.get()));
                tree = docs.isEmpty() ? JsonNodeFactory.instance.objectNode() : docs.get(0);
            } catch (IOException e) {
                problems.add("catalog " + origin + ": cannot read (" + e.getClass().getSimpleName() + ")");
                return new ProviderCatalog(List.of());
            } catch (Json.SyntaxException e) {
                problems.add("catalog " + origin + ": not valid YAML (" + e.getMessage() + ")");
                return new ProviderCatalog(List.of());
            }
        } else {
            tree = readResource("catalog.yaml");
        }
        return parseCatalog(tree, origin);
    }

    private ProviderCatalog parseCatalog(JsonNode tree, String origin) {
        if (!tree.path("providers").isArray() || tree.path("providers").isEmpty()) {
            problems.add("catalog " + origin + ": 'providers' must be a non-empty list");
            return new ProviderCatalog(List.of());
        }
        List<Provider> providers = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        int index = 0;
        for (JsonNode p : tree.path("providers")) {
            String where = "catalog " + origin + ": providers[" + index++ + "]";
            for (String field : p.propertyNames()) {
                if (!Set.of("name", "modelPattern", "authEnv", "runtimes", "models").contains(field)) {
                    problems.add(where + ": unknown key '" + field + "'");
                }
            }
            String name = Json.text(p, "name");
            if (name == null || name.isBlank()) {
                problems.add(where + ": 'name' is required");
                continue;
            }
            name = name.trim().toLowerCase(Locale.ROOT);
            where = where + " (" + name + ")";
            if (!seen.add(name)) {
                problems.add(where + ": duplicate provider name");
            }
            Pattern pattern = null;
            String regex = Json.text(p, "modelPattern");
            if (regex == null || regex.isBlank()) {
                problems.add(where + ": 'modelPattern' is required");
            } else {
                try {
                    pattern = Pattern.compile(regex);
                } catch (PatternSyntaxException e) {
                    problems.add(where + ": modelPattern '" + regex + "' is not a valid regex (" + e.getDescription() + ")");
                }
            }
            List<String> authEnv = List.copyOf(set(p.path("authEnv")));
            if (authEnv.isEmpty()) {
                problems.add(where + ": 'authEnv' must list at least one key name");
            }
            Map<String, Set<String>> models = new TreeMap<>();
            if (p.has("models")) {
                if (!p.get("models").isObject()) {
                    problems.add(where + ": 'models' must map a runtime to a list of exact model ids");
                } else {
                    p.get("models").properties().forEach(e -> models.put(e.getKey(), set(e.getValue())));
                }
            }
            if (pattern != null) {
                providers.add(new Provider(name, pattern, authEnv, set(p.path("runtimes")), Map.copyOf(models)));
            }
        }
        return new ProviderCatalog(providers);
    }

    private Duration seconds(JsonNode node, String section, String key, long min) {
        long value = node.path(key).asLong();
        if (value < min) {
            problems.add(section + "." + key + " must be at least " + min + ", got " + value);
        }
        return Duration.ofSeconds(Math.max(value, min));
    }

    private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    /** A DNS subdomain name, as Kubernetes object names are. */
    private String dnsName(JsonNode node, String section, String key) {
        String value = node.path(key).asString().trim();
        if (!DNS_NAME.matcher(value).matches()) {
            problems.add(section + "." + key + " '" + value + "' is not a Kubernetes object name"
                    + " (lowercase letters, digits, '-' and '.')");
        }
        return value;
    }

    private String dnsLabel(JsonNode node, String section, String key) {
        String value = node.path(key).asString().trim();
        if (!DNS_LABEL.matcher(value).matches()) {
            problems.add(section + "." + key + " '" + value + "' is not a DNS label");
        }
        return value;
    }

    private int port(JsonNode node, String section, String key) {
        long value = node.path(key).asLong();
        if (value < 0 || value > 65535) {
            problems.add(section + "." + key + " must be a port number (0-65535), got " + value);
        }
        return (int) value;
    }

    private String required(JsonNode t, String section, String key) {
        JsonNode node = key == null ? t.path(section) : t.path(section).path(key);
        String value = node.isValueNode() ? node.asString().trim() : "";
        if (value.isEmpty()) {
            problems.add((key == null ? section : section + "." + key) + " must not be empty");
        }
        return value;
    }

    /** Section helpers take the section's node; {@code section} only names it in problems. */
    private Optional<Path> existingPath(JsonNode node, String section, String key) {
        String value = node.path(key).asString().trim();
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(value);
        if (!Files.exists(path)) {
            problems.add(section + "." + key + ": " + value + " does not exist");
        }
        return Optional.of(path);
    }

    private Optional<Path> existingFile(JsonNode node, String section, String key) {
        Optional<Path> path = existingPath(node, section, key);
        path.filter(Files::isDirectory).ifPresent(p -> problems.add(section + "." + key + ": " + p + " is a directory"));
        return path;
    }

    private static Set<String> set(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        array.forEach(v -> {
            if (v.isValueNode() && !v.asString().isBlank()) {
                out.add(v.asString().trim());
            }
        });
        return Collections.unmodifiableSet(out);
    }

    private static Set<String> lowerSet(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        set(array).forEach(s -> out.add(s.toLowerCase(Locale.ROOT)));
        return Set.copyOf(out);
    }

    private static JsonNode readResource(String name) {
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(name)) {
            return Json.documents(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
