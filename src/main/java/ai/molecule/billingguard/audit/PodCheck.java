package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.BillingMode;
import ai.molecule.billingguard.policy.DenialReason;
import ai.molecule.billingguard.policy.Finding;
import ai.molecule.billingguard.policy.PodDecision;
import ai.molecule.billingguard.policy.Resolution;
import ai.molecule.billingguard.policy.Text;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Reads the webhook's own decision for a running pod (its CREATE, reviewed now) as violations. Pure:
 * nothing is classified here that the policy did not already decide.
 */
final class PodCheck {
    /** Most items one detail lists before counting the rest. */
    static final int MAX_LISTED = 10;
    /**
     * A violation before its owner is known.
     *
     * @param fix builds the fix line from the command that restarts the pod's controller
     */
    record Draft(ViolationKind kind, String workspace, String mode, String provider, String source, String detail,
                 UnaryOperator<String> fix) {

        Violation finish(String namespace, String pod, Owner owner) {
            return new Violation(namespace, pod, owner, workspace, mode, provider, source, kind, detail,
                    fix.apply(Fixes.restart(owner, namespace, pod)));
        }
    }

    private final PolicyConfig config;

    PodCheck(PolicyConfig config) {
        this.config = config;
    }

    List<Draft> violations(JsonNode pod, PodDecision decision) {
        List<Draft> found = new ArrayList<>();
        String namespace = Json.text(pod.path("metadata"), "namespace");
        if (decision.workspaceId().isEmpty()) {
            decision.denial().ifPresent(denial -> found.add(decision.failedLookup().isPresent()
                    ? lookupFailed(null, denial)
                    : draft(ViolationKind.BYPASS, null, null, denial, restart -> "label the pod's template "
                    + config.workspaceIdLabel() + "=<its workspace id> or drop its reference to the platform"
                    + " credential Secret, then " + restart)));
            return found;
        }
        String workspace = Text.name(decision.workspaceId().get());
        Resolution resolution = decision.resolution().orElseThrow();
        String secret = namespace + "/" + config.workspaceSecretName(workspace);
        String annotated = Json.text(pod.path("metadata").path("annotations"), config.annotation("mode"));
        if (annotated == null) {
            found.add(draft(ViolationKind.NOT_ANNOTATED, workspace, resolution, "no " + config.annotation("mode")
                    + " annotation: billing-guard never reviewed this pod (it was created before billing-guard was"
                    + " installed, while it was down, or while its webhook failed open)",
                    restart -> restart + " (billing-guard reviews the new pods)"));
        }
        if (resolution.failure().isPresent() || decision.failedLookup().isPresent()) {
            found.add(lookupFailed(workspace, decision.denial().orElse(resolution.failure().map(f -> f.message())
                    .orElse("a lookup failed"))));
            return found;
        }
        if (annotated != null && BillingMode.parse(annotated).filter(resolution.mode()::equals).isEmpty()) {
            found.add(draft(ViolationKind.STALE_MODE, workspace, resolution, "annotated " + config.annotation("mode")
                    + "=" + Text.name(annotated) + ", but workspace \"" + workspace + "\" resolves to "
                    + resolution.mode().wire() + " now (provider " + Text.name(resolution.providerLabel()) + ", source "
                    + resolution.source().wire() + ")",
                    restart -> restart + " (new pods get billing mode " + resolution.mode().wire() + ")"));
        }
        Optional<String> denial = decision.denial();
        if (resolution.unknownWorkspace()) {
            denial.ifPresent(d -> found.add(draft(ViolationKind.PLATFORM_ITEMS, workspace, resolution, d,
                    restart -> "create Secret " + secret + " labelled " + config.workspaceIdLabel() + "=" + workspace
                            + " with the workspace's provider selection, or remove the platform credentials from the"
                            + " pod's template, then " + restart)));
            return found;
        }
        if (!resolution.mode().strips()) {
            return found; // a platform_managed pod may hold platform items (an untrusted creator is not the audit's to judge)
        }
        boolean noUserKey = decision.denialReason().filter(DenialReason.NO_USER_KEY::equals).isPresent();
        Optional<String> proxyKeys = denial.filter(d -> decision.denialReason()
                .filter(DenialReason.PROXY_THROUGH_ENVFROM::equals).isPresent());
        if (!decision.removals().isEmpty() || proxyKeys.isPresent()) {
            List<String> parts = new ArrayList<>();
            if (!decision.removals().isEmpty()) {
                parts.add("would strip " + listed(decision.removals()));
            }
            proxyKeys.ifPresent(parts::add);
            found.add(draft(ViolationKind.PLATFORM_ITEMS, workspace, resolution, String.join("; ", parts),
                    proxyKeys.isPresent()
                            ? restart -> "remove the platform proxy keys the detail names from Secret " + secret
                            + ", then " + restart
                            : restart -> restart + " (billing-guard strips the platform credentials from the new pods)"));
        }
        if (noUserKey) {
            found.add(draft(ViolationKind.NO_USER_KEY, workspace, resolution, denial.get(),
                    restart -> "put the user's key (one of the names in the detail) into Secret " + secret
                            + " and pass it to the pod's container, then " + restart));
        }
        return found;
    }

    private static Draft draft(ViolationKind kind, String workspace, Resolution resolution, String detail,
                               UnaryOperator<String> fix) {
        return resolution == null ? new Draft(kind, workspace, null, null, null, detail, fix)
                : new Draft(kind, workspace, resolution.mode().wire(), resolution.providerLabel(),
                resolution.source().wire(), detail, fix);
    }

    /** The mode is not known when a lookup failed: the webhook would deny the pod until it can read it. */
    private static Draft lookupFailed(String workspace, String detail) {
        return new Draft(ViolationKind.LOOKUP_FAILED, workspace, null, null, null, detail,
                restart -> "let billing-guard read what the detail names (RBAC, API server health), then run"
                        + " billing-guard audit again");
    }

    /** Distinct item descriptions (container and name), at most {@link #MAX_LISTED}, the rest counted. */
    private static String listed(List<Finding> items) {
        List<String> distinct = items.stream().map(Finding::description).distinct().toList();
        if (distinct.size() <= MAX_LISTED) {
            return String.join("; ", distinct);
        }
        return String.join("; ", distinct.subList(0, MAX_LISTED)) + "; and " + (distinct.size() - MAX_LISTED)
                + " more";
    }
}
