package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The one place a Secret's values are read: what the decision needs of a workspace secret, from a
 * fabric8 Secret (API server, informer cache) or from the maps of a local YAML file. Values are
 * decoded to bytes only long enough to learn whether they are blank, then zeroed; only the
 * provider selection and the model become Strings.
 */
public final class SecretFacts {
    /**
     * Written by {@code kubectl apply}; on a Secret it holds the whole applied object, values
     * included, so it is never kept.
     */
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private SecretFacts() {
    }

    /** A {@code data} value that is not base64; names the key, never the value. */
    public static final class UndecodableValueException extends RuntimeException {
        private final String key;

        UndecodableValueException(String key) {
            super("data." + key + " is not valid base64");
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /** @throws UndecodableValueException when a {@code data} value is not base64 */
    public static WorkspaceSecret from(Secret secret, PolicyConfig config) {
        ObjectMeta metadata = Objects.requireNonNullElseGet(secret.getMetadata(), ObjectMeta::new);
        return summarize(metadata.getNamespace(), metadata.getName(), metadata.getAnnotations(),
                labelValue(metadata.getLabels(), config.workspaceIdLabel()), secret.getData(), secret.getStringData(), config);
    }

    /** @throws UndecodableValueException when a {@code data} value is not base64 */
    static WorkspaceSecret summarize(String namespace, String name, Map<String, String> annotations,
                                     Optional<String> labelledWorkspaceId, Map<String, String> data,
                                     Map<String, String> stringData, PolicyConfig config) {
        Set<String> keys = new HashSet<>();
        Set<String> nonBlank = new HashSet<>();
        String[] provider = {null};
        String[] model = {null};
        forEachValue(data, stringData, (key, value) -> {
            if (key.equals(config.providerKey())) {
                provider[0] = new String(value, StandardCharsets.UTF_8);
            } else if (key.equals(config.modelKey())) {
                model[0] = new String(value, StandardCharsets.UTF_8);
            }
            keys.add(key);
            if (!blank(value)) {
                nonBlank.add(key);
            }
        });
        return new WorkspaceSecret(namespace, name, annotations(annotations), labelledWorkspaceId, provider[0], model[0],
                keys, nonBlank);
    }

    /**
     * Hands each value to {@code action} as bytes, {@code stringData} folded over {@code data} as
     * the API server does on write (the fabric8 CRUD mock and local files keep them apart), and
     * zeroes the bytes afterwards: the action must not keep them.
     *
     * @throws UndecodableValueException when a {@code data} value is not base64
     */
    static void forEachValue(Map<String, String> data, Map<String, String> stringData,
                             BiConsumer<String, byte[]> action) {
        Map<String, byte[]> values = new LinkedHashMap<>();
        try {
            if (data != null) {
                data.forEach((key, encoded) -> values.put(key, decode(key, encoded)));
            }
            if (stringData != null) {
                stringData.forEach((key, text) -> {
                    byte[] replaced = values.put(key, text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8));
                    if (replaced != null) {
                        Arrays.fill(replaced, (byte) 0);
                    }
                });
            }
            values.forEach(action);
        } finally {
            values.values().forEach(v -> Arrays.fill(v, (byte) 0));
        }
    }

    /** Whitespace only counts as empty; checked on the bytes so no String of a credential is made. */
    static boolean blank(byte[] value) {
        for (byte b : value) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** A label's value, empty when the label is absent or blank. */
    static Optional<String> labelValue(Map<String, String> labels, String label) {
        return Optional.ofNullable(labels).map(l -> l.get(label)).filter(v -> !v.isBlank());
    }

    /** What the policy needs of a referenced Secret's labels. */
    static SecretLabels labels(Map<String, String> labels, PolicyConfig config) {
        return new SecretLabels(labelValue(labels, config.secretScopeLabel()).filter(config.secretScopeValue()::equals)
                .isPresent(), labelValue(labels, config.workspaceIdLabel()));
    }

    /** The annotations worth keeping: all but {@link #LAST_APPLIED}. */
    static Map<String, String> annotations(Map<String, String> annotations) {
        Map<String, String> kept = new HashMap<>();
        if (annotations != null) {
            annotations.forEach((k, v) -> {
                if (v != null && !k.equals(LAST_APPLIED)) {
                    kept.put(k, v);
                }
            });
        }
        return kept;
    }

    private static byte[] decode(String key, String encoded) {
        if (encoded == null) {
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(encoded.trim());
        } catch (IllegalArgumentException e) {
            // The JDK's message quotes the offending character of the value: not passed on.
            throw new UndecodableValueException(key);
        }
    }
}
