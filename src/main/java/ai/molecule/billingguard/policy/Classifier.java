package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.json.Json;
import tools.jackson.databind.JsonNode;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * SPEC "What counts as a platform credential in a pod", one item at a time. Pure.
 * An item is platform when it references a platform credential secret, carries a platform proxy
 * name, or carries an LLM credential name from anywhere but the workspace secret.
 */
public final class Classifier {
    private final PolicyConfig config;
    private final Predicate<String> platformSecret;
    private final String workspaceSecret;

    /**
     * @param platformSecret  whether a secret name is a platform credential secret (config names and labelled ones)
     * @param workspaceSecret the workspace secret's name; null for a pod without a workspace
     */
    public Classifier(PolicyConfig config, Predicate<String> platformSecret, String workspaceSecret) {
        this.config = config;
        this.platformSecret = platformSecret;
        this.workspaceSecret = workspaceSecret;
    }

    public boolean isPlatformSecret(String name) {
        return name != null && platformSecret.test(name);
    }

    public boolean isWorkspaceSecret(String name) {
        return name != null && name.equals(workspaceSecret);
    }

    /** Why an {@code env[]} item is platform, or empty when it is not. */
    public Optional<Reason> env(JsonNode env) {
        String name = Json.text(env, "name");
        String secret = Json.text(env.path("valueFrom").path("secretKeyRef"), "name");
        if (isPlatformSecret(secret)) {
            return Optional.of(Reason.PLATFORM_SECRET);
        }
        if (name != null && config.proxyNames().contains(name)) {
            return Optional.of(Reason.PROXY_NAME);
        }
        if (name != null && config.llmCredentialNames().contains(name) && !isWorkspaceSecret(secret)) {
            return Optional.of(Reason.NOT_FROM_WORKSPACE);
        }
        return Optional.empty();
    }

    /** An {@code envFrom[]} item is platform when its {@code secretRef} names a platform credential secret. */
    public boolean envFrom(JsonNode envFrom) {
        return isPlatformSecret(Json.text(envFrom.path("secretRef"), "name"));
    }

    /** A {@code secret} volume of a platform credential secret. */
    public boolean secretVolume(JsonNode volume) {
        return isPlatformSecret(Json.text(volume.path("secret"), "secretName"));
    }

    /** A {@code projected} volume source of a platform credential secret. */
    public boolean projectedSource(JsonNode source) {
        return isPlatformSecret(Json.text(source.path("secret"), "name"));
    }

    /** Why an env item is platform. */
    public enum Reason {
        PLATFORM_SECRET("from platform credential Secret"),
        PROXY_NAME("platform proxy variable"),
        NOT_FROM_WORKSPACE("LLM credential not from the workspace secret");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }
}
