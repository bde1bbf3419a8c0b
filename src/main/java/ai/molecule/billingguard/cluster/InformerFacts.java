package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import ai.molecule.billingguard.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Facts from informer caches of a live cluster: workspace secrets (any Secret with the workspace-id
 * label), platform secrets (label scope=global) and Namespaces, in all namespaces. The caches keep
 * no credential value ({@link CachedObjects}). A request is answered from them without an API
 * call; only when the workspace secret or the Namespace is missing does one bounded live GET
 * ({@link LiveFacts}) confirm the absence, because a secret created just before its pod may not
 * have reached the cache yet (or lacks the label the informer selects on).
 *
 * <p>Metrics: {@code billing_guard_cache_lookups_total{object,result}} and
 * {@code billing_guard_live_lookups_total{object,outcome}}.
 */
public final class InformerFacts implements FactsSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InformerFacts.class);

    private final PolicyConfig config;
    private final LiveFacts live;
    private final SharedIndexInformer<Secret> workspaceSecrets;
    private final SharedIndexInformer<Secret> platformSecrets;
    private final SharedIndexInformer<Namespace> namespaces;
    private final Metrics metrics;

    public InformerFacts(KubernetesClient client, PolicyConfig config, Metrics metrics) {
        this(client, config, metrics, LiveFacts.DEFAULT_TIMEOUT);
    }

    /**
     * Creates the informers without starting them. The client is not closed here: the caller owns it.
     *
     * @param liveTimeout bound of the live GET on a cache miss
     */
    public InformerFacts(KubernetesClient client, PolicyConfig config, Metrics metrics, Duration liveTimeout) {
        this.config = config;
        this.live = new LiveFacts(client, config, liveTimeout);
        this.metrics = metrics;
        Duration listTimeout = Duration.ofMillis(client.getConfiguration().getRequestTimeout());
        this.workspaceSecrets = informer("workspace secrets",
                client.secrets().inAnyNamespace().withLabel(config.workspaceIdLabel()),
                s -> CachedObjects.workspaceSecret(s, config), listTimeout);
        this.platformSecrets = informer("platform secrets",
                client.secrets().inAnyNamespace().withLabel(config.secretScopeLabel(), config.secretScopeValue()),
                CachedObjects::platformSecret, listTimeout);
        this.namespaces = informer("namespaces", client.namespaces(), CachedObjects::namespace, listTimeout);
    }

    /** Starts listing and watching; returns at once. {@link #synced()} tells when the caches are complete. */
    public void start() {
        informers().forEach(SharedIndexInformer::start);
    }

    /** Whether every cache holds a full list (the readiness of the webhook). */
    public boolean synced() {
        return informers().allMatch(SharedIndexInformer::hasSynced);
    }

    @Override
    public void close() {
        informers().forEach(SharedIndexInformer::close);
    }

    @Override
    public Facts facts(String namespace, String workspaceSecretName, Set<String> referencedSecrets) {
        if (!synced()) {
            // A cache that has not listed yet cannot tell "absent" from "not seen yet", and a
            // missing platform secret would fail open: ask the API server.
            Facts facts = live.facts(namespace, workspaceSecretName, referencedSecrets);
            if (workspaceSecretName != null) {
                live("secret", facts.workspaceSecret());
            }
            live("namespace", facts.namespace());
            return facts;
        }
        Lookup<WorkspaceSecret> secret = workspaceSecretName == null ? Lookup.absent()
                : workspaceSecret(namespace, workspaceSecretName);
        Map<String, SecretLabels> referenced = new HashMap<>();
        for (String name : referencedSecrets) {
            String key = Cache.namespaceKeyFunc(namespace, name);
            Secret labelled = Optional.ofNullable(platformSecrets.getIndexer().getByKey(key))
                    .orElseGet(() -> workspaceSecrets.getIndexer().getByKey(key));
            if (labelled != null) {
                referenced.put(name, SecretFacts.labels(labelled.getMetadata().getLabels(), config));
            }
        }
        return Facts.of(secret, namespace(namespace), referenced);
    }

    private Lookup<WorkspaceSecret> workspaceSecret(String namespace, String name) {
        Secret cached = workspaceSecrets.getIndexer().getByKey(Cache.namespaceKeyFunc(namespace, name));
        metrics.cacheLookup("secret", cached != null);
        if (cached == null) {
            return live("secret", live.workspaceSecret(namespace, name));
        }
        try {
            return Lookup.found(SecretFacts.from(cached, config));
        } catch (SecretFacts.UndecodableValueException e) {
            return Lookup.failed("Secret " + namespace + "/" + name, e.getMessage());
        }
    }

    private Lookup<NamespaceInfo> namespace(String namespace) {
        Namespace cached = namespaces.getIndexer().getByKey(namespace);
        metrics.cacheLookup("namespace", cached != null);
        return cached != null ? Lookup.found(LiveFacts.namespaceInfo(cached))
                : live("namespace", live.namespace(namespace));
    }

    /** Every object the caches hold, for tests that look for leaked values. */
    List<HasMetadata> cachedObjects() {
        return Stream.of(workspaceSecrets.getStore().list(), platformSecrets.getStore().list(),
                namespaces.getStore().list()).flatMap(List::stream).map(HasMetadata.class::cast).toList();
    }

    private Stream<SharedIndexInformer<?>> informers() {
        return Stream.of(workspaceSecrets, platformSecrets, namespaces);
    }

    private static <T extends HasMetadata> SharedIndexInformer<T> informer(String what, Informable<T> source,
                                                                           UnaryOperator<T> keep, Duration timeout) {
        SharedIndexInformer<T> informer = source.runnableInformer(0);
        informer.itemStore(new TransformingItemStore<>(keep));
        // fabric8's default gives up when the first list fails (RBAC not bound yet, API server
        // restarting), leaving the webhook unready for good; keep retrying with its backoff.
        informer.exceptionHandler((started, failure) -> {
            LOG.warn("informer for {}: {}; retrying", what, ApiErrors.cause(failure, timeout));
            return true;
        });
        return informer;
    }

    private <T> Lookup<T> live(String object, Lookup<T> lookup) {
        metrics.liveLookup(object, lookup instanceof Lookup.Found ? "found" : lookup instanceof Lookup.Absent ? "absent" : "error");
        return lookup;
    }
}
