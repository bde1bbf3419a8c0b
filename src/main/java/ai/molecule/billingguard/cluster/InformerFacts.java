package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.NamespaceInfo;
import ai.molecule.billingguard.policy.SecretLabels;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.cache.Cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

/**
 * Facts from informer caches of a live cluster: workspace secrets (any Secret with the workspace-id
 * label), platform secrets (label scope=global) and Namespaces; in all namespaces, or, with
 * {@code facts.watchNamespaces}, in those namespaces only (three informers each, the Namespace
 * watched by name). The caches keep small records, never a credential value
 * ({@link CachedObjects}), and list in pages ({@link PagedLister}).
 *
 * <p>Once synced, a request is answered from the caches without an API call; only when the
 * workspace secret or the Namespace is missing do live GETs ({@link LiveFacts}) confirm the
 * absence, because a secret created just before its pod may not have reached the cache yet (or
 * lacks the label the informer selects on). Before sync every lookup is live. Either way all the
 * lookups of one request run side by side within one deadline ({@code facts.lookupDeadlineMillis}).
 * A namespace outside {@code watchNamespaces} is not looked up at all: its lookups fail closed,
 * naming the setting.
 *
 * <p>Metrics: {@code billing_guard_cache_lookups_total{object,result}},
 * {@code billing_guard_live_lookups_total{object,outcome}}, {@code billing_guard_cache_objects{object}}
 * and the informers' list/watch restarts and page retries.
 */
public final class InformerFacts implements FactsSource, AutoCloseable {
    /** Wait before a failed list page is asked for again (doubling per retry). */
    static final Duration PAGE_BACKOFF = Duration.ofMillis(500);

    private final PolicyConfig config;
    private final LiveFacts live;
    private final Metrics metrics;
    private final ExecutorService executor;
    /** The informers by namespace; the one key {@link #ALL} when every namespace is watched. */
    private final Map<String, Scope> scopes = new LinkedHashMap<>();
    private static final String ALL = "";
    /** Told the namespace of every cached object that changed ({@link #onChange}). */
    private final List<Consumer<String>> changeListeners = new CopyOnWriteArrayList<>();

    /** The three informers of one scope: every namespace, or one watched namespace. */
    private record Scope(CachedInformer<Secret, CachedObjects.WorkspaceSecretEntry> workspaceSecrets,
                         CachedInformer<Secret, CachedObjects.PlatformSecretEntry> platformSecrets,
                         CachedInformer<Namespace, CachedObjects.NamespaceEntry> namespaces) {
        Stream<CachedInformer<?, ?>> informers() {
            return Stream.of(workspaceSecrets, platformSecrets, namespaces);
        }
    }

    /**
     * Creates the informers without starting them. The client is not closed here: the caller owns it.
     *
     * @param cluster the lookup deadline, the namespaces to watch, the list page size and page timeout
     */
    public InformerFacts(KubernetesClient client, Config.Cluster cluster, PolicyConfig config, Metrics metrics) {
        this(client, cluster, config, metrics, PAGE_BACKOFF);
    }

    InformerFacts(KubernetesClient client, Config.Cluster cluster, PolicyConfig config, Metrics metrics,
                  Duration pageBackoff) {
        this.config = config;
        this.metrics = metrics;
        this.live = new LiveFacts(client, config, cluster.lookupDeadline());
        // The informers' lists get a client of their own: a page is bounded by the list timeout,
        // not by the request timeout of the caller's client, and retried here (PagedLister), not
        // by fabric8's HTTP layer.
        KubernetesClient lists = Clusters.derived(client, cluster.listTimeout(), false);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "billing-guard-informer-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        CachedInformer.Paging paging = new CachedInformer.Paging(cluster.listPageSize(), cluster.listTimeout(), pageBackoff);
        CachedObjects.Reducer reducer = new CachedObjects.Reducer(config);
        if (cluster.watchNamespaces().isEmpty()) {
            scopes.put(ALL, scope(paging, reducer, lists.secrets().inAnyNamespace().withLabel(config.workspaceIdLabel()),
                    lists.secrets().inAnyNamespace().withLabel(config.secretScopeLabel(), config.secretScopeValue()),
                    lists.namespaces()));
        } else {
            for (String ns : cluster.watchNamespaces()) {
                scopes.put(ns, scope(paging, reducer, lists.secrets().inNamespace(ns).withLabel(config.workspaceIdLabel()),
                        lists.secrets().inNamespace(ns).withLabel(config.secretScopeLabel(), config.secretScopeValue()),
                        lists.namespaces().withName(ns)));
            }
        }
        metrics.cacheObjects(Metrics.INFORMERS.get(0), () -> count(s -> s.workspaceSecrets().size()));
        metrics.cacheObjects(Metrics.INFORMERS.get(1), () -> count(s -> s.platformSecrets().size()));
        metrics.cacheObjects(Metrics.INFORMERS.get(2), () -> count(s -> s.namespaces().size()));
    }

    private Scope scope(CachedInformer.Paging paging, CachedObjects.Reducer reducer, Informable<Secret> workspaceSecrets,
                        Informable<Secret> platformSecrets, Informable<Namespace> namespaces) {
        Consumer<String> secretChanged = key -> {
            if (!changeListeners.isEmpty()) {
                changed(key.substring(0, key.indexOf('/')));
            }
        };
        return new Scope(
                new CachedInformer<>(Metrics.INFORMERS.get(0), Secret.class, workspaceSecrets, paging, metrics, executor,
                        reducer::workspaceSecret, CachedObjects::view, secretChanged),
                new CachedInformer<>(Metrics.INFORMERS.get(1), Secret.class, platformSecrets, paging, metrics, executor,
                        reducer::platformSecret, CachedObjects::view, secretChanged),
                new CachedInformer<>(Metrics.INFORMERS.get(2), Namespace.class, namespaces, paging, metrics, executor,
                        reducer::namespace, CachedObjects::view, this::changed));
    }

    private void changed(String namespace) {
        changeListeners.forEach(l -> l.accept(namespace));
    }

    /**
     * Tells {@code listener} the namespace of every cached Secret or Namespace that is added, changed or removed,
     * after the cache holds the change. It runs on an informer's thread: it must return quickly.
     */
    void onChange(Consumer<String> listener) {
        changeListeners.add(listener);
    }

    /** The namespaces the informers watch, or empty when they watch every namespace. */
    List<String> watchedNamespaces() {
        return scopes.containsKey(ALL) ? List.of() : List.copyOf(scopes.keySet());
    }

    /** What the caches hold of one namespace: the Namespace and its labelled Secrets. */
    record NamespaceContents(CachedObjects.NamespaceEntry namespace, List<CachedObjects.WorkspaceSecretEntry> workspaceSecrets,
                             List<String> platformSecretNames) {
    }

    /**
     * The cached records of the namespaces {@code wanted} accepts, by namespace; a namespace whose Namespace is not
     * cached is left out. One pass over each cache, whatever the number of namespaces.
     */
    Map<String, NamespaceContents> contents(Predicate<String> wanted) {
        Map<String, NamespaceContents> out = new HashMap<>();
        for (Scope scope : scopes.values()) {
            for (CachedObjects.NamespaceEntry ns : scope.namespaces().entries()) {
                if (wanted.test(ns.name())) {
                    out.put(ns.name(), new NamespaceContents(ns, new ArrayList<>(), new ArrayList<>()));
                }
            }
        }
        for (Scope scope : scopes.values()) {
            for (CachedObjects.WorkspaceSecretEntry secret : scope.workspaceSecrets().entries()) {
                NamespaceContents in = out.get(secret.namespace());
                if (in != null) {
                    in.workspaceSecrets().add(secret);
                }
            }
            for (CachedObjects.PlatformSecretEntry secret : scope.platformSecrets().entries()) {
                int slash = secret.key().indexOf('/');
                NamespaceContents in = out.get(secret.key().substring(0, slash));
                if (in != null) {
                    in.platformSecretNames().add(secret.key().substring(slash + 1));
                }
            }
        }
        return out;
    }

    /** Starts listing and watching; returns at once. {@link #synced()} tells when the caches are complete. */
    public void start() {
        informers().forEach(CachedInformer::start);
    }

    /** Whether every cache holds a full list (the readiness of the webhook). */
    @Override
    public boolean synced() {
        return informers().allMatch(CachedInformer::synced);
    }

    /**
     * Objects cached so far per informer ({@link Metrics#INFORMERS}), with "synced" once its first
     * list is complete: e.g. {@code workspace-secrets 12000 cached, platform-secrets 40 synced, namespaces 1000 synced}.
     */
    public String progress() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < Metrics.INFORMERS.size(); i++) {
            int kind = i;
            List<CachedInformer<?, ?>> all = scopes.values().stream()
                    .<CachedInformer<?, ?>>map(s -> s.informers().toList().get(kind)).toList();
            int cached = all.stream().mapToInt(CachedInformer::size).sum();
            parts.add(Metrics.INFORMERS.get(kind) + " " + cached
                    + (all.stream().allMatch(CachedInformer::synced) ? " synced" : " cached"));
        }
        return String.join(", ", parts);
    }

    /** Why the webhook is not ready because of its caches, with their progress; empty once synced. */
    public Optional<String> notSynced() {
        return synced() ? Optional.empty() : Optional.of("caches not synced (" + progress() + ")");
    }

    @Override
    public void close() {
        informers().forEach(CachedInformer::close);
        executor.shutdownNow();
    }

    @Override
    public Facts facts(String namespace, String workspaceSecretName, Set<String> referencedSecrets) {
        Scope scope = scopes.get(scopes.containsKey(ALL) ? ALL : namespace);
        if (scope == null) {
            return unwatched(namespace, workspaceSecretName, referencedSecrets);
        }
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
        Deadline deadline = Deadline.after(live.deadline());
        // Misses of both are confirmed side by side, within the request's deadline.
        LookupPool.Pending<WorkspaceSecret> secret = workspaceSecretName == null ? LookupPool.done(Lookup.absent())
                : workspaceSecret(scope, namespace, workspaceSecretName);
        LookupPool.Pending<NamespaceInfo> ns = namespace(scope, namespace);
        Map<String, SecretLabels> referenced = new HashMap<>();
        for (String name : referencedSecrets) {
            String key = Cache.namespaceKeyFunc(namespace, name);
            boolean platform = scope.platformSecrets().get(key) != null;
            CachedObjects.WorkspaceSecretEntry labelled = scope.workspaceSecrets().get(key);
            if (platform || labelled != null) {
                referenced.put(name, new SecretLabels(platform,
                        Optional.ofNullable(labelled).map(CachedObjects.WorkspaceSecretEntry::workspaceId)));
            }
        }
        Lookup<WorkspaceSecret> secretAnswer = secret.await(deadline);
        Lookup<NamespaceInfo> nsAnswer = ns.await(deadline);
        if (secret.isLive()) {
            live("secret", secretAnswer);
        }
        if (ns.isLive()) {
            live("namespace", nsAnswer);
        }
        return Facts.of(secretAnswer, nsAnswer, referenced);
    }

    private LookupPool.Pending<WorkspaceSecret> workspaceSecret(Scope scope, String namespace, String name) {
        CachedObjects.WorkspaceSecretEntry cached = scope.workspaceSecrets().get(Cache.namespaceKeyFunc(namespace, name));
        metrics.cacheLookup("secret", cached != null);
        if (cached == null) {
            return live.startWorkspaceSecret(namespace, name);
        }
        try {
            return LookupPool.done(Lookup.found(cached.toWorkspaceSecret(config)));
        } catch (SecretFacts.UndecodableValueException e) {
            return LookupPool.done(Lookup.failed("Secret " + namespace + "/" + name, e.getMessage()));
        }
    }

    private LookupPool.Pending<NamespaceInfo> namespace(Scope scope, String namespace) {
        CachedObjects.NamespaceEntry cached = scope.namespaces().get(namespace);
        metrics.cacheLookup("namespace", cached != null);
        return cached != null ? LookupPool.done(Lookup.found(cached.toNamespaceInfo(config)))
                : live.startNamespace(namespace);
    }

    /**
     * A namespace outside {@code facts.watchNamespaces}: the webhook's namespaceSelector should
     * not send its pods, and billing-guard may not even be allowed to read it. Its lookups fail
     * closed with a cause that names the setting, rather than guessing or calling the API server.
     */
    private Facts unwatched(String namespace, String workspaceSecretName, Set<String> referencedSecrets) {
        String cause = "namespace " + namespace + " is not in facts.watchNamespaces";
        return new Facts(workspaceSecretName == null ? Lookup.absent()
                : Lookup.failed("Secret " + namespace + "/" + workspaceSecretName, cause),
                Lookup.failed("Namespace " + namespace, cause),
                referencedSecrets.isEmpty() ? Lookup.found(Map.of())
                        : Lookup.failed("Secrets in namespace " + namespace, cause));
    }

    /** Every record the caches hold, for tests that look at their shape or for leaked values. */
    List<Object> cachedObjects() {
        return informers().flatMap(i -> i.entries().stream()).map(Object.class::cast).toList();
    }

    private int count(ToIntFunction<Scope> size) {
        return scopes.values().stream().mapToInt(size).sum();
    }

    private Stream<CachedInformer<?, ?>> informers() {
        return scopes.values().stream().flatMap(Scope::informers);
    }

    private <T> void live(String object, Lookup<T> lookup) {
        metrics.liveLookup(object, lookup instanceof Lookup.Found ? "found" : lookup instanceof Lookup.Absent ? "absent" : "error");
    }
}
