package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

import java.util.Optional;
import java.util.function.Function;

/**
 * What counts as a platform item (docs/policy.md, "What counts as a platform credential"), one
 * {@code env} or {@code envFrom} entry at a time. Pure: which Secret plays which role is handed in.
 */
public final class Classifier {
    /** The role a Secret a pod references plays for this pod. */
    public enum Role {
        /** A platform credential secret (named in the config, or labelled as platform scope). */
        PLATFORM,
        /** The pod's own workspace secret. */
        OWN_WORKSPACE,
        /** Another workspace's secret (by name or by label): never the pod's own, so never the user's. */
        OTHER_WORKSPACE,
        /** Any other Secret. */
        OTHER
    }

    private final PolicyConfig config;
    private final Function<String, Role> roles;

    /** @param roles the role of a Secret by name (never called with null) */
    public Classifier(PolicyConfig config, Function<String, Role> roles) {
        this.config = config;
        this.roles = roles;
    }

    /** The role of a referenced Secret; {@link Role#OTHER} for null (no Secret). */
    public Role role(String secret) {
        return secret == null ? Role.OTHER : roles.apply(secret);
    }

    /** Why an {@code env[]} entry is a platform item, or empty when it is not. */
    public Optional<String> env(JsonNode env) {
        String name = Json.text(env, "name");
        JsonNode ref = env.path("valueFrom").path("secretKeyRef");
        String secret = Json.text(ref, "name");
        Role role = role(secret);
        if (role == Role.PLATFORM) {
            return Optional.of("from platform credential Secret " + Text.name(secret));
        }
        if (role == Role.OTHER_WORKSPACE) {
            return Optional.of("from another workspace's Secret " + Text.name(secret));
        }
        if (name != null && config.proxyNames().contains(name)) {
            return Optional.of("platform proxy variable");
        }
        String key = Json.text(ref, "key");
        if (role == Role.OWN_WORKSPACE && key != null && config.proxyNames().contains(key)) {
            // A platform usage token left in the workspace secret, read under another name.
            return Optional.of("reads key " + key + " of the workspace secret, a platform proxy name");
        }
        if (name != null && config.llmCredentialNames().contains(name) && role != Role.OWN_WORKSPACE) {
            return Optional.of("LLM credential not from the workspace secret");
        }
        return Optional.empty();
    }

    /** Why an {@code envFrom[]} entry is a platform item as a whole, or empty. */
    public Optional<String> envFrom(JsonNode envFrom) {
        String secret = Json.text(envFrom.path("secretRef"), "name");
        return switch (role(secret)) {
            case PLATFORM -> Optional.of("platform credential Secret");
            case OTHER_WORKSPACE -> Optional.of("another workspace's secret");
            default -> Optional.empty();
        };
    }

    /** Whether a Secret named by a volume source makes it a platform item. */
    public boolean platformVolumeSecret(String secret) {
        Role role = role(secret);
        return role == Role.PLATFORM || role == Role.OTHER_WORKSPACE;
    }
}
