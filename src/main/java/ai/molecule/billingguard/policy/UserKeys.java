package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.config.Provider;
import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether a {@code byok} pod gets a key of the user's own: after stripping, some regular container
 * (not an init or ephemeral one) effectively gets a variable among the accepted names whose value
 * comes from a non-empty key of the workspace secret, other than the provider selection and the
 * model. "Effectively" as Kubernetes resolves it: {@code env} overrides {@code envFrom}, a later
 * entry overrides an earlier one, an {@code envFrom} prefix is part of the name.
 */
final class UserKeys {
    private final PolicyConfig config;

    UserKeys(PolicyConfig config) {
        this.config = config;
    }

    /**
     * The provider's accepted keys; when the catalog does not know the provider, any LLM credential
     * name except the endpoints (a base URL is no key).
     */
    Set<String> accepted(Resolution resolution) {
        Optional<Provider> provider = resolution.provider().flatMap(config.catalog()::find)
                .filter(p -> !config.platformSentinels().contains(p.name()));
        if (provider.isPresent()) {
            return new LinkedHashSet<>(provider.get().authEnv());
        }
        Set<String> any = new TreeSet<>(config.llmCredentialNames());
        any.removeAll(config.endpointNames());
        return any;
    }

    /** @param removed pointers of the entries this review removes */
    boolean delivered(JsonNode pod, String base, Classifier classifier, WorkspaceSecret secret, Set<String> accepted,
                      Set<String> removed) {
        JsonNode containers = pod.path("spec").path("containers");
        for (int i = 0; i < Json.count(containers); i++) {
            Map<String, String> effective = effective(containers.get(i), Pointer.child(base + "/spec/containers", i),
                    classifier, secret, removed);
            for (String name : accepted) {
                String key = effective.get(name);
                if (key != null && counts(key, secret)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Variable name → the workspace-secret key it comes from, or null when it comes from elsewhere. */
    private static Map<String, String> effective(JsonNode container, String pointer, Classifier classifier,
                                                 WorkspaceSecret secret, Set<String> removed) {
        Map<String, String> effective = new HashMap<>();
        JsonNode envFrom = container.path("envFrom");
        for (int j = 0; j < Json.count(envFrom); j++) {
            if (!removed.contains(Pointer.child(pointer + "/envFrom", j)) && classifier.role(
                    Json.text(envFrom.get(j).path("secretRef"), "name")) == Classifier.Role.OWN_WORKSPACE) {
                String prefix = Optional.ofNullable(Json.text(envFrom.get(j), "prefix")).orElse("");
                secret.keys().forEach(k -> effective.put(prefix + k, k));
            }
        }
        JsonNode env = container.path("env");
        for (int j = 0; j < Json.count(env); j++) {
            String name = Json.text(env.get(j), "name");
            if (name == null || removed.contains(Pointer.child(pointer + "/env", j))) {
                continue;
            }
            JsonNode ref = env.get(j).path("valueFrom").path("secretKeyRef");
            effective.put(name, classifier.role(Json.text(ref, "name")) == Classifier.Role.OWN_WORKSPACE
                    ? Json.text(ref, "key") : null);
        }
        return effective;
    }

    /** The provider selection and the model are no keys, and neither is an empty value. */
    private boolean counts(String key, WorkspaceSecret secret) {
        return secret.hasNonEmpty(key) && !key.equals(config.providerKey()) && !key.equals(config.modelKey());
    }
}
