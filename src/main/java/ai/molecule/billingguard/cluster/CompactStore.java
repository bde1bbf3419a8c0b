package ai.molecule.billingguard.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * An informer item store that keeps a compact record ({@link CachedObjects}) of each object
 * instead of the object. fabric8 8 has no informer transform hook, but every object the informer
 * caches passes through its pluggable {@link ItemStore}. The informer itself still gets objects of
 * its own type back ({@code view}: namespace, name and resourceVersion), which is all its
 * bookkeeping reads; lookups read the records through {@link #entry}.
 *
 * <p>Reads are lock-free (fabric8's cache serialises writes, not reads).
 */
final class CompactStore<T extends HasMetadata, R> implements ItemStore<T> {
    private final Map<String, R> entries = new ConcurrentHashMap<>();
    private final BiFunction<String, T, R> keep;
    private final Function<R, T> view;
    private final Consumer<String> changed;

    /** @param keep the record of an object, given the key it is stored under (records may share that String) */
    CompactStore(BiFunction<String, T, R> keep, Function<R, T> view) {
        this(keep, view, key -> {
        });
    }

    /**
     * @param changed told the key of every record put or removed, after the store holds the change (it runs on the
     *                informer's thread: it must be quick and must not call back into the store's writers)
     */
    CompactStore(BiFunction<String, T, R> keep, Function<R, T> view, Consumer<String> changed) {
        this.keep = keep;
        this.view = view;
        this.changed = changed;
    }

    /** The record stored under {@code namespace/name} (or the name of a cluster-scoped object), or null. */
    R entry(String key) {
        return entries.get(key);
    }

    Collection<R> entries() {
        return entries.values();
    }

    @Override
    public T put(String key, T object) {
        T old = viewOf(entries.put(key, keep.apply(key, object)));
        changed.accept(key);
        return old;
    }

    @Override
    public String getKey(T object) {
        return Cache.metaNamespaceKeyFunc(object);
    }

    @Override
    public T remove(String key) {
        R old = entries.remove(key);
        if (old != null) {
            changed.accept(key);
        }
        return viewOf(old);
    }

    @Override
    public Stream<String> keySet() {
        return entries.keySet().stream();
    }

    @Override
    public Stream<T> values() {
        return entries.values().stream().map(view);
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public T get(String key) {
        return viewOf(entries.get(key));
    }

    private T viewOf(R entry) {
        return entry == null ? null : view.apply(entry);
    }
}
