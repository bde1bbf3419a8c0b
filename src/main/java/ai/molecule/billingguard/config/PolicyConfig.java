package ai.molecule.billingguard.config;

import java.util.Set;

/** Every name the decision depends on (SPEC "Vocabulary"), plus the provider catalog. */
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
        Set<String> proxyNames,
        String annotationPrefix,
        String modeEnv,
        String providerEnv,
        ProviderCatalog catalog) {

    public String workspaceSecretName(String workspaceId) {
        return workspaceSecretNameTemplate.replace("{id}", workspaceId);
    }

    public String annotation(String suffix) {
        return annotationPrefix + suffix;
    }
}
