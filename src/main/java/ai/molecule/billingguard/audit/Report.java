package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What one audit run found.
 *
 * @param checked    running pods looked at
 * @param namespaces the guarded namespaces audited
 * @param violations sorted by namespace, pod and violation
 * @param problems   pods that could not be audited (errors)
 * @param notes      what the report could not say as well as it should (an owner that could not be read)
 */
public record Report(int checked, List<String> namespaces, List<Violation> violations, List<String> problems,
                     List<String> notes) {
    /** Most namespaces the summary line names before counting the rest. */
    static final int NAMED_NAMESPACES = 10;
    private static final String NONE = "-";

    public Report {
        namespaces = List.copyOf(namespaces);
        violations = List.copyOf(violations);
        problems = List.copyOf(problems);
        notes = List.copyOf(notes);
    }

    /** Violations by kind, every kind present (0 when none), in {@link ViolationKind} order. */
    public Map<ViolationKind, Integer> counts() {
        Map<ViolationKind, Integer> counts = new LinkedHashMap<>();
        for (ViolationKind kind : ViolationKind.values()) {
            counts.put(kind, 0);
        }
        violations.forEach(v -> counts.merge(v.kind(), 1, Integer::sum));
        return counts;
    }

    /** Violations by namespace and kind name, for every namespace audited and every kind (0 when none). */
    public Map<String, Map<String, Integer>> countsByNamespace() {
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        for (String namespace : namespaces) {
            Map<String, Integer> kinds = new LinkedHashMap<>();
            ViolationKind.NAMES.forEach(k -> kinds.put(k, 0));
            counts.put(namespace, kinds);
        }
        violations.forEach(v -> counts.computeIfAbsent(v.namespace(), n -> new LinkedHashMap<>())
                .merge(v.kind().wire(), 1, Integer::sum));
        return counts;
    }

    /** One line: pods checked, violations by kind, namespaces. */
    public String summary() {
        String where = namespaces.size() + " guarded namespace" + (namespaces.size() == 1 ? "" : "s");
        if (!namespaces.isEmpty()) {
            where += " (" + String.join(", ", namespaces.subList(0, Math.min(NAMED_NAMESPACES, namespaces.size())))
                    + (namespaces.size() > NAMED_NAMESPACES ? ", and " + (namespaces.size() - NAMED_NAMESPACES)
                    + " more" : "") + ")";
        }
        String found = violations.isEmpty() ? "no violations"
                : violations.size() + " violation" + (violations.size() == 1 ? "" : "s") + ": "
                + counts().entrySet().stream().filter(e -> e.getValue() > 0)
                .map(e -> e.getKey().wire() + " " + e.getValue()).collect(Collectors.joining(", "));
        return "checked " + checked + " pod" + (checked == 1 ? "" : "s") + " in " + where + ": " + found;
    }

    /** {@code {"checked": N, "violations": [...]}}: the stable document of {@code -o json} and {@code -o yaml}. */
    public ObjectNode document() {
        ObjectNode doc = Json.JSON.createObjectNode();
        doc.put("checked", checked);
        ArrayNode list = doc.putArray("violations");
        for (Violation v : violations) {
            ObjectNode o = list.addObject();
            o.put("namespace", v.namespace());
            o.put("pod", v.pod());
            o.putObject("owner").put("kind", v.owner().kind()).put("name", v.owner().name());
            o.put("workspace", v.workspace());
            o.put("mode", v.mode());
            o.put("provider", v.provider());
            o.put("source", v.source());
            o.put("violation", v.kind().wire());
            o.put("detail", v.detail());
            o.put("fix", v.fix());
        }
        return doc;
    }

    /** A table per owner (its pods, what is wrong, the fix), then the summary line. */
    public String text() {
        Map<String, List<Violation>> byOwner = violations.stream().collect(Collectors.groupingBy(
                v -> v.namespace() + " " + v.owner(), TreeMap::new, Collectors.toList()));
        StringBuilder b = new StringBuilder();
        for (List<Violation> group : byOwner.values()) {
            Violation first = group.get(0);
            b.append(first.owner().kind()).append(' ').append(first.namespace()).append('/')
                    .append(first.owner().name()).append('\n');
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"POD", "VIOLATION", "WORKSPACE", "MODE", "PROVIDER", "SOURCE"});
            // Each group keeps the report's order: pod, then violation.
            group.forEach(v -> rows.add(new String[]{v.pod(), v.kind().wire(), or(v.workspace()), or(v.mode()),
                            or(v.provider()), or(v.source())}));
            int[] widths = new int[rows.get(0).length];
            rows.forEach(r -> {
                for (int i = 0; i < r.length; i++) {
                    widths[i] = Math.max(widths[i], r[i].length());
                }
            });
            for (int r = 0; r < rows.size(); r++) {
                b.append("  ").append(row(rows.get(r), widths)).append('\n');
                if (r > 0) {
                    b.append("      ").append(group.get(r - 1).detail()).append('\n');
                }
            }
            new LinkedHashSet<>(group.stream().map(Violation::fix).toList())
                    .forEach(fix -> b.append("  fix: ").append(fix).append('\n'));
            b.append('\n');
        }
        return b.append(summary()).append('\n').toString();
    }

    private static String row(String[] cells, int[] widths) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            b.append(i == cells.length - 1 ? cells[i] : String.format("%-" + widths[i] + "s  ", cells[i]));
        }
        return b.toString().stripTrailing();
    }

    private static String or(String value) {
        return value == null ? NONE : value;
    }

    /** Violations by key ({@link Violation#key()}). */
    public Map<String, Violation> byKey() {
        return violations.stream().collect(Collectors.toMap(Violation::key, Function.identity(), (a, b) -> a,
                LinkedHashMap::new));
    }
}
