package ai.molecule.billingguard.policy;

import java.util.Map;

/**
 * The cluster facts one decision sees, gathered before the pure policy runs.
 *
 * @param workspaceSecret    the workspace secret of the pod (absent for unlabelled pods)
 * @param namespace          the pod's Namespace
 * @param referencedSecrets  the labels that matter ({@link SecretLabels}) of the Secrets the pod references,
 *                           by name; a name missing from the map is a Secret with neither label (or none at all).
 *                           A failed lookup fails closed like any other.
 */
public record Facts(Lookup<WorkspaceSecret> workspaceSecret, Lookup<NamespaceInfo> namespace,
                    Lookup<Map<String, SecretLabels>> referencedSecrets) {

    /** Facts whose referenced-secret labels are known. */
    public static Facts of(Lookup<WorkspaceSecret> workspaceSecret, Lookup<NamespaceInfo> namespace,
                           Map<String, SecretLabels> referencedSecrets) {
        return new Facts(workspaceSecret, namespace, Lookup.found(Map.copyOf(referencedSecrets)));
    }

    /** Which of these lookups {@code failed} is: {@code secret}, {@code namespace} or {@code platform-secrets}. */
    public String kindOf(Lookup.Failed<?> failed) {
        return failed == workspaceSecret ? "secret" : failed == namespace ? "namespace" : "platform-secrets";
    }
}
