package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.InputException;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.config.Yaml;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Facts read from local YAML: a file (multi-document allowed) or a directory tree of them, holding
 * v1 Secrets and Namespaces; other kinds are skipped. Secret values are decoded only to learn which
 * keys are non-empty and to read the provider selection and model, then dropped.
 */
public final class LocalFacts implements FactsSource {
    private final Map<String, WorkspaceSecret> secrets;
    private final Map<String, NamespaceInfo> namespaces;
    private final Map<String, Set<String>> labelledPlatformSecrets;

    private LocalFacts(Map<String, WorkspaceSecret> secrets, Map<String, NamespaceInfo> namespaces,
                       Map<String, Set<String>> labelledPlatformSecrets) {
        this.secrets = Map.copyOf(secrets);
        this.namespaces = Map.copyOf(namespaces);
        this.labelledPlatformSecrets = Map.copyOf(labelledPlatformSecrets);
    }

    public static LocalFacts empty() {
        return new LocalFacts(Map.of(), Map.of(), Map.of());
    }

    /** @throws InputException naming the file and the problem */
    public static LocalFacts load(Path path, PolicyConfig config) {
        Map<String, WorkspaceSecret> secrets = new HashMap<>();
        Map<String, NamespaceInfo> namespaces = new HashMap<>();
        Map<String, Set<String>> platform = new HashMap<>();
        for (Path file : yamlFiles(path)) {
            List<JsonNode> docs;
            try {
                docs = Yaml.documents(Files.readString(file));
            } catch (IOException e) {
                throw new InputException(file + ": cannot read (" + e.getClass().getSimpleName() + ")");
            } catch (Yaml.SyntaxException e) {
                throw new InputException(file + ": not valid YAML or JSON (" + e.getMessage() + ")");
            }
            for (JsonNode doc : docs) {
                String kind = Yaml.text(doc, "kind");
                if ("Secret".equals(kind)) {
                    WorkspaceSecret secret = secret(file, doc, config);
                    secrets.put(secret.namespace() + "/" + secret.name(), secret);
                    Map<String, String> labels = strings(doc.path("metadata").path("labels"));
                    if (config.secretScopeValue().equals(labels.get(config.secretScopeLabel()))) {
                        platform.computeIfAbsent(secret.namespace(), n -> new HashSet<>()).add(secret.name());
                    }
                } else if ("Namespace".equals(kind)) {
                    String name = Yaml.text(doc.path("metadata"), "name");
                    if (name == null || name.isBlank()) {
                        throw new InputException(file + ": a Namespace has no metadata.name");
                    }
                    namespaces.put(name, new NamespaceInfo(name, strings(doc.path("metadata").path("annotations"))));
                }
            }
        }
        return new LocalFacts(secrets, namespaces, platform);
    }

    @Override
    public Facts facts(String namespace, String workspaceSecretName) {
        WorkspaceSecret secret = workspaceSecretName == null ? null : secrets.get(namespace + "/" + workspaceSecretName);
        NamespaceInfo ns = namespaces.get(namespace);
        return new Facts(secret == null ? Lookup.absent() : Lookup.found(secret),
                ns == null ? Lookup.absent() : Lookup.found(ns),
                labelledPlatformSecrets.getOrDefault(namespace, Set.of()));
    }

    private static WorkspaceSecret secret(Path file, JsonNode doc, PolicyConfig config) {
        JsonNode metadata = doc.path("metadata");
        String name = Yaml.text(metadata, "name");
        if (name == null || name.isBlank()) {
            throw new InputException(file + ": a Secret has no metadata.name");
        }
        String namespace = Yaml.text(metadata, "namespace");
        namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
        String where = file + ": Secret " + namespace + "/" + name;
        Set<String> nonEmpty = new HashSet<>();
        String provider = null;
        String model = null;
        // stringData is folded over data, as the API server does on write.
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : fields(doc.path("data"), where, "data")) {
            if (!e.getValue().isString()) {
                throw new InputException(where + ": data." + e.getKey() + " must be a base64 string");
            }
            try {
                values.put(e.getKey(), java.util.Base64.getDecoder().decode(e.getValue().stringValue().trim()));
            } catch (IllegalArgumentException bad) {
                throw new InputException(where + ": data." + e.getKey() + " is not valid base64");
            }
        }
        for (Map.Entry<String, JsonNode> e : fields(doc.path("stringData"), where, "stringData")) {
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new InputException(where + ": stringData." + e.getKey() + " must be a string");
            }
            values.put(e.getKey(), e.getValue().asString().getBytes(StandardCharsets.UTF_8));
        }
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
            byte[] value = e.getValue();
            if (e.getKey().equals(config.providerKey())) {
                provider = new String(value, StandardCharsets.UTF_8);
            } else if (e.getKey().equals(config.modelKey())) {
                model = new String(value, StandardCharsets.UTF_8);
            }
            if (!blank(value)) {
                nonEmpty.add(e.getKey());
            }
            Arrays.fill(value, (byte) 0);
        }
        return new WorkspaceSecret(namespace, name, strings(metadata.path("annotations")), provider, model, nonEmpty);
    }

    /** Whitespace only counts as empty; checked on the bytes so no String of a credential is made. */
    static boolean blank(byte[] value) {
        for (byte b : value) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static Iterable<Map.Entry<String, JsonNode>> fields(JsonNode node, String where, String field) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isObject()) {
            throw new InputException(where + ": " + field + " must be a mapping");
        }
        return node.properties();
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> out = new HashMap<>();
        if (object.isObject()) {
            object.properties().forEach(e -> {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                    out.put(e.getKey(), e.getValue().asString());
                }
            });
        }
        return out;
    }

    private static List<Path> yamlFiles(Path path) {
        if (!Files.exists(path)) {
            throw new InputException(path + ": no such file or directory");
        }
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> walk = Files.walk(path)) {
            List<Path> files = new ArrayList<>(walk.filter(Files::isRegularFile)
                    .filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList());
            return files;
        } catch (IOException e) {
            throw new InputException(path + ": cannot list (" + e.getClass().getSimpleName() + ")");
        }
    }
}
