package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodDecision;
import ai.molecule.billingguard.policy.Pointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a {@link PodDecision} into surgical operations on the raw request object: removals first,
 * in descending index order; then the annotations and env vars, each an {@code add} or
 * {@code replace} on its exact path (a missing object or array is added holding its first element). Nothing already right is touched, so a second review of the
 * patched object yields no operation.
 */
final class PatchBuilder {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PatchBuilder() {
    }

    static PatchRecorder build(JsonNode object, String base, PodDecision decision) {
        PatchRecorder patch = new PatchRecorder(object);
        Set<String> removals = new TreeSet<>(DESCENDING);
        decision.removals().forEach(f -> removals.add(f.pointer()));
        for (String container : decision.containers()) {
            removals.addAll(laterDuplicates(object.at(container + "/env"), container + "/env",
                    decision.env().keySet(), removals));
        }
        patch.removeAll(List.copyOf(removals));
        String metadata = base + "/metadata";
        decision.annotations().forEach((key, value) -> annotate(patch, metadata, key, value));
        for (String container : decision.containers()) {
            decision.env().forEach((name, value) -> setEnv(patch, container + "/env", name, value));
        }
        return patch;
    }

    /**
     * Kubernetes takes the last of duplicate env names, so a copy of one of ours after the first
     * would win over the value we set: every copy but the first is removed with the other removals.
     */
    private static List<String> laterDuplicates(JsonNode env, String envPointer, Set<String> names, Set<String> removed) {
        List<String> duplicates = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int j = 0; j < Json.count(env); j++) {
            String name = Json.text(env.get(j), "name");
            String pointer = Pointer.child(envPointer, j);
            if (names.contains(name) && !removed.contains(pointer) && !seen.add(name)) {
                duplicates.add(pointer);
            }
        }
        return duplicates;
    }

    /** A missing {@code metadata} or {@code annotations} object is created holding its first element. */
    private static void annotate(PatchRecorder patch, String metadata, String key, String value) {
        if (!patch.at(metadata).isObject()) {
            ObjectNode created = NODES.objectNode();
            created.putObject("annotations").put(key, value);
            patch.add(metadata, created);
            return;
        }
        String annotations = metadata + "/annotations";
        if (!patch.at(annotations).isObject()) {
            patch.add(annotations, NODES.objectNode().put(key, value));
            return;
        }
        JsonNode current = patch.at(annotations).get(key);
        if (current == null) {
            patch.add(Pointer.child(annotations, key), NODES.stringNode(value));
        } else if (!current.isString() || !current.stringValue().equals(value)) {
            patch.replace(Pointer.child(annotations, key), NODES.stringNode(value));
        }
    }

    /** A missing {@code env} array is created holding its first element; a wrong value is replaced in place. */
    private static void setEnv(PatchRecorder patch, String envPointer, String name, String value) {
        JsonNode env = patch.at(envPointer);
        if (!env.isArray()) {
            patch.add(envPointer, NODES.arrayNode().add(envVar(name, value)));
            return;
        }
        for (int j = 0; j < env.size(); j++) {
            if (name.equals(Json.text(env.get(j), "name"))) {
                if (!envVar(name, value).equals(env.get(j))) {
                    patch.replace(Pointer.child(envPointer, j), envVar(name, value));
                }
                return;
            }
        }
        patch.add(Pointer.child(envPointer, env.size()), envVar(name, value));
    }

    private static ObjectNode envVar(String name, String value) {
        return NODES.objectNode().put("name", name).put("value", value);
    }

    /** Descending by path, numeric tokens compared as numbers, so later items are removed first. */
    static final Comparator<String> DESCENDING = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ie = token(a, i);
            int je = token(b, j);
            int c = compareToken(a, i, ie, b, j, je);
            if (c != 0) {
                return -c;
            }
            i = ie + 1;
            j = je + 1;
        }
        return -Integer.compare(a.length() - i, b.length() - j);
    };

    private static int token(String s, int from) {
        int end = s.indexOf('/', from);
        return end < 0 ? s.length() : end;
    }

    /** Tokens compared as numbers when both are digits (shorter is smaller), else as text. */
    private static int compareToken(String a, int as, int ae, String b, int bs, int be) {
        boolean numeric = ae > as && be > bs && digits(a, as, ae) && digits(b, bs, be);
        if (numeric && ae - as != be - bs) {
            return Integer.compare(ae - as, be - bs);
        }
        return CharSequence.compare(a.subSequence(as, ae), b.subSequence(bs, be));
    }

    private static boolean digits(String s, int from, int to) {
        for (int k = from; k < to; k++) {
            if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                return false;
            }
        }
        return true;
    }
}
