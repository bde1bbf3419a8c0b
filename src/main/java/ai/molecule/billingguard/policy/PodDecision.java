package ai.molecule.billingguard.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the policy concluded about one pod (or pod template), before it becomes an answer.
 *
 * @param workspaceId      the workspace id, or empty for a pod without the workspace label
 * @param resolution       the billing mode (empty for a pod without the workspace label)
 * @param removals         the platform items to remove (when the mode strips, else none)
 * @param denial           why the pod must be refused when it is created this way
 * @param annotations      annotations the pod must carry (empty when the review may not set them)
 * @param env              env vars every editable container must carry
 * @param containers       JSON pointers of the editable containers
 * @param warnings         what a user should read: what was stripped, ignored annotations
 * @param failedLookup     the kind of object whose lookup failed ({@code secret}, {@code namespace},
 *                         {@code platform-secrets}) when the pod is denied for it
 */
public record PodDecision(Optional<String> workspaceId, Optional<Resolution> resolution,
                          List<Finding> removals, Optional<String> denial, Map<String, String> annotations, Map<String, String> env,
                          List<String> containers, List<String> warnings, String stripped, Optional<String> failedLookup) {

    /** A pod without workspace label and without platform secret reference: none of billing-guard's business. */
    public boolean untouched() {
        return workspaceId.isEmpty() && denial.isEmpty();
    }
}
