package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Facts read straight from the API server: for {@code review --kubeconfig}, for
 * {@link InformerFacts} before its caches have synced, and on a cache miss. The lookups of one
 * request run in parallel ({@link LookupPool}) and share one {@link Deadline}: whatever the API
 * server does, {@link #facts} answers within it. NotFound is {@link Lookup#absent()}; every other
 * failure, a timeout included, is {@link Lookup.Failed} with a one-line cause, so the policy fails
 * closed.
 */
public final class LiveFacts implements FactsSource {
    private final KubernetesClient client;
    private final PolicyConfig config;
    private final Duration deadline;
    private final LookupPool pool = new LookupPool();

    /**
     * @param client   not closed here: the caller owns it
     * @param deadline shared by all the lookups of one {@link #facts} call (also the bound of each
     *                 HTTP request, which is never retried)
     */
    public LiveFacts(KubernetesClient client, PolicyConfig config, Duration deadline) {
        // No fabric8 back-off: it would stretch one lookup far past the request's deadline.
        this.client = Clusters.derived(client, deadline, false);
        this.config = config;
        this.deadline = deadline;
    }

    Duration deadline() {
        return deadline;
    }

    @Override
    public Facts facts(String namespace, String workspaceSecretName, Set<String> referencedSecrets) {
        Deadline by = Deadline.after(deadline);
        // All started before any is awaited: they run side by side.
        LookupPool.Pending<WorkspaceSecret> secret = workspaceSecretName == null ? LookupPool.done(Lookup.absent())
                : startWorkspaceSecret(namespace, workspaceSecretName);
        LookupPool.Pending<NamespaceInfo> ns = startNamespace(namespace);
        ReferencedSecrets referenced = startReferencedSecrets(namespace, referencedSecrets);
        // A failed list of labelled secrets travels in Facts: the policy fails closed on it.
        return new Facts(secret.await(by), ns.await(by), referenced.await(by));
    }

    /** GET the workspace secret, bounded by a deadline of its own. */
    public Lookup<WorkspaceSecret> workspaceSecret(String namespace, String name) {
        return startWorkspaceSecret(namespace, name).await(Deadline.after(deadline));
    }

    /** GET the Namespace, bounded by a deadline of its own. */
    public Lookup<NamespaceInfo> namespace(String namespace) {
        return startNamespace(namespace).await(Deadline.after(deadline));
    }

    LookupPool.Pending<WorkspaceSecret> startWorkspaceSecret(String namespace, String name) {
        String object = "Secret " + namespace + "/" + name;
        return pool.start(object, () -> {
            try {
                Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
                return secret == null ? Lookup.absent() : Lookup.found(SecretFacts.from(secret, config));
            } catch (SecretFacts.UndecodableValueException e) {
                return Lookup.failed(object, e.getMessage());
            } catch (RuntimeException e) {
                return Lookup.failed(object, ApiErrors.cause(e, deadline));
            }
        });
    }

    LookupPool.Pending<NamespaceInfo> startNamespace(String namespace) {
        String object = "Namespace " + namespace;
        return pool.start(object, () -> {
            try {
                Namespace ns = client.namespaces().withName(namespace).get();
                return ns == null ? Lookup.absent() : Lookup.found(namespaceInfo(ns));
            } catch (RuntimeException e) {
                return Lookup.failed(object, ApiErrors.cause(e, deadline));
            }
        });
    }

    /**
     * The labels of the referenced Secrets, from two LISTs in {@code namespace}, side by side: the
     * secrets labelled as platform scope, and those with a workspace-id label. The lists carry
     * values too (a metadata-only list is not offered by the client); they are dropped here, within
     * the request. No list is made for a pod that references no Secret.
     */
    ReferencedSecrets startReferencedSecrets(String namespace, Set<String> referenced) {
        if (referenced.isEmpty()) {
            return new ReferencedSecrets(LookupPool.done(Lookup.found(Map.of())), LookupPool.done(Lookup.found(Map.of())));
        }
        String object = "Secrets labelled " + config.secretScopeLabel() + "=" + config.secretScopeValue()
                + " or " + config.workspaceIdLabel() + " in namespace " + namespace;
        return new ReferencedSecrets(
                pool.start(object, () -> labelled(object, namespace, referenced,
                        new String[]{config.secretScopeLabel(), config.secretScopeValue()})),
                pool.start(object, () -> labelled(object, namespace, referenced, new String[]{config.workspaceIdLabel()})));
    }

    /** The two lists of {@link #startReferencedSecrets}, one answer once both are in. */
    record ReferencedSecrets(LookupPool.Pending<Map<String, SecretLabels>> platform,
                             LookupPool.Pending<Map<String, SecretLabels>> workspace) {
        Lookup<Map<String, SecretLabels>> await(Deadline deadline) {
            Lookup<Map<String, SecretLabels>> first = platform.await(deadline);
            Lookup<Map<String, SecretLabels>> second = workspace.await(deadline);
            if (first instanceof Lookup.Failed) {
                return first;
            }
            if (second instanceof Lookup.Failed) {
                return second;
            }
            Map<String, SecretLabels> both = new HashMap<>(((Lookup.Found<Map<String, SecretLabels>>) first).value());
            both.putAll(((Lookup.Found<Map<String, SecretLabels>>) second).value());
            return Lookup.found(Map.copyOf(both));
        }
    }

    /** @param selector a label name, or a label name and the value it must have */
    private Lookup<Map<String, SecretLabels>> labelled(String object, String namespace, Set<String> referenced,
                                                      String[] selector) {
        try {
            var secrets = client.secrets().inNamespace(namespace);
            var list = selector.length == 1 ? secrets.withLabel(selector[0]) : secrets.withLabel(selector[0], selector[1]);
            Map<String, SecretLabels> labels = new HashMap<>();
            for (Secret s : list.list().getItems()) {
                String name = s.getMetadata().getName();
                if (referenced.contains(name)) {
                    labels.put(name, SecretFacts.labels(s.getMetadata().getLabels(), config));
                }
            }
            return Lookup.found(labels);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return Lookup.found(Map.of()); // no such namespace: no secrets in it
            }
            return Lookup.failed(object, ApiErrors.cause(e, deadline));
        } catch (RuntimeException e) {
            return Lookup.failed(object, ApiErrors.cause(e, deadline));
        }
    }

    static NamespaceInfo namespaceInfo(Namespace ns) {
        return new NamespaceInfo(ns.getMetadata().getName(), SecretFacts.annotations(ns.getMetadata().getAnnotations()));
    }
}
