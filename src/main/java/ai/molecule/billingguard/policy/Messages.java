package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.Optional;

/** The sentences a user reads: denials and warnings. They name objects and keys, never values. */
final class Messages {
    private final String workspace;
    private final String secret;
    private final Resolution resolution;
    private final Set<String> accepted;

    Messages(String workspace, String secret, Resolution resolution, Set<String> accepted) {
        this.workspace = workspace;
        this.secret = secret;
        this.resolution = resolution;
        this.accepted = accepted;
    }

    private String who() {
        return "workspace \"" + workspace + "\" resolves to billing mode " + resolution.mode().wire()
                + " (provider " + resolution.providerLabel() + ", source " + resolution.source().wire() + ")";
    }

    String failure(Lookup.Failed<?> failed) {
        return "workspace \"" + workspace + "\": " + failed.message() + "; billing-guard fails closed (billing mode "
                + resolution.mode().wire() + ") and denies the pod until it can read it";
    }

    String noUserKey(List<Finding> stripped) {
        String message = who() + " but no container gets a key of the user's own: put one of "
                + String.join(", ", accepted) + " into Secret " + secret
                + " and pass it to a container (env valueFrom.secretKeyRef or envFrom)";
        if (!stripped.isEmpty()) {
            message += "; platform credentials that would be stripped: " + names(stripped);
        }
        return message;
    }

    String platformItemsRemain(List<Finding> items) {
        return who() + " but platform credentials remain after all mutating webhooks: "
                + items.stream().map(Finding::description).collect(Collectors.joining("; "));
    }

    /** @param applied the item is removed by this answer's patch; otherwise it would be (denied pod, pod template) */
    String strippedWarning(Finding finding, boolean applied) {
        return "billing-guard " + (applied ? "stripped " : "would strip ") + finding.description() + ": workspace \"" + workspace + "\" is "
                + resolution.mode().wire() + " (provider " + resolution.providerLabel() + ")";
    }

    static String bypass(PolicyConfig config, List<Finding> refs, Optional<Lookup.Failed<?>> listFailure) {
        String items = refs.stream().map(Finding::description).collect(Collectors.joining("; "));
        if (listFailure.isPresent()) {
            return "pod without a workspace id (label " + config.workspaceIdLabel() + ") references secrets (" + items
                    + ") and billing-guard cannot tell whether they are platform credentials: "
                    + listFailure.get().message() + "; failing closed";
        }
        return "pod without a workspace id (label " + config.workspaceIdLabel() + ") references platform credentials: " + items
                + "; only workspace pods may use them, so label the pod with its workspace id";
    }

    private static String names(List<Finding> findings) {
        return findings.stream().map(Finding::strippedName).distinct().sorted().collect(Collectors.joining(","));
    }
}
