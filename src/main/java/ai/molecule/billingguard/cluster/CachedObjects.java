package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.PolicyConfig;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the informer caches keep of each object (no credential value is ever
 * cached): metadata the lookups need, and of a workspace secret's data only the provider
 * selection and the model; every other value becomes {@link #PLACEHOLDER} (or "" when blank), which
 * {@link SecretFacts} reads as "this key is set".
 */
final class CachedObjects {
    /** Base64 of "redacted": non-blank, decodable, and never anyone's credential. */
    static final String PLACEHOLDER = Base64.getEncoder().encodeToString("redacted".getBytes(StandardCharsets.US_ASCII));
    /**
     * Stands in for a value that is not base64 (only a broken or fake API server sends one): not
     * base64 either, so reading the cached secret fails as reading the live one would.
     */
    static final String NOT_BASE64 = "*not-base64*";

    private CachedObjects() {
    }

    static Secret workspaceSecret(Secret secret, PolicyConfig config) {
        Map<String, String> data = new LinkedHashMap<>();
        try {
            SecretFacts.forEachValue(secret.getData(), secret.getStringData(), (key, value) -> {
                if (key.equals(config.providerKey()) || key.equals(config.modelKey())) {
                    data.put(key, Base64.getEncoder().encodeToString(value));
                } else {
                    data.put(key, SecretFacts.blank(value) ? "" : PLACEHOLDER);
                }
            });
        } catch (SecretFacts.UndecodableValueException e) {
            data.clear();
            data.put(e.key(), NOT_BASE64);
        }
        return new SecretBuilder().withMetadata(metadata(secret.getMetadata())).withType(secret.getType())
                .withData(data).build();
    }

    /** Only the name of a platform secret matters. */
    static Secret platformSecret(Secret secret) {
        return new SecretBuilder().withMetadata(metadata(secret.getMetadata())).build();
    }

    static Namespace namespace(Namespace namespace) {
        return new NamespaceBuilder().withMetadata(metadata(namespace.getMetadata())).build();
    }

    /** Identity, labels and annotations (but the last-applied copy); resourceVersion for the informer's bookkeeping. */
    private static ObjectMeta metadata(ObjectMeta m) {
        return new ObjectMetaBuilder()
                .withName(m.getName())
                .withNamespace(m.getNamespace())
                .withUid(m.getUid())
                .withResourceVersion(m.getResourceVersion())
                .withLabels(m.getLabels())
                .withAnnotations(SecretFacts.annotations(m.getAnnotations()))
                .build();
    }
}
