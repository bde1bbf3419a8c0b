package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Facts read from local YAML: a file (multi-document allowed) or a directory tree of them, holding
 * v1 Secrets and Namespaces; other kinds are skipped. Secret values are read by {@link SecretFacts},
 * as for a live cluster: only the provider selection, the model and the names of non-empty keys stay.
 */
public final class LocalFacts implements FactsSource {
    private final Map<String, WorkspaceSecret> secrets;
    private final Map<String, NamespaceInfo> namespaces;
    /** Labels that matter of every Secret with one of them, by "namespace/name". */
    private final Map<String, SecretLabels> labels;

    private LocalFacts(Map<String, WorkspaceSecret> secrets, Map<String, NamespaceInfo> namespaces,
                       Map<String, SecretLabels> labels) {
        this.secrets = Map.copyOf(secrets);
        this.namespaces = Map.copyOf(namespaces);
        this.labels = Map.copyOf(labels);
    }

    /** Where Secrets written without a namespace are kept: they match any namespace. */
    private static final String ANY_NAMESPACE = "";

    public static LocalFacts empty() {
        return new LocalFacts(Map.of(), Map.of(), Map.of());
    }

    /** @throws InputException naming the file and the problem */
    public static LocalFacts load(Path path, PolicyConfig config) {
        Map<String, WorkspaceSecret> secrets = new HashMap<>();
        Map<String, NamespaceInfo> namespaces = new HashMap<>();
        Map<String, SecretLabels> labels = new HashMap<>();
        for (Path file : yamlFiles(path)) {
            List<JsonNode> docs;
            try {
                docs = Json.documents(Files.readString(file));
            } catch (IOException e) {
                throw new InputException(file + ": cannot read (" + e.getClass().getSimpleName() + ")");
            } catch (Json.SyntaxException e) {
                throw new InputException(file + ": not valid YAML or JSON (" + e.getMessage() + ")");
            }
            for (JsonNode doc : withListItems(docs)) {
                String kind = Json.text(doc, "kind");
                if ("Secret".equals(kind)) {
                    Map<String, String> secretLabels = strings(doc.path("metadata").path("labels"));
                    WorkspaceSecret secret = secret(file, doc, secretLabels, config);
                    String key = secret.namespace() + "/" + secret.name();
                    secrets.put(key, secret);
                    SecretLabels known = SecretFacts.labels(secretLabels, config);
                    if (known.platformScope() || known.workspaceId().isPresent()) {
                        labels.put(key, known);
                    }
                } else if ("Namespace".equals(kind)) {
                    String name = Json.text(doc.path("metadata"), "name");
                    if (name == null || name.isBlank()) {
                        throw new InputException(file + ": a Namespace has no metadata.name");
                    }
                    namespaces.put(name, new NamespaceInfo(name, strings(doc.path("metadata").path("annotations"))));
                }
            }
        }
        return new LocalFacts(secrets, namespaces, labels);
    }

    /** {@code kubectl get secrets,namespaces -o yaml} writes a List: its items count as documents. */
    private static List<JsonNode> withListItems(List<JsonNode> docs) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode doc : docs) {
            String kind = Json.text(doc, "kind");
            if (kind != null && kind.endsWith("List") && doc.path("items").isArray()) {
                doc.path("items").forEach(out::add);
            } else {
                out.add(doc);
            }
        }
        return out;
    }

    /**
     * A Secret written without {@code metadata.namespace} belongs to whatever namespace is being
     * reviewed, as {@code kubectl apply -n NS -f secrets.yaml -f pod.yaml} would put it beside the
     * pod; a Secret naming the namespace wins over it.
     */
    @Override
    public Facts facts(String namespace, String workspaceSecretName, Set<String> referencedSecrets) {
        WorkspaceSecret secret = null;
        if (workspaceSecretName != null) {
            secret = secrets.get(namespace + "/" + workspaceSecretName);
            WorkspaceSecret anywhere = secrets.get(ANY_NAMESPACE + "/" + workspaceSecretName);
            if (secret == null && anywhere != null) {
                secret = new WorkspaceSecret(namespace, anywhere.name(), anywhere.annotations(),
                        anywhere.labelledWorkspaceId(), anywhere.provider(), anywhere.model(), anywhere.keys(),
                        anywhere.nonEmptyKeys());
            }
        }
        Map<String, SecretLabels> referenced = new HashMap<>();
        for (String name : referencedSecrets) {
            SecretLabels found = labels.getOrDefault(namespace + "/" + name, labels.get(ANY_NAMESPACE + "/" + name));
            if (found != null) {
                referenced.put(name, found);
            }
        }
        NamespaceInfo ns = namespaces.get(namespace);
        return Facts.of(secret == null ? Lookup.absent() : Lookup.found(secret),
                ns == null ? Lookup.absent() : Lookup.found(ns), referenced);
    }

    private static WorkspaceSecret secret(Path file, JsonNode doc, Map<String, String> labels, PolicyConfig config) {
        JsonNode metadata = doc.path("metadata");
        String name = Json.text(metadata, "name");
        if (name == null || name.isBlank()) {
            throw new InputException(file + ": a Secret has no metadata.name");
        }
        String namespace = Json.text(metadata, "namespace");
        namespace = namespace == null || namespace.isBlank() ? ANY_NAMESPACE : namespace;
        String where = file + ": Secret " + (namespace.isEmpty() ? name : namespace + "/" + name);
        Map<String, String> data = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : fields(doc.path("data"), where, "data")) {
            if (!e.getValue().isString() && !e.getValue().isNull()) {
                throw new InputException(where + ": data." + e.getKey() + " must be a base64 string");
            }
            data.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().stringValue());
        }
        Map<String, String> stringData = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : fields(doc.path("stringData"), where, "stringData")) {
            // A null value ("KEY:" in YAML) is stored by the API server as an empty string.
            if (!e.getValue().isValueNode()) {
                throw new InputException(where + ": stringData." + e.getKey() + " must be a string");
            }
            stringData.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asString());
        }
        try {
            return SecretFacts.summarize(namespace, name, strings(metadata.path("annotations")),
                    SecretFacts.labelValue(labels, config.workspaceIdLabel()), data, stringData, config);
        } catch (SecretFacts.UndecodableValueException e) {
            throw new InputException(where + ": " + e.getMessage());
        }
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
