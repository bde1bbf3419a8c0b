package ai.molecule.billingguard.config;

import java.util.List;
import java.util.Set;

/**
 * Every name the decision depends on, the provider catalog, and the policy's knobs.
 *
 * @param endpointNames          LLM credential names that are endpoints (base URLs): platform items, never a user's key
 * @param trustedCreators        {@code trust.workspacePodCreators}: who may create workspace pods that keep
 *                               platform items; empty = anyone who may create pods
 * @param maxPodItems            {@code limits.maxPodItems}: a pod with more entries is denied unread
 * @param guardedNamespaceLabel  the label of a guarded Namespace (the webhooks' namespaceSelector)
 * @param guardedNamespaceValue  ... and its value
 */
public record PolicyConfig(
        String workspaceIdLabel,
        String runtimeLabel,
        String defaultRuntime,
        String workspaceSecretNameTemplate,
        String providerKey,
        String modelKey,
        Set<String> platformSentinels,
        String billingModeAnnotation,
        Set<String> platformSecretNames,
        String secretScopeLabel,
        String secretScopeValue,
        Set<String> llmCredentialNames,
        Set<String> endpointNames,
        Set<String> proxyNames,
        String annotationPrefix,
        String modeEnv,
        String providerEnv,
        ProviderCatalog catalog,
        List<String> trustedCreators,
        int maxPodItems,
        String guardedNamespaceLabel,
        String guardedNamespaceValue) {

    public String workspaceSecretName(String workspaceId) {
        return workspaceSecretNameTemplate.replace("{id}", workspaceId);
    }

    public String annotation(String suffix) {
        return annotationPrefix + suffix;
    }
}
