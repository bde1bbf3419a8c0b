package ai.molecule.billingguard.policy;

/** Where the cluster facts of one decision come from: local files, or informers over a live cluster. */
public interface FactsSource {
    /**
     * @param namespace           the pod's namespace
     * @param workspaceSecretName the workspace secret to look up, or null for a pod without a workspace
     */
    Facts facts(String namespace, String workspaceSecretName);

    /** True once the source can answer from a complete view (informer caches synced). */
    default boolean synced() {
        return true;
    }
}
