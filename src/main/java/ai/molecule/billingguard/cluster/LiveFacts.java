package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Facts read straight from the API server, one bounded request per object: for
 * {@code review --kubeconfig}, and for {@link InformerFacts} when its cache has no answer.
 * NotFound is {@link Lookup#absent()}; every other failure is {@link Lookup.Failed} with a one-line
 * cause, so the policy fails closed.
 */
public final class LiveFacts implements FactsSource {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final PolicyConfig config;
    private final Duration timeout;

    public LiveFacts(KubernetesClient client, PolicyConfig config) {
        this(client, config, DEFAULT_TIMEOUT);
    }

    /**
     * @param client  not closed here: the caller owns it
     * @param timeout bound of each request; no retries, so it is also the bound of each lookup
     */
    public LiveFacts(KubernetesClient client, PolicyConfig config, Duration timeout) {
        // A derived client shares the HTTP client; only the request settings differ. fabric8
        // retries 5xx and 429 with backoff by default, which would stretch one lookup far past
        // the timeout an admission request can afford.
        this.client = client.newClient(new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                        .withRequestTimeout(Math.toIntExact(timeout.toMillis()))
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .adapt(KubernetesClient.class);
        this.config = config;
        this.timeout = timeout;
    }

    @Override
    public Facts facts(String namespace, String workspaceSecretName, Set<String> referencedSecrets) {
        // A failed list of labelled secrets travels in Facts: the policy fails closed on it.
        Lookup<WorkspaceSecret> secret = workspaceSecretName == null ? Lookup.absent()
                : workspaceSecret(namespace, workspaceSecretName);
        return new Facts(secret, namespace(namespace), referencedSecrets(namespace, referencedSecrets));
    }

    /** GET the workspace secret. */
    public Lookup<WorkspaceSecret> workspaceSecret(String namespace, String name) {
        String object = "Secret " + namespace + "/" + name;
        try {
            Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
            return secret == null ? Lookup.absent() : Lookup.found(SecretFacts.from(secret, config));
        } catch (SecretFacts.UndecodableValueException e) {
            return Lookup.failed(object, e.getMessage());
        } catch (RuntimeException e) {
            return Lookup.failed(object, ApiErrors.cause(e, timeout));
        }
    }

    /** GET the Namespace. */
    public Lookup<NamespaceInfo> namespace(String namespace) {
        try {
            Namespace ns = client.namespaces().withName(namespace).get();
            return ns == null ? Lookup.absent() : Lookup.found(namespaceInfo(ns));
        } catch (RuntimeException e) {
            return Lookup.failed("Namespace " + namespace, ApiErrors.cause(e, timeout));
        }
    }

    /**
     * The labels of the referenced Secrets, from two LISTs in {@code namespace}: the secrets labelled as
     * platform scope, and those with a workspace-id label. The lists carry values too (a metadata-only
     * list is not offered by the client); they are dropped here, within the request. No list is made
     * for a pod that references no Secret.
     */
    public Lookup<Map<String, SecretLabels>> referencedSecrets(String namespace, Set<String> referenced) {
        if (referenced.isEmpty()) {
            return Lookup.found(Map.of());
        }
        Map<String, SecretLabels> labels = new HashMap<>();
        try {
            for (Secret s : client.secrets().inNamespace(namespace)
                    .withLabel(config.secretScopeLabel(), config.secretScopeValue()).list().getItems()) {
                keep(s, referenced, labels);
            }
            for (Secret s : client.secrets().inNamespace(namespace).withLabel(config.workspaceIdLabel()).list().getItems()) {
                keep(s, referenced, labels);
            }
            return Lookup.found(labels);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return Lookup.found(Map.of()); // no such namespace: no secrets in it
            }
            return failedList(namespace, e);
        } catch (RuntimeException e) {
            return failedList(namespace, e);
        }
    }

    private void keep(Secret secret, Set<String> referenced, Map<String, SecretLabels> labels) {
        String name = secret.getMetadata().getName();
        if (referenced.contains(name)) {
            labels.put(name, SecretFacts.labels(secret.getMetadata().getLabels(), config));
        }
    }

    static NamespaceInfo namespaceInfo(Namespace ns) {
        return new NamespaceInfo(ns.getMetadata().getName(), SecretFacts.annotations(ns.getMetadata().getAnnotations()));
    }

    private <T> Lookup<T> failedList(String namespace, RuntimeException e) {
        return Lookup.failed("Secrets labelled " + config.secretScopeLabel() + "=" + config.secretScopeValue()
                + " or " + config.workspaceIdLabel() + " in namespace " + namespace, ApiErrors.cause(e, timeout));
    }
}
