package ai.molecule.billingguard.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the policy concluded about one pod (or pod template), before it becomes an answer.
 * Built through its named constructors.
 *
 * @param workspaceId        the workspace id, or empty for a pod without the workspace label
 * @param resolution         the billing mode (empty for a pod without the workspace label)
 * @param removals           the platform items to remove (when the mode strips, else none)
 * @param denial             why the pod must be refused when it is created this way, for people
 * @param denialReason       the same as a code (present exactly when {@code denial} is)
 * @param annotations        annotations the pod must carry (empty when the review may not set them)
 * @param env                env vars every editable container must carry
 * @param containers         JSON pointers of the editable containers
 * @param resolutionWarnings notes from the resolution, such as an ignored annotation value
 * @param stripWarnings      what was (or would be) stripped, one per distinct item
 * @param stripped           the {@code billing.molecule.ai/stripped} value: what this review removes
 * @param failedLookup       the kind of object whose lookup failed ({@code secret}, {@code namespace},
 *                           {@code platform-secrets}) when the pod is denied for it
 */
public record PodDecision(Optional<String> workspaceId, Optional<Resolution> resolution,
                          List<Finding> removals, Optional<String> denial, Optional<DenialReason> denialReason,
                          Map<String, String> annotations,
                          Map<String, String> env, List<String> containers, List<String> resolutionWarnings,
                          List<String> stripWarnings, String stripped, Optional<String> failedLookup) {

    public PodDecision {
        removals = List.copyOf(removals);
        containers = List.copyOf(containers);
        resolutionWarnings = List.copyOf(resolutionWarnings);
        stripWarnings = List.copyOf(stripWarnings);
    }

    /** A pod without the workspace label that references no platform credential secret. */
    static PodDecision untouched() {
        return new PodDecision(Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Map.of(),
                Map.of(), List.of(), List.of(), List.of(), "", Optional.empty());
    }

    /** A pod without the workspace label that references platform credential secrets (or might: failedLookup). */
    static PodDecision bypass(String denial, Optional<String> failedLookup) {
        return new PodDecision(Optional.empty(), Optional.empty(), List.of(), Optional.of(denial),
                Optional.of(failedLookup.isPresent() ? DenialReason.LOOKUP_FAILED : DenialReason.BYPASS), Map.of(), Map.of(),
                List.of(), List.of(), List.of(), "", failedLookup);
    }

    /** A workspace pod: resolved, scanned, and judged. */
    static PodDecision workspace(String workspaceId, Resolution resolution, List<Finding> removals,
                                 Optional<Denial> denial, Map<String, String> annotations, Map<String, String> env,
                                 List<String> containers, List<String> stripWarnings, String stripped,
                                 Optional<String> failedLookup) {
        return new PodDecision(Optional.of(workspaceId), Optional.of(resolution), removals,
                denial.map(Denial::message), denial.map(Denial::reason), annotations, env, containers,
                resolution.warnings(), stripWarnings, stripped, failedLookup);
    }

    /** A refusal: its reason and its message. */
    record Denial(DenialReason reason, String message) {
    }

    /** A pod without workspace label and without platform secret reference: none of billing-guard's business. */
    public boolean untouchedPod() {
        return workspaceId.isEmpty() && denial.isEmpty();
    }

    /** What the answer carries: resolution notes first, then what was stripped; at most ten, each short. */
    public List<String> warnings() {
        List<String> all = new ArrayList<>(resolutionWarnings);
        all.addAll(stripWarnings);
        return Messages.bounded(all);
    }
}
