package ai.molecule.billingguard.admission;

import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.MissingNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records RFC 6902 operations while applying each one to a private version of the document, so
 * every path is exact for the document as it stands at that point of the patch.
 *
 * <p>The private version is copied on write: it shares every subtree with the original until an
 * operation changes something under it, and then only the objects and arrays on the way from the
 * root to the change are copied (shallowly). A patch touching a few entries of a large pod copies
 * a few small containers instead of the whole tree; the original is never changed.
 */
final class PatchRecorder {
    private JsonNode document;
    /** The containers this recorder copied: its own, free to change; everything else is the original's. */
    private final Set<JsonNode> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ArrayNode operations = JsonNodeFactory.instance.arrayNode();

    PatchRecorder(JsonNode original) {
        this.document = original;
    }

    /**
     * The node at {@code pointer}, made this recorder's own when it is an object or an array: it and
     * every container above it are copied once (shallowly) and linked in place of the original's.
     * A missing node is {@link MissingNode}, as {@link JsonNode#at} says.
     */
    private JsonNode own(JsonPointer pointer) {
        document = owned(document);
        JsonNode node = document;
        for (JsonPointer p = pointer; !p.matches(); p = p.tail()) {
            if (node instanceof ArrayNode array) {
                int index = p.getMatchingIndex();
                JsonNode child = array.get(index);
                if (child == null) {
                    return MissingNode.getInstance();
                }
                JsonNode mine = owned(child);
                if (mine != child) {
                    array.set(index, mine);
                }
                node = mine;
            } else if (node instanceof ObjectNode object) {
                String property = p.getMatchingProperty();
                JsonNode child = object.get(property);
                if (child == null) {
                    return MissingNode.getInstance();
                }
                JsonNode mine = owned(child);
                if (mine != child) {
                    object.set(property, mine);
                }
                node = mine;
            } else {
                return MissingNode.getInstance();
            }
        }
        return node;
    }

    /** {@code node} itself when it is this recorder's or no container, else a shallow copy that is. */
    private JsonNode owned(JsonNode node) {
        if (owned.contains(node)) {
            return node;
        }
        JsonNode copy;
        if (node instanceof ObjectNode object) {
            copy = JsonNodeFactory.instance.objectNode().setAll(object);
        } else if (node instanceof ArrayNode array) {
            copy = JsonNodeFactory.instance.arrayNode(array.size()).addAll(array);
        } else {
            return node;
        }
        owned.add(copy);
        return copy;
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
            JsonNode parent = own(p.head());
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
        JsonNode parent = own(p.head());
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

    /** The document with every recorded operation applied (sharing what no operation touched with the original). */
    JsonNode result() {
        return document;
    }
}
