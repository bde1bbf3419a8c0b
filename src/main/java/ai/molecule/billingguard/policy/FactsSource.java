package ai.molecule.billingguard.policy;

import java.util.Set;

/** Where the cluster facts of one decision come from: local files, or informers over a live cluster. */
public interface FactsSource {
    /**
     * @param namespace           the pod's namespace
     * @param workspaceSecretName the workspace secret to look up, or null for a pod without a workspace
     * @param referencedSecrets   names of the Secrets the pod references (env, envFrom, volumes), whose
     *                            labels the decision needs; bounded by the pod's size limit
     */
    Facts facts(String namespace, String workspaceSecretName, Set<String> referencedSecrets);

    /** True once the source can answer from a complete view (informer caches synced). */
    default boolean synced() {
        return true;
    }
}
