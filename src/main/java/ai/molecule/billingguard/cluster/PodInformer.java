package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.PolicyConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Informers for serve's background audit: the guarded Namespaces (by the guard label), and the pods
 * (in every namespace, or in each of {@code facts.watchNamespaces}). The pod cache keeps only what
 * the audit needs ({@link AuditedPods}): names and references, never an env value or another
 * annotation.
 */
public final class PodInformer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodInformer.class);

    private final KubernetesSerialization serialization;
    private final SharedIndexInformer<Namespace> namespaces;
    private final List<SharedIndexInformer<Pod>> pods = new ArrayList<>();

    /** Creates the informers without starting them. The client is not closed here: the caller owns it. */
    public PodInformer(KubernetesClient client, Config.Cluster cluster, PolicyConfig config) {
        KubernetesClient lists = Clusters.derived(client, cluster.listTimeout(), true);
        this.serialization = client.getKubernetesSerialization();
        this.namespaces = informer("guarded namespaces", lists.namespaces()
                        .withLabel(config.guardedNamespaceLabel(), config.guardedNamespaceValue())
                        .withLimit((long) cluster.listPageSize()),
                PodInformer::nameOnly, cluster.listTimeout());
        UnaryOperator<Pod> reduce = pod -> serialization.convertValue(
                AuditedPods.reduce(serialization.convertValue(pod, JsonNode.class), config), Pod.class);
        if (cluster.watchNamespaces().isEmpty()) {
            pods.add(informer("pods", lists.pods().inAnyNamespace().withLimit((long) cluster.listPageSize()), reduce,
                    cluster.listTimeout()));
        } else {
            for (String ns : cluster.watchNamespaces()) {
                pods.add(informer("pods in " + ns, lists.pods().inNamespace(ns).withLimit((long) cluster.listPageSize()),
                        reduce, cluster.listTimeout()));
            }
        }
    }

    /** Starts listing and watching; returns at once. */
    public void start() {
        informers().forEach(SharedIndexInformer::start);
    }

    /** Whether every cache holds a full list. */
    public boolean synced() {
        return informers().allMatch(SharedIndexInformer::hasSynced);
    }

    @Override
    public void close() {
        informers().forEach(SharedIndexInformer::close);
    }

    /** The guarded namespaces the cache knows, sorted. */
    public List<String> guardedNamespaces() {
        return namespaces.getStore().list().stream().map(n -> n.getMetadata().getName()).sorted().toList();
    }

    /** The reduced pods of these namespaces, as JSON trees, sorted by namespace and name. */
    public List<JsonNode> pods(Set<String> in) {
        return pods.stream().flatMap(i -> i.getStore().list().stream())
                .filter(p -> in.contains(p.getMetadata().getNamespace()))
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getNamespace())
                        .thenComparing(p -> p.getMetadata().getName()))
                .map(p -> serialization.convertValue(p, JsonNode.class)).toList();
    }

    /** Every object the caches hold, for tests that look for leaked values. */
    List<HasMetadata> cachedObjects() {
        return informers().flatMap(i -> i.getStore().list().stream()).map(HasMetadata.class::cast).toList();
    }

    private Stream<SharedIndexInformer<?>> informers() {
        return Stream.concat(Stream.of(namespaces), pods.stream());
    }

    private static Namespace nameOnly(Namespace ns) {
        return new NamespaceBuilder().withMetadata(new ObjectMetaBuilder().withName(ns.getMetadata().getName())
                .withUid(ns.getMetadata().getUid()).withResourceVersion(ns.getMetadata().getResourceVersion())
                .build()).build();
    }

    private static <T extends HasMetadata> SharedIndexInformer<T> informer(String what, Informable<T> source,
                                                                           UnaryOperator<T> keep, Duration timeout) {
        SharedIndexInformer<T> informer = source.runnableInformer(0);
        informer.itemStore(new ReducingStore<>(keep));
        // As for the facts informers: keep retrying a failed list (RBAC not bound yet) with fabric8's backoff.
        informer.exceptionHandler((started, failure) -> {
            LOG.warn("informer for {}: {}; retrying", what, ApiErrors.cause(failure, timeout));
            return true;
        });
        return informer;
    }

    /** An item store that keeps {@code reduce(object)}: fabric8 8 has no informer transform hook. */
    private static final class ReducingStore<T extends HasMetadata> implements ItemStore<T> {
        private final BasicItemStore<T> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
        private final UnaryOperator<T> reduce;

        ReducingStore(UnaryOperator<T> reduce) {
            this.reduce = reduce;
        }

        @Override
        public T put(String key, T object) {
            return store.put(key, reduce.apply(object));
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
}
