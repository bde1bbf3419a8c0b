package ai.molecule.billingguard.json;

import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The shared Jackson mappers and small tree helpers; Jackson 3 mappers are immutable and thread-safe. */
public final class Json {
    public static final ObjectMapper JSON = JsonMapper.builder().build();

    private Json() {
    }

    /** The YAML writer ({@code -o yaml}); built on first use, so that commands that write no YAML never load it. */
    public static YAMLMapper yaml() {
        return YamlHolder.YAML;
    }

    private static final class YamlHolder {
        static final YAMLMapper YAML = YAMLMapper.builder()
                .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
                .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
                .build();
    }

    /**
     * Every document of a YAML (or JSON) text, skipping empty ones. Read with snakeyaml-engine so
     * that anchors and aliases resolve as YAML says (Jackson's YAML reader turns an alias into its
     * name as a string, which would silently hide what a manifest holds); alias expansion is bounded.
     *
     * @throws SyntaxException with one line: where and what is wrong
     */
    public static List<JsonNode> documents(String text) {
        String start = text.stripLeading();
        if (start.startsWith("{") || start.startsWith("[")) {
            // JSON is read as JSON: YAML forbids the tab indentation that jq --tab or Go's MarshalIndent
            // write. A YAML flow mapping ({name: x}) is no JSON, so YAML gets its turn; if both fail,
            // the JSON problem is the one to report.
            try {
                return jsonDocuments(text);
            } catch (SyntaxException json) {
                try {
                    return yamlDocuments(text);
                } catch (SyntaxException yaml) {
                    throw json;
                }
            }
        }
        return yamlDocuments(text);
    }

    private static List<JsonNode> yamlDocuments(String text) {
        List<JsonNode> docs = new ArrayList<>();
        LoadSettings settings = LoadSettings.builder().setMaxAliasesForCollections(50)
                .setAllowDuplicateKeys(false).build();
        try {
            for (Object doc : new Load(settings).loadAllFromString(text)) {
                if (doc != null) {
                    docs.add(tree(doc));
                }
            }
        } catch (YamlEngineException e) {
            throw new SyntaxException(oneLine(e));
        } catch (ClassCastException | IllegalArgumentException e) {
            throw new SyntaxException("unsupported YAML content (" + e.getClass().getSimpleName() + ")");
        }
        return docs;
    }

    /**
     * What snakeyaml-engine read, as a tree: maps, lists, strings, numbers, booleans and nulls node
     * by node (the same tree {@code JSON.valueToTree} gives, without the data-binding machinery it
     * loads: a fifth of a second of every command's start-up); anything else through {@code valueToTree}.
     */
    static JsonNode tree(Object value) {
        JsonNodeFactory nodes = JSON.getNodeFactory();
        if (value == null) {
            return nodes.nullNode();
        } else if (value instanceof String text) {
            return nodes.stringNode(text);
        } else if (value instanceof Map<?, ?> map) {
            ObjectNode object = nodes.objectNode();
            map.forEach((k, v) -> {
                if (k == null) {
                    throw new SyntaxException("a mapping key is null");
                }
                String key = String.valueOf(k); // 1 and true are keys "1" and "true"
                if (object.has(key)) {
                    throw new SyntaxException("duplicate mapping key \"" + shown(key) + "\"");
                }
                object.set(key, tree(v));
            });
            return object;
        } else if (value instanceof List<?> list) {
            ArrayNode array = nodes.arrayNode(list.size());
            list.forEach(v -> array.add(tree(v)));
            return array;
        } else if (value instanceof Boolean flag) {
            return nodes.booleanNode(flag);
        } else if (value instanceof Integer n) {
            return nodes.numberNode(n);
        } else if (value instanceof Long n) {
            return nodes.numberNode(n);
        } else if (value instanceof BigInteger n) {
            return nodes.numberNode(n);
        } else if (value instanceof Double n) {
            return nodes.numberNode(n);
        }
        return JSON.valueToTree(value);
    }

    /** A key as an error message shows it: printable ASCII, at most 80 characters. */
    private static String shown(String key) {
        String printable = key.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
    }

    /** One or more concatenated JSON documents. */
    private static List<JsonNode> jsonDocuments(String text) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                docs.add(it.nextValue());
            }
        } catch (JacksonException e) {
            throw new SyntaxException(jsonProblem(e));
        }
        return docs;
    }

    /**
     * Where a JSON text is malformed, without Jackson's own message: that message quotes the
     * offending token, which may be a credential.
     */
    public static String jsonProblem(JacksonException e) {
        TokenStreamLocation at = e.getLocation();
        return at == null || at.getLineNr() < 0 ? "malformed JSON"
                : "malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    private static String oneLine(YamlEngineException e) {
        if (e instanceof MarkedYamlEngineException marked) {
            String where = marked.getProblemMark().map(m -> "line " + (m.getLine() + 1) + ", column "
                    + (m.getColumn() + 1) + ": ").orElse("");
            return where + marked.getProblem();
        }
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("bad YAML");
    }

    /** A YAML or JSON text that cannot be read; its message is one line. */
    public static final class SyntaxException extends RuntimeException {
        public SyntaxException(String message) {
            super(message);
        }
    }

    /**
     * The number of elements of an array, 0 for anything else: a pod is tenant input, and an object or
     * a string may stand where Kubernetes wants a list. Index loops over tenant arrays use this.
     */
    public static int count(JsonNode node) {
        return node != null && node.isArray() ? node.size() : 0;
    }

    /** The elements of an array, none for anything else (see {@link #count}). */
    public static Iterable<JsonNode> elements(JsonNode node) {
        return node != null && node.isArray() ? node : List.of();
    }

    /** A string field, or null when absent or not a string. */
    public static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isString() ? v.stringValue() : null;
    }
}
