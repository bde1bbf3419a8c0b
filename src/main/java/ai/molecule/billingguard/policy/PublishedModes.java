package ai.molecule.billingguard.policy;

import ai.molecule.billingguard.config.PolicyConfig;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What billing-guard publishes for the backstop policy in the modes ConfigMap of a guarded namespace: each
 * workspace id → its resolved billing mode, and under {@link #PLATFORM_SECRETS_KEY} the names of the namespace's
 * platform credential secrets that only their scope label makes platform secrets (the backstop's CEL knows the
 * configured names already). Names and modes only, never a credential. Pure: the cluster side
 * ({@code cluster.ModesPublisher}) hands in what its caches hold and writes the result.
 */
public final class PublishedModes {
    /**
     * The key of the label-only platform secrets (sorted names, comma-separated). A workspace id is a label value,
     * which cannot start with {@code _}, so no workspace can shadow it.
     */
    public static final String PLATFORM_SECRETS_KEY = "_platform-secrets";
    /** Never guarded, whatever its labels say: the webhooks and the backstop leave it alone. */
    public static final String KUBE_SYSTEM = "kube-system";

    private final PolicyConfig config;
    private final Resolver resolver;
    private final Optional<String> ownNamespace;

    /** @param ownNamespace billing-guard's own namespace (never guarded), when known */
    public PublishedModes(PolicyConfig config, Optional<String> ownNamespace) {
        this.config = config;
        this.resolver = new Resolver(config);
        this.ownNamespace = ownNamespace.filter(n -> !n.isBlank());
    }

    /** Whether a Namespace with these labels is guarded: it carries the guard label with the guard value. */
    public static boolean guarded(PolicyConfig config, Map<String, String> namespaceLabels) {
        return namespaceLabels != null
                && config.guardedNamespaceValue().equals(namespaceLabels.get(config.guardedNamespaceLabel()));
    }

    /** Whether the namespace gets a modes ConfigMap: it is guarded, and neither kube-system nor billing-guard's own. */
    public boolean publishes(String namespace, boolean guarded) {
        return guarded && !KUBE_SYSTEM.equals(namespace) && !ownNamespace.map(namespace::equals).orElse(false);
    }

    /**
     * The ConfigMap's whole {@code data}.
     *
     * @param namespace           the Namespace (its org default is rung 4 of the resolution)
     * @param workspaceSecrets    the namespace's Secrets labelled with a workspace id; only those named after their
     *                            own label's id ({@code ws-<id>-secrets} labelled {@code <id>}) are workspace secrets
     * @param platformSecretNames the names of the namespace's Secrets carrying the platform scope label
     */
    public SortedMap<String, String> data(NamespaceInfo namespace, Collection<WorkspaceSecret> workspaceSecrets,
                                          Collection<String> platformSecretNames) {
        SortedMap<String, String> data = new TreeMap<>();
        for (WorkspaceSecret secret : workspaceSecrets) {
            Optional<String> id = secret.labelledWorkspaceId().filter(i -> secret.name().equals(config.workspaceSecretName(i)));
            if (id.isEmpty()) {
                continue;
            }
            // No runtime: the ConfigMap is per workspace, not per pod. Derivation then tries the default runtime,
            // then every runtime's providers and platform model ids together.
            Resolution resolution = resolver.resolve(Optional.empty(), Lookup.found(secret), Lookup.found(namespace));
            if (resolution.failure().isEmpty() && !resolution.unknownWorkspace()) {
                data.put(id.get(), resolution.mode().wire());
            }
        }
        TreeSet<String> labelOnly = new TreeSet<>(platformSecretNames);
        labelOnly.removeAll(config.platformSecretNames());
        if (!labelOnly.isEmpty()) {
            data.put(PLATFORM_SECRETS_KEY, String.join(",", labelOnly));
        }
        return data;
    }
}
