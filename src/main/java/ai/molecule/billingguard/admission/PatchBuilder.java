package ai.molecule.billingguard.admission;

import ai.molecule.billingguard.config.Yaml;
import ai.molecule.billingguard.policy.Finding;
import ai.molecule.billingguard.policy.PodDecision;
import ai.molecule.billingguard.policy.Pointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link PodDecision} into surgical operations on the raw request object: removals first,
 * in descending index order; then the annotations and env vars, each an {@code add} or
 * {@code replace} on its exact path. Nothing already right is touched, so a second review of the
 * patched object yields no operation.
 */
final class PatchBuilder {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PatchBuilder() {
    }

    static PatchRecorder build(JsonNode object, String base, PodDecision decision) {
        PatchRecorder patch = new PatchRecorder(object);
        decision.removals().stream().map(Finding::pointer).distinct()
                .sorted(DESCENDING).forEach(patch::remove);
        if (!decision.annotations().isEmpty()) {
            annotate(patch, base + "/metadata", decision.annotations());
        }
        for (String container : decision.containers()) {
            setEnv(patch, container, decision.env());
        }
        return patch;
    }

    private static void annotate(PatchRecorder patch, String metadata, Map<String, String> wanted) {
        if (!patch.at(metadata).isObject()) {
            ObjectNode value = NODES.objectNode();
            value.set("annotations", toObject(wanted));
            patch.add(metadata, value);
            return;
        }
        String annotations = metadata + "/annotations";
        if (!patch.at(annotations).isObject()) {
            patch.add(annotations, toObject(wanted));
            return;
        }
        wanted.forEach((key, value) -> {
            JsonNode current = patch.at(annotations).get(key);
            String pointer = Pointer.child(annotations, key);
            if (current == null) {
                patch.add(pointer, NODES.stringNode(value));
            } else if (!current.isString() || !current.stringValue().equals(value)) {
                patch.replace(pointer, NODES.stringNode(value));
            }
        });
    }

    private static void setEnv(PatchRecorder patch, String container, Map<String, String> wanted) {
        String envPointer = container + "/env";
        if (!patch.at(envPointer).isArray()) {
            ArrayNode env = NODES.arrayNode();
            wanted.forEach((name, value) -> env.add(envVar(name, value)));
            patch.add(envPointer, env);
            return;
        }
        wanted.forEach((name, value) -> {
            JsonNode env = patch.at(envPointer);
            List<Integer> same = new ArrayList<>();
            for (int j = 0; j < env.size(); j++) {
                if (name.equals(Yaml.text(env.get(j), "name"))) {
                    same.add(j);
                }
            }
            if (same.isEmpty()) {
                patch.add(Pointer.child(envPointer, env.size()), envVar(name, value));
                return;
            }
            // Kubernetes takes the last of duplicate names: keep only the first, with our value.
            for (int k = same.size() - 1; k >= 1; k--) {
                patch.remove(Pointer.child(envPointer, same.get(k)));
            }
            int first = same.get(0);
            if (!envVar(name, value).equals(patch.at(envPointer).get(first))) {
                patch.replace(Pointer.child(envPointer, first), envVar(name, value));
            }
        });
    }

    private static ObjectNode envVar(String name, String value) {
        return NODES.objectNode().put("name", name).put("value", value);
    }

    private static ObjectNode toObject(Map<String, String> values) {
        ObjectNode node = NODES.objectNode();
        values.forEach(node::put);
        return node;
    }

    /** Descending by path, numeric tokens compared as numbers, so later items are removed first. */
    static final Comparator<String> DESCENDING = (a, b) -> {
        String[] x = a.split("/");
        String[] y = b.split("/");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = compareToken(x[i], y[i]);
            if (c != 0) {
                return -c;
            }
        }
        return -Integer.compare(x.length, y.length);
    };

    private static int compareToken(String a, String b) {
        boolean numeric = !a.isEmpty() && !b.isEmpty() && a.chars().allMatch(Character::isDigit)
                && b.chars().allMatch(Character::isDigit);
        return numeric ? Long.compare(Long.parseLong(a), Long.parseLong(b)) : a.compareTo(b);
    }
}
