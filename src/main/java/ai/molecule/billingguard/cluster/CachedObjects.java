package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.PublishedModes;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the informer caches keep of each object: small records holding what a decision reads,
 * never a credential value, instead of fabric8 model objects (see docs/design.md for the bytes per
 * entry). Strings that repeat across thousands of objects (namespaces, providers, models, key
 * names, annotation values) are shared through an {@link Interner}.
 *
 * <p>{@link CompactStore} hands the informer a minimal fabric8 object rebuilt from a record
 * ({@code view}) for its own bookkeeping: namespace, name and resourceVersion, nothing else.
 */
final class CachedObjects {
    private CachedObjects() {
    }

    /**
     * The names of a workspace secret's keys, and which of them have a non-blank value. Thousands
     * of secrets share a handful of shapes, so one instance serves them all.
     */
    record KeyNames(Set<String> all, Set<String> nonEmpty) {
    }

    /**
     * A workspace secret as the cache keeps it.
     *
     * @param key             {@code namespace/name}, the same String the store is keyed by
     * @param workspaceId     the workspace-id label's value, null when blank
     * @param provider        the {@code LLM_PROVIDER} value (a provider name, not a credential), or null
     * @param model           the {@code MODEL} value, or null
     * @param billingMode     the billing-mode annotation's value, or null
     * @param undecodableKey  the key whose data is not base64 (only a broken or fake API server sends
     *                        one), which fails the lookup as reading the live secret would; else null
     * @param resourceVersion for the informer's bookkeeping
     */
    record WorkspaceSecretEntry(String key, String namespace, String workspaceId, String provider, String model,
                                KeyNames keys, String billingMode, String undecodableKey, String resourceVersion) {

        String name() {
            return key.substring(namespace.length() + 1);
        }

        /** @throws SecretFacts.UndecodableValueException when the secret held data that is not base64 */
        WorkspaceSecret toWorkspaceSecret(PolicyConfig config) {
            if (undecodableKey != null) {
                throw new SecretFacts.UndecodableValueException(undecodableKey);
            }
            return new WorkspaceSecret(namespace, name(), billingMode == null ? Map.of()
                    : Map.of(config.billingModeAnnotation(), billingMode), Optional.ofNullable(workspaceId),
                    provider, model, keys.all(), keys.nonEmpty());
        }
    }

    /** A platform credential secret: its name is all that matters. */
    record PlatformSecretEntry(String key, String resourceVersion) {
    }

    /**
     * A Namespace: its name, the billing-mode annotation (the org default), and whether it is guarded: it carries
     * the guard label with the guard value and is not being deleted (nothing can be created in it any more). Read
     * by the modes publisher only; the webhook treats every request it receives as guarded.
     */
    record NamespaceEntry(String name, String billingMode, boolean guarded, String resourceVersion) {
        NamespaceInfo toNamespaceInfo(PolicyConfig config) {
            return new NamespaceInfo(name, billingMode == null ? Map.of() : Map.of(config.billingModeAnnotation(), billingMode));
        }
    }

    /** Reductions of fabric8 objects into entries, sharing repeated values. */
    static final class Reducer {
        private final PolicyConfig config;
        private final Interner interner = new Interner();

        Reducer(PolicyConfig config) {
            this.config = config;
        }

        WorkspaceSecretEntry workspaceSecret(String key, Secret secret) {
            String namespace = interner.intern(secret.getMetadata().getNamespace());
            String workspaceId = SecretFacts.labelValue(secret.getMetadata().getLabels(), config.workspaceIdLabel())
                    .orElse(null);
            String mode = interner.intern(annotation(secret.getMetadata().getAnnotations()));
            String version = secret.getMetadata().getResourceVersion();
            try {
                WorkspaceSecret facts = SecretFacts.from(secret, config);
                KeyNames keys = interner.intern(new KeyNames(interner.internAll(facts.keys()),
                        interner.internAll(facts.nonEmptyKeys())));
                return new WorkspaceSecretEntry(key, namespace, workspaceId, interner.intern(facts.provider()),
                        interner.intern(facts.model()), keys, mode, null, version);
            } catch (SecretFacts.UndecodableValueException e) {
                return new WorkspaceSecretEntry(key, namespace, workspaceId, null, null,
                        interner.intern(new KeyNames(Set.of(), Set.of())), mode, interner.intern(e.key()), version);
            }
        }

        PlatformSecretEntry platformSecret(String key, Secret secret) {
            return new PlatformSecretEntry(key, secret.getMetadata().getResourceVersion());
        }

        NamespaceEntry namespace(String key, Namespace namespace) {
            return new NamespaceEntry(key, interner.intern(annotation(namespace.getMetadata().getAnnotations())),
                    PublishedModes.guarded(config, namespace.getMetadata().getLabels())
                            && namespace.getMetadata().getDeletionTimestamp() == null,
                    namespace.getMetadata().getResourceVersion());
        }

        private String annotation(Map<String, String> annotations) {
            return annotations == null ? null : annotations.get(config.billingModeAnnotation());
        }
    }

    static Secret view(WorkspaceSecretEntry entry) {
        return new SecretBuilder().withNewMetadata().withNamespace(entry.namespace()).withName(entry.name())
                .withResourceVersion(entry.resourceVersion()).endMetadata().build();
    }

    static Secret view(PlatformSecretEntry entry) {
        int slash = entry.key().indexOf('/');
        return new SecretBuilder().withNewMetadata().withNamespace(entry.key().substring(0, slash))
                .withName(entry.key().substring(slash + 1)).withResourceVersion(entry.resourceVersion()).endMetadata().build();
    }

    static Namespace view(NamespaceEntry entry) {
        return new NamespaceBuilder().withNewMetadata().withName(entry.name())
                .withResourceVersion(entry.resourceVersion()).endMetadata().build();
    }

    /**
     * Shares equal values. Bounded: past {@link #LIMIT} distinct values new ones are kept as they
     * come, so names a tenant makes up cannot grow it without end.
     */
    static final class Interner {
        static final int LIMIT = 20_000;
        private final Map<Object, Object> values = new ConcurrentHashMap<>();

        @SuppressWarnings("unchecked")
        <T> T intern(T value) {
            if (value == null) {
                return null;
            }
            Object known = values.get(value);
            if (known != null) {
                return (T) known;
            }
            if (values.size() >= LIMIT) {
                return value;
            }
            Object raced = values.putIfAbsent(value, value);
            return raced == null ? value : (T) raced;
        }

        Set<String> internAll(Set<String> names) {
            return intern(Set.copyOf(names.stream().map(this::intern).toList()));
        }
    }
}
