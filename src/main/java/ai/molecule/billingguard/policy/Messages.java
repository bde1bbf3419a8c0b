package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The sentences a user reads: denials and warnings. They name objects and keys, never values;
 * every tenant-controlled name goes through {@link Text}, and every list is capped, so an answer
 * stays small whatever the pod holds.
 */
final class Messages {
    /** Most warnings in one answer; the last one counts the rest. */
    static final int MAX_WARNINGS = 10;
    /** Longest warning, in characters. */
    static final int MAX_WARNING = 255;
    /** Most items a message lists before counting the rest. */
    static final int MAX_LISTED = 10;
    /** Longest {@code stripped} annotation, in characters, before the rest are counted. */
    static final int MAX_STRIPPED = 1024;

    private final PolicyConfig config;
    private final String id;
    private final String workspace;
    private final String secretRef;
    private final Resolution resolution;

    /**
     * @param secretRef {@code namespace/name} of the workspace secret (or of the one that should exist)
     */
    Messages(PolicyConfig config, String workspace, String secretRef, Resolution resolution) {
        this.config = config;
        this.id = Text.name(workspace);
        this.workspace = "\"" + id + "\"";
        this.secretRef = Text.name(secretRef);
        this.resolution = resolution;
    }

    private String who() {
        return "workspace " + workspace + " resolves to billing mode " + resolution.mode().wire()
                + " (provider " + Text.name(resolution.providerLabel()) + ", source " + resolution.source().wire() + ")";
    }

    String failure(Lookup.Failed<?> failed) {
        return "workspace " + workspace + ": " + failed.message() + "; billing-guard fails closed (billing mode "
                + BillingMode.PLATFORM_MANAGED.wire() + ") and denies the pod until it can read it";
    }

    /** Rung 6: no workspace secret, no org default, and the pod carries platform items. */
    /** @param nameable the workspace id can name a Secret (it is a label value) */
    String unknownWorkspace(String why, boolean nameable, String namespace, List<Finding> items) {
        String remedy = nameable
                ? "create Secret " + secretRef + " labelled " + config.workspaceIdLabel() + "=" + id
                        + " with its provider selection"
                : "give the pod a workspace id that is a Kubernetes label value (letters, digits, '-', '_' and '.',"
                        + " at most 63)";
        return "workspace " + workspace + " is unknown (" + why + ", and Namespace " + Text.name(namespace)
                + " sets no " + config.billingModeAnnotation() + " default), so nobody can say who pays for its LLM"
                + " calls and it may not use platform credentials: " + list(items) + "; " + remedy
                + ", or remove the platform credentials from the pod";
    }

    String noUserKey(Set<String> accepted, List<Finding> stripped) {
        String message = who() + " but no container gets a key of the user's own: put one of "
                + String.join(", ", accepted) + " into Secret " + secretRef
                + " and pass it to a container (env valueFrom.secretKeyRef or envFrom)";
        if (!stripped.isEmpty()) {
            message += "; platform credentials that would be stripped: " + names(stripped);
        }
        return message;
    }

    String platformItemsRemain(List<Finding> items) {
        return who() + " but platform credentials remain after all mutating webhooks: " + list(items);
    }

    String proxyThroughEnvFrom(List<String> deliveries) {
        return who() + " but " + capped(deliveries, "; ");
    }

    String untrusted(Creator creator, List<Finding> items) {
        return who() + " and keeps platform credentials (" + list(items) + "), but "
                + (creator.username().isEmpty() ? "the request names no user" : Text.quoted(creator.username())
                + " is not") + " among the trusted workspace pod creators (trust.workspacePodCreators): only they,"
                + " and Kubernetes' own controllers, may create workspace pods that use the platform's credentials";
    }

    /**
     * One warning per distinct stripped item, identical ones counted, so 55,000 copies of one
     * variable make one warning.
     *
     * @param applied the items are removed by this answer's patch; otherwise they would be (denied pod, template)
     */
    List<String> strippedWarnings(List<Finding> findings, boolean applied) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        findings.forEach(f -> counts.merge(f.description(), 1, Integer::sum));
        List<String> warnings = new ArrayList<>();
        counts.forEach((description, n) -> warnings.add("billing-guard " + (applied ? "strips " : "would strip ")
                + description + (n > 1 ? " (" + n + " entries)" : "") + ": workspace " + workspace + " is "
                + resolution.mode().wire() + " (provider " + Text.name(resolution.providerLabel()) + ")"));
        return warnings;
    }

    static String bypass(PolicyConfig config, List<Finding> refs, Optional<Lookup.Failed<?>> listFailure) {
        String items = list(refs);
        if (listFailure.isPresent()) {
            return "pod without a workspace id (label " + config.workspaceIdLabel() + ") references secrets (" + items
                    + ") and billing-guard cannot tell whether they are platform credentials: "
                    + listFailure.get().message() + "; failing closed";
        }
        return "pod without a workspace id (label " + config.workspaceIdLabel() + ") references platform credentials: "
                + items + "; only workspace pods may use them, so label the pod with its workspace id";
    }

    /** At most {@link #MAX_WARNINGS}, each at most {@link #MAX_WARNING} characters; the last counts the rest. */
    static List<String> bounded(List<String> warnings) {
        List<String> out = new ArrayList<>();
        int shown = warnings.size() <= MAX_WARNINGS ? warnings.size() : MAX_WARNINGS - 1;
        for (int i = 0; i < shown; i++) {
            out.add(Text.cut(warnings.get(i), MAX_WARNING));
        }
        if (shown < warnings.size()) {
            out.add("billing-guard: " + (warnings.size() - shown) + " more warnings not shown (the "
                    + "billing.molecule.ai/stripped annotation lists every stripped name)");
        }
        return out;
    }

    /**
     * The {@code stripped} annotation: sorted distinct names, cut at {@link #MAX_STRIPPED} characters
     * with the rest counted ({@code +N more}).
     */
    static String strippedNames(List<Finding> removals) {
        Set<String> names = new TreeSet<>();
        removals.forEach(f -> names.add(f.strippedName()));
        StringBuilder b = new StringBuilder();
        int left = names.size();
        for (String name : names) {
            if (b.length() + name.length() + 1 > MAX_STRIPPED - 16) {
                return b.append(b.length() == 0 ? "+" : ",+").append(left).append(" more").toString();
            }
            b.append(b.length() == 0 ? "" : ",").append(name);
            left--;
        }
        return b.toString();
    }

    private static String names(List<Finding> findings) {
        Set<String> names = new TreeSet<>();
        findings.forEach(f -> names.add(Text.name(f.strippedName())));
        return capped(List.copyOf(names), ",");
    }

    private static String list(List<Finding> findings) {
        List<String> distinct = findings.stream().map(Finding::description).distinct().toList();
        return capped(distinct, "; ");
    }

    private static String capped(List<String> items, String separator) {
        if (items.size() <= MAX_LISTED) {
            return String.join(separator, items);
        }
        return String.join(separator, items.subList(0, MAX_LISTED)) + separator + "and " + (items.size() - MAX_LISTED)
                + " more";
    }
}
