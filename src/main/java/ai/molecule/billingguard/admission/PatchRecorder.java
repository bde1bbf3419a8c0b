package ai.molecule.billingguard.admission;

import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records RFC 6902 operations while applying each one to a private copy of the document, so every
 * path is exact for the document as it stands at that point of the patch.
 */
final class PatchRecorder {
    private final JsonNode document;
    private final ArrayNode operations = JsonNodeFactory.instance.arrayNode();

    PatchRecorder(JsonNode original) {
        this.document = original.deepCopy();
    }

    JsonNode at(String pointer) {
        return document.at(pointer);
    }

    void remove(String pointer) {
        apply("remove", pointer, null);
    }

    /**
     * Removes every pointer, recording them in the order given (which must keep each array's
     * indices descending, so that every recorded path is exact). Each array is rebuilt once, so
     * removing n entries of one array costs O(n), not O(n²).
     */
    void removeAll(List<String> pointers) {
        // Keyed by the array itself, not its path: once a parent array is rebuilt, a nested array's
        // path (a projected volume's sources) would point elsewhere. Every path is read before any
        // array changes, which is exact because removals come later indices first.
        Map<ArrayNode, Set<Integer>> byArray = new IdentityHashMap<>();
        for (String pointer : pointers) {
            JsonPointer p = JsonPointer.compile(pointer);
            JsonNode parent = document.at(p.head());
            if (parent instanceof ArrayNode array) {
                byArray.computeIfAbsent(array, k -> new HashSet<>()).add(p.last().getMatchingIndex());
            } else {
                ((ObjectNode) parent).remove(p.last().getMatchingProperty());
            }
            record("remove", pointer, null);
        }
        byArray.forEach((array, indexes) -> {
            List<JsonNode> kept = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                if (!indexes.contains(i)) {
                    kept.add(array.get(i));
                }
            }
            array.removeAll();
            array.addAll(kept);
        });
    }

    void add(String pointer, JsonNode value) {
        apply("add", pointer, value);
    }

    void replace(String pointer, JsonNode value) {
        apply("replace", pointer, value);
    }

    /** Applies one operation to the copy (the parent is an array or an object), then records it. */
    private void apply(String op, String pointer, JsonNode value) {
        JsonPointer p = JsonPointer.compile(pointer);
        JsonNode parent = document.at(p.head());
        if (parent instanceof ArrayNode array) {
            int index = p.last().getMatchingIndex();
            switch (op) {
                case "remove" -> array.remove(index);
                case "add" -> array.insert(index, value.deepCopy());
                default -> array.set(index, value.deepCopy());
            }
        } else {
            ObjectNode object = (ObjectNode) parent;
            String property = p.last().getMatchingProperty();
            if (op.equals("remove")) {
                object.remove(property);
            } else {
                object.set(property, value.deepCopy());
            }
        }
        record(op, pointer, value);
    }

    private void record(String op, String pointer, JsonNode value) {
        ObjectNode operation = operations.addObject().put("op", op).put("path", pointer);
        if (value != null) {
            operation.set("value", value.deepCopy());
        }
    }

    ArrayNode operations() {
        return operations;
    }

    /** The document with every recorded operation applied. */
    JsonNode result() {
        return document;
    }
}
