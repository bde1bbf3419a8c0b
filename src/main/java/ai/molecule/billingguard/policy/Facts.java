package ai.molecule.billingguard.policy;

import java.util.Set;

/**
 * The cluster facts one decision sees, gathered before the pure policy runs.
 *
 * @param workspaceSecret         the workspace secret of the pod (absent for unlabelled pods)
 * @param namespace               the pod's Namespace
 * @param labelledPlatformSecrets names of secrets in the namespace labelled as platform scope
 *                                ({@code molecule.ai/secret-scope=global}); names from the config are added by
 *                                the policy. A failed list fails closed like any other lookup.
 */
public record Facts(Lookup<WorkspaceSecret> workspaceSecret, Lookup<NamespaceInfo> namespace,
                    Lookup<Set<String>> labelledPlatformSecrets) {

    /** Facts whose platform-secret list is known. */
    public static Facts of(Lookup<WorkspaceSecret> workspaceSecret, Lookup<NamespaceInfo> namespace,
                           Set<String> labelledPlatformSecrets) {
        return new Facts(workspaceSecret, namespace, Lookup.found(Set.copyOf(labelledPlatformSecrets)));
    }

    /** Which of these lookups {@code failed} is: {@code secret}, {@code namespace} or {@code platform-secrets}. */
    public String kindOf(Lookup.Failed<?> failed) {
        return failed == workspaceSecret ? "secret" : failed == namespace ? "namespace" : "platform-secrets";
    }
}
