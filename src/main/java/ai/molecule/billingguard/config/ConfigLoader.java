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
    private static final Set<String> OUTPUTS = Set.of("text", "json", "yaml");

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
                node.put(leaf, Boolean.parseBoolean(value.toLowerCase()));
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
        int port = port(t, "server", "port");
        int opsPort = port(t, "server", "opsPort");
        Optional<Path> cert = existingFile(t, "server", "tlsCert");
        Optional<Path> key = existingFile(t, "server", "tlsKey");
        if (cert.isPresent() != key.isPresent()) {
            problems.add("server.tlsCert and server.tlsKey (--tls-cert, --tls-key) must be given together");
        }
        long maxBody = t.path("server").path("maxBodyBytes").asLong();
        if (maxBody < 1024) {
            problems.add("server.maxBodyBytes must be at least 1024, got " + maxBody);
        }
        String output = t.path("review").path("output").asString().toLowerCase();
        if (!OUTPUTS.contains(output)) {
            problems.add("review.output (-o) must be one of text, json, yaml; got '" + output + "'");
        }
        Config config = new Config(required(t, "server", "host"), port, opsPort, cert, key, t.path("server").path("dev").asBoolean(), maxBody,
                seconds(t, "idleTimeoutSeconds", 1), seconds(t, "drainSeconds", 0), seconds(t, "shutdownTimeoutSeconds", 1),
                seconds(t, "certReloadSeconds", 1),
                existingPath(t, "facts", "secrets"), existingFile(t, "facts", "kubeconfig"), output,
                required(t, "review", "namespace"), certs(t.path("certs")), policy(t));
        return config;
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
                Path.of(c.path("out").asString()), (int) days);
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
                set(pc.path("proxyNames")),
                required(t, "output", "annotationPrefix"),
                required(t, "output", "modeEnv"),
                required(t, "output", "providerEnv"),
                catalog(existingFile(t, "catalog", "file")));
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
            name = name.trim().toLowerCase();
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

    private Duration seconds(JsonNode t, String key, long min) {
        long value = t.path("server").path(key).asLong();
        if (value < min) {
            problems.add("server." + key + " must be at least " + min + ", got " + value);
        }
        return Duration.ofSeconds(Math.max(value, min));
    }

    private int port(JsonNode t, String section, String key) {
        long value = t.path(section).path(key).asLong();
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

    private Optional<Path> existingPath(JsonNode t, String section, String key) {
        String value = t.path(section).path(key).asString().trim();
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(value);
        if (!Files.exists(path)) {
            problems.add(section + "." + key + ": " + value + " does not exist");
        }
        return Optional.of(path);
    }

    private Optional<Path> existingFile(JsonNode t, String section, String key) {
        Optional<Path> path = existingPath(t, section, key);
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
        set(array).forEach(s -> out.add(s.toLowerCase()));
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
