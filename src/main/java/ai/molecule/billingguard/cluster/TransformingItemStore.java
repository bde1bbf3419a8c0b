package ai.molecule.billingguard.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer item store that keeps {@code transform(object)} instead of the object. fabric8 8
 * has no informer transform hook, but every object the informer caches passes through its
 * pluggable {@link ItemStore}. (Its indexes hold keys only, computed before the store.)
 */
final class TransformingItemStore<T extends HasMetadata> implements ItemStore<T> {
    private final BasicItemStore<T> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
    private final UnaryOperator<T> transform;

    TransformingItemStore(UnaryOperator<T> transform) {
        this.transform = transform;
    }

    @Override
    public T put(String key, T object) {
        return store.put(key, transform.apply(object));
    }

    @Override
    public String getKey(T object) {
        return store.getKey(object);
    }

    @Override
    public T remove(String key) {
        return store.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return store.keySet();
    }

    @Override
    public Stream<T> values() {
        return store.values();
    }

    @Override
    public int size() {
        return store.size();
    }

    @Override
    public T get(String key) {
        return store.get(key);
    }
}
