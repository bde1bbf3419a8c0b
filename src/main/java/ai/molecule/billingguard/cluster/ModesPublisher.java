package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.PublishedModes;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps the backstop's params: in every guarded namespace the informers cache, one ConfigMap
 * ({@code modes.configMapName}) whose {@code data} is what {@link PublishedModes} computes from the caches
 * (workspace id → resolved mode, and the label-only platform secrets). Off the request path, on one thread of its
 * own; admission answers and readiness never wait for it.
 *
 * <ul>
 *   <li><b>Changes</b>: every change the caches see marks its namespace; after {@code debounce} the marked
 *   namespaces are computed again and written when their data differs from what was last written or read.</li>
 *   <li><b>Full sync</b>: once the caches have synced, then every {@code resync}: one list of the ConfigMaps of that
 *   name (a field selector on the name: the RBAC grants nothing else), then every namespace is computed again. This
 *   repairs a ConfigMap someone edited or deleted, and deletes the ConfigMap of a namespace that is no longer
 *   guarded (or kube-system, or billing-guard's own), if billing-guard's label is on it.</li>
 *   <li><b>Writes</b> replace the whole {@code data}: an update carries the resourceVersion last seen; on 409 the
 *   ConfigMap is read again (a GET by name) and the write retried; on 404 it is created; a create that finds it
 *   already there reads it and updates. Several replicas write the same content this way.</li>
 *   <li><b>Failures</b> are logged once per namespace (WARN, the namespace and the HTTP status, never data) and
 *   retried with a doubling back-off; a recovery is logged once at INFO.</li>
 * </ul>
 *
 * <p>Metrics: {@code billing_guard_modes_published_total{outcome}} and {@code billing_guard_modes_failing_namespaces}.
 */
public final class ModesPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModesPublisher.class);
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "billing-guard";
    /** How many times a write meets someone else's change before it waits for the back-off. */
    private static final int ATTEMPTS = 4;
    private static final int LIST_PAGE = 500;
    private static final String FULL_SYNC = "";

    /**
     * @param debounce     wait after a change before computing its namespace (changes meanwhile are batched)
     * @param resync       between full syncs
     * @param firstBackoff before the first retry of a failed namespace (or full sync), doubling per failure
     * @param maxBackoff   the longest back-off
     */
    record Timing(Duration debounce, Duration resync, Duration firstBackoff, Duration maxBackoff) {
        static final Timing DEFAULT = new Timing(Duration.ofMillis(200), Duration.ofMinutes(5),
                Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    /** A namespace's ConfigMap as billing-guard last wrote or read it; {@link #ABSENT} when there is none. */
    private record Known(String resourceVersion, Map<String, String> data, boolean managed) {
        static final Known ABSENT = new Known(null, Map.of(), false);

        static Known of(ConfigMap cm) {
            Map<String, String> labels = cm.getMetadata().getLabels();
            return new Known(cm.getMetadata().getResourceVersion(), cm.getData() == null ? Map.of() : Map.copyOf(cm.getData()),
                    labels != null && MANAGER.equals(labels.get(MANAGED_BY)));
        }

        boolean exists() {
            return resourceVersion != null;
        }

        boolean holds(Map<String, String> wanted) {
            return exists() && managed && data.equals(wanted);
        }
    }

    private final KubernetesClient client;
    private final InformerFacts caches;
    private final PolicyConfig config;
    private final PublishedModes modes;
    private final String name;
    private final Metrics metrics;
    private final Timing timing;
    private final Duration requestTimeout;
    private final ScheduledExecutorService executor;
    /** Namespaces changed since the last pass; written by informer threads. */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Consecutive failures by namespace ({@link #FULL_SYNC} for the list of a full sync). */
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    /** Only on the publisher's thread. */
    private final Map<String, Known> known = new HashMap<>();
    private volatile boolean synced;

    /**
     * @param client       not closed here: the caller owns it
     * @param caches       the informers whose caches say what to publish; started by the caller
     * @param ownNamespace billing-guard's own namespace ({@code POD_NAMESPACE}), which never gets a ConfigMap
     */
    public ModesPublisher(KubernetesClient client, InformerFacts caches, Config.Modes modes, PolicyConfig config,
                          Optional<String> ownNamespace, Metrics metrics) {
        this(client, caches, modes, config, ownNamespace, metrics, Timing.DEFAULT);
    }

    ModesPublisher(KubernetesClient client, InformerFacts caches, Config.Modes modes, PolicyConfig config,
                   Optional<String> ownNamespace, Metrics metrics, Timing timing) {
        // Failures are retried here, with a back-off of our own, not by fabric8's HTTP layer.
        this.requestTimeout = Clusters.requestTimeout(client);
        this.client = Clusters.derived(client, requestTimeout, false);
        this.caches = caches;
        this.config = config;
        this.modes = new PublishedModes(config, ownNamespace);
        this.name = modes.configMapName();
        this.metrics = metrics;
        this.timing = timing;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "billing-guard-modes");
            t.setDaemon(true);
            return t;
        });
        metrics.modesPublisher(() -> failures.keySet().stream().filter(k -> !k.equals(FULL_SYNC)).count());
    }

    /** Starts following the caches; the first full sync runs as soon as they have synced. Returns at once. */
    public void start() {
        caches.onChange(this::changed);
        schedule(this::awaitSynced, Duration.ZERO);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    private void awaitSynced() {
        if (caches.synced()) {
            fullSync();
        } else {
            schedule(this::awaitSynced, timing.debounce());
        }
    }

    /** On an informer's thread: mark the namespace, and make sure a pass runs after the debounce. */
    private void changed(String namespace) {
        dirty.add(namespace);
        if (flushScheduled.compareAndSet(false, true)) {
            schedule(this::flush, timing.debounce());
        }
    }

    private void flush() {
        flushScheduled.set(false);
        if (!synced) {
            return; // the first full sync covers every namespace
        }
        Set<String> batch = new HashSet<>();
        for (Iterator<String> it = dirty.iterator(); it.hasNext(); ) {
            batch.add(it.next());
            it.remove();
        }
        if (batch.isEmpty()) {
            return;
        }
        Map<String, InformerFacts.NamespaceContents> contents = caches.contents(batch::contains);
        for (String namespace : batch) {
            InformerFacts.NamespaceContents in = contents.get(namespace);
            if (in == null) {
                // The Namespace is gone (its ConfigMap with it), or was never cached.
                known.remove(namespace);
                failures.remove(namespace);
            } else {
                reconcile(namespace, in);
            }
        }
    }

    private void fullSync() {
        Duration next = timing.resync();
        try {
            Map<String, Known> observed = listConfigMaps();
            recovered(FULL_SYNC);
            // Changes marked before this point are covered by the contents read below.
            dirty.clear();
            known.clear();
            known.putAll(observed);
            Map<String, InformerFacts.NamespaceContents> all = caches.contents(ns -> true);
            all.forEach(this::reconcile);
            synced = true;
            LOG.atDebug().addKeyValue("namespaces", all.size()).addKeyValue("configMaps", observed.size())
                    .log("modes ConfigMaps synced");
        } catch (RuntimeException e) {
            next = failed(FULL_SYNC, "list", e);
        } finally {
            schedule(this::fullSync, next);
        }
    }

    /** Brings one namespace's ConfigMap to what the caches say: written, deleted or left alone. */
    private void reconcile(String namespace, InformerFacts.NamespaceContents in) {
        Known current = known.getOrDefault(namespace, Known.ABSENT);
        try {
            if (!modes.publishes(namespace, in.namespace().guarded())) {
                if (current.exists() && current.managed()) {
                    resource(namespace).delete();
                    metrics.modesPublished("deleted");
                    LOG.atInfo().addKeyValue("namespace", namespace).addKeyValue("configMap", name)
                            .log("deleted the modes ConfigMap of a namespace that is not guarded");
                }
                known.remove(namespace);
            } else {
                SortedMap<String, String> wanted = data(in);
                if (!current.holds(wanted)) {
                    write(namespace, wanted, current);
                }
            }
            recovered(namespace);
        } catch (RuntimeException e) {
            Duration backoff = failed(namespace, "write", e);
            schedule(() -> changed(namespace), backoff);
        }
    }

    private SortedMap<String, String> data(InformerFacts.NamespaceContents in) {
        List<WorkspaceSecret> secrets = new ArrayList<>(in.workspaceSecrets().size());
        for (CachedObjects.WorkspaceSecretEntry entry : in.workspaceSecrets()) {
            try {
                secrets.add(entry.toWorkspaceSecret(config));
            } catch (SecretFacts.UndecodableValueException e) {
                // Its lookup fails: the webhook denies its pods; nothing is published for it.
            }
        }
        return modes.data(in.namespace().toNamespaceInfo(config), secrets, in.platformSecretNames());
    }

    /** Replaces the whole data; reads again on a conflict, creates when missing, updates when already there. */
    private void write(String namespace, SortedMap<String, String> wanted, Known start) {
        Known current = start;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (current == null) {
                ConfigMap live = resource(namespace).get();
                current = live == null ? Known.ABSENT : Known.of(live);
            }
            if (current.holds(wanted)) {
                known.put(namespace, current);
                return;
            }
            try {
                boolean create = !current.exists();
                ConfigMap written = create
                        ? client.configMaps().inNamespace(namespace).resource(configMap(namespace, null, wanted)).create()
                        : client.configMaps().inNamespace(namespace)
                                .resource(configMap(namespace, current.resourceVersion(), wanted)).update();
                known.put(namespace, Known.of(written));
                metrics.modesPublished(create ? "created" : "updated");
                LOG.atDebug().addKeyValue("namespace", namespace).addKeyValue("entries", wanted.size())
                        .log(create ? "created the modes ConfigMap" : "updated the modes ConfigMap");
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    // Changed or created by someone else (another replica) since we saw it: read it again.
                    metrics.modesPublished("conflict");
                    current = null;
                } else if (e.getCode() == 404 && current.exists()) {
                    current = Known.ABSENT;
                } else {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("still conflicting after " + ATTEMPTS + " attempts");
    }

    private ConfigMap configMap(String namespace, String resourceVersion, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withResourceVersion(resourceVersion).addToLabels(MANAGED_BY, MANAGER).endMetadata()
                .withData(data).build();
    }

    private Resource<ConfigMap> resource(String namespace) {
        return client.configMaps().inNamespace(namespace).withName(name);
    }

    /** Every ConfigMap of that name the informers' namespaces may hold, listed by name, in pages. */
    private Map<String, Known> listConfigMaps() {
        Map<String, Known> out = new HashMap<>();
        List<String> watched = caches.watchedNamespaces();
        if (watched.isEmpty()) {
            list(client.configMaps().inAnyNamespace().withField("metadata.name", name), out);
        } else {
            for (String namespace : watched) {
                list(client.configMaps().inNamespace(namespace).withField("metadata.name", name), out);
            }
        }
        return out;
    }

    private static void list(FilterWatchListDeletable<ConfigMap, ConfigMapList, Resource<ConfigMap>> named,
                             Map<String, Known> out) {
        String token = null;
        do {
            ConfigMapList page = named.list(new ListOptionsBuilder().withLimit((long) LIST_PAGE).withContinue(token).build());
            page.getItems().forEach(cm -> out.put(cm.getMetadata().getNamespace(), Known.of(cm)));
            token = page.getMetadata() == null ? null : page.getMetadata().getContinue();
        } while (token != null && !token.isEmpty());
    }

    /** Counts and logs a failure (WARN the first time in a row only) and returns the back-off before the retry. */
    private Duration failed(String namespace, String what, RuntimeException e) {
        if (executor.isShutdown()) {
            return timing.maxBackoff(); // closing interrupted the call: nothing failed
        }
        int count = failures.merge(namespace, 1, Integer::sum);
        metrics.modesPublished("failed");
        String cause = ApiErrors.cause(e, requestTimeout);
        Duration backoff = backoff(count);
        String object = namespace.equals(FULL_SYNC) ? "the modes ConfigMaps" : "the modes ConfigMap";
        var log = count == 1 ? LOG.atWarn() : LOG.atDebug();
        log.addKeyValue("configMap", name).addKeyValue("failures", count).addKeyValue("retryInMs", backoff.toMillis());
        if (!namespace.equals(FULL_SYNC)) {
            log = log.addKeyValue("namespace", namespace);
        }
        log.log("cannot " + what + " " + object + ": " + cause + "; retrying with back-off");
        return backoff;
    }

    private void recovered(String namespace) {
        Integer count = failures.remove(namespace);
        if (count != null) {
            var log = LOG.atInfo().addKeyValue("configMap", name).addKeyValue("failures", count);
            if (!namespace.equals(FULL_SYNC)) {
                log = log.addKeyValue("namespace", namespace);
            }
            log.log(namespace.equals(FULL_SYNC) ? "listed the modes ConfigMaps again" : "wrote the modes ConfigMap again");
        }
    }

    private Duration backoff(int failures) {
        long factor = 1L << Math.min(failures - 1, 20);
        Duration backoff = timing.firstBackoff().multipliedBy(factor);
        return backoff.compareTo(timing.maxBackoff()) > 0 ? timing.maxBackoff() : backoff;
    }

    private void schedule(Runnable task, Duration delay) {
        try {
            executor.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // Never lose the thread's schedule to a surprise; the next full sync starts over.
                    LOG.atWarn().log("modes publisher: " + e.getClass().getSimpleName());
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closed.
        }
    }
}
