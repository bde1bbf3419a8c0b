package ai.molecule.billingguard.policy;

import java.util.Set;

/**
 * The cluster facts one decision sees, gathered before the pure policy runs.
 *
 * @param workspaceSecret         the workspace secret of the pod (absent for unlabelled pods)
 * @param namespace               the pod's Namespace
 * @param labelledPlatformSecrets names of secrets in the namespace labelled as platform scope
 *                                ({@code molecule.ai/secret-scope=global}); names from the config are added by the policy
 */
public record Facts(Lookup<WorkspaceSecret> workspaceSecret, Lookup<NamespaceInfo> namespace,
                    Set<String> labelledPlatformSecrets) {
    public Facts {
        labelledPlatformSecrets = Set.copyOf(labelledPlatformSecrets);
    }
}
