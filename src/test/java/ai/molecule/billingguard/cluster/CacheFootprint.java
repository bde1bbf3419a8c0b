package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.PolicyConfig;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Heap bytes per cached workspace secret, measured (no agent needed) as the heap used after full
 * GCs with {@code n} entries held, minus the heap used before, over {@code n}. For the benchmark
 * (bench.InformerScaleBench), which lives in another package.
 */
public final class CacheFootprint {
    private CacheFootprint() {
    }

    /** What one way of caching keeps per workspace secret. */
    public record Bytes(String what, int entries, long bytesPerEntry) {
    }

    /** The ways of caching a workspace secret that are compared. */
    public enum Kind {
        /** The records this cache keeps (a {@link CompactStore}, keys included). */
        COMPACT("compact record (this cache)"),
        /** The informer's default: the fabric8 Secret as the API server sent it. */
        FABRIC8("fabric8 Secret as listed"),
        /**
         * The previous cache of this project: a fabric8 Secret cut down to metadata, type and data,
         * every value but provider and model replaced by a placeholder.
         */
        REDUCED_FABRIC8("reduced fabric8 Secret (previous cache)");

        private final String what;

        Kind(String what) {
            this.what = what;
        }
    }

    /** Holds {@code n} workspace secrets of the scripted server's shape the given way and measures them. */
    public static Bytes measure(Kind kind, int n, int namespaces, PolicyConfig config) {
        KubernetesSerialization json = new KubernetesSerialization();
        CachedObjects.Reducer reducer = new CachedObjects.Reducer(config);
        CompactStore<Secret, CachedObjects.WorkspaceSecretEntry> store =
                new CompactStore<>(reducer::workspaceSecret, CachedObjects::view);
        Map<String, Secret> held = new HashMap<>();
        // Jackson builds its deserializers on first use: that is not the cache's cost.
        reducer.workspaceSecret("warm/up", json.unmarshal(ScriptedApiServer.workspaceSecretJson(0, namespaces, 1, 0), Secret.class));
        long before = heapAfterGc();
        for (int j = 0; j < n; j++) {
            Secret secret = json.unmarshal(ScriptedApiServer.workspaceSecretJson(j, namespaces, 1_000_000 + j, 0), Secret.class);
            String key = Cache.metaNamespaceKeyFunc(secret);
            switch (kind) {
                case COMPACT -> store.put(key, secret);
                case FABRIC8 -> held.put(key, secret);
                case REDUCED_FABRIC8 -> held.put(key, reduced(secret));
            }
        }
        long after = heapAfterGc();
        if (store.size() + held.size() != n) {
            throw new IllegalStateException("held " + (store.size() + held.size()) + " of " + n);
        }
        return new Bytes(kind.what, n, (after - before) / n);
    }

    private static Secret reduced(Secret s) {
        Map<String, String> data = new LinkedHashMap<>();
        s.getData().forEach((k, v) -> data.put(k, k.equals("LLM_PROVIDER") || k.equals("MODEL") ? v : "cmVkYWN0ZWQ="));
        return new SecretBuilder().withMetadata(new ObjectMetaBuilder().withName(s.getMetadata().getName())
                        .withNamespace(s.getMetadata().getNamespace()).withUid(s.getMetadata().getUid())
                        .withResourceVersion(s.getMetadata().getResourceVersion()).withLabels(s.getMetadata().getLabels())
                        .withAnnotations(s.getMetadata().getAnnotations()).build())
                .withType(s.getType()).withData(data).build();
    }

    /** Heap used after full collections (System.gc() is a full GC with the JDK's default collectors). */
    public static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
