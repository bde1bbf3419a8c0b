package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.metrics.Metrics;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.impl.DefaultSharedIndexInformer;
import io.fabric8.kubernetes.client.informers.impl.ListerWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One fabric8 informer whose cache is a {@link CompactStore} of records, listed in pages by a
 * {@link PagedLister}. fabric8 builds the same {@link DefaultSharedIndexInformer} from
 * {@code Informable.runnableInformer}; it is built here directly so that its lister can be ours.
 */
final class CachedInformer<T extends HasMetadata, R> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CachedInformer.class);

    /** How an informer is listed: page size, page timeout, first back-off of a failed page. */
    record Paging(int pageSize, Duration pageTimeout, Duration firstBackoff) {
    }

    private final String name;
    private final DefaultSharedIndexInformer<T, ?> informer;
    private final CompactStore<T, R> store;

    /**
     * @param name      the informer's name in logs and metrics ({@link Metrics#INFORMERS})
     * @param operation fabric8's list/watch of the resource (a label- or name-selected operation)
     * @param executor  runs the informer's reconnects and (absent) event handlers
     * @param changed   told the store key of every record put or removed ({@link CompactStore})
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    CachedInformer(String name, Class<T> type, Informable<T> operation, Paging paging, Metrics metrics,
                   Executor executor, BiFunction<String, T, R> keep, Function<R, T> view, Consumer<String> changed) {
        if (!(operation instanceof ListerWatcher<?, ?> source)) {
            throw new IllegalStateException("fabric8 operation " + operation.getClass().getName() + " cannot list and watch");
        }
        this.name = name;
        PagedLister lister = new PagedLister<>((ListerWatcher<T, KubernetesResourceList<T>>) source, name,
                paging.pageSize(), paging.pageTimeout(), paging.firstBackoff(), metrics);
        this.informer = new DefaultSharedIndexInformer<>(type, lister, 0, executor);
        // No lookup goes by index; the default namespace index would cost one map entry per object.
        informer.removeIndexer(Cache.NAMESPACE_INDEX);
        this.store = new CompactStore<>(keep, view, changed);
        informer.itemStore(store);
        // fabric8's default gives up when the first list fails (RBAC not bound yet, API server
        // restarting), leaving the webhook unready for good; keep retrying with its back-off.
        informer.exceptionHandler((started, failure) -> {
            LOG.atWarn().addKeyValue("informer", name)
                    .log("list or watch failed: {}; listing again from the start", ApiErrors.cause(failure, paging.pageTimeout()));
            return true;
        });
    }

    String name() {
        return name;
    }

    void start() {
        informer.start();
    }

    /** Whether the first full list is in (what readiness waits for). */
    boolean synced() {
        return informer.hasSynced();
    }

    /** Objects cached so far: during the first list, its progress. */
    int size() {
        return store.size();
    }

    /** The record of {@code namespace/name} (or the name of a cluster-scoped object), or null. */
    R get(String key) {
        return store.entry(key);
    }

    Collection<R> entries() {
        return store.entries();
    }

    @Override
    public void close() {
        informer.close();
    }
}
