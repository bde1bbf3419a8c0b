package ai.molecule.billingguard.bench;

import ai.molecule.billingguard.cluster.CacheFootprint;
import ai.molecule.billingguard.cluster.InformerFacts;
import ai.molecule.billingguard.cluster.ScriptedApiServer;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.PolicyConfig;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.Facts;
import ai.molecule.billingguard.policy.Lookup;
import ai.molecule.billingguard.policy.WorkspaceSecret;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The informer caches at scale (a main class, not a test; docs/performance.md says how to run it
 * and what it measured). Against {@link ScriptedApiServer} in this JVM (paginated lists paced to
 * {@code --rate} objects per second, HTTP watches):
 * <ol>
 *   <li><b>footprint</b>: heap bytes per cached workspace secret, for this cache's records and for
 *       fabric8 Secrets (as listed, and as the previous cache reduced them);</li>
 *   <li><b>sync</b>: for each size in {@code --sizes}, time from start to synced, heap after full GC
 *       (minus the heap before the informers started) and the cost of one {@code facts(...)} lookup
 *       answered from the cache;</li>
 *   <li><b>stream</b>: at the largest size, {@code --changes} secret changes per second over the
 *       watch for {@code --seconds}, while {@code --lookups} lookups per second are answered:
 *       lookup latency and cache lag (change sent by the server to change visible in a lookup).</li>
 * </ol>
 * Nothing is asserted: it prints figures.
 */
public final class InformerScaleBench {
    private int namespaces = 1_000;
    private List<Integer> sizes = List.of(1_000, 10_000, 100_000);
    private int rate = 15_000;
    private int changesPerSecond = 1_000;
    private int lookupsPerSecond = 500;
    private int streamSeconds = 60;
    private boolean footprint = true;
    private boolean stream = true;
    private final PolicyConfig policy = ConfigLoader.defaults().policy();

    public static void main(String[] args) throws Exception {
        InformerScaleBench bench = new InformerScaleBench();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--namespaces" -> bench.namespaces = Integer.parseInt(args[++i]);
                case "--sizes" -> bench.sizes = java.util.Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--rate" -> bench.rate = Integer.parseInt(args[++i]);
                case "--changes" -> bench.changesPerSecond = Integer.parseInt(args[++i]);
                case "--lookups" -> bench.lookupsPerSecond = Integer.parseInt(args[++i]);
                case "--seconds" -> bench.streamSeconds = Integer.parseInt(args[++i]);
                case "--no-footprint" -> bench.footprint = false;
                case "--no-stream" -> bench.stream = false;
                default -> {
                    System.err.println("unknown option " + args[i] + " (--namespaces N --sizes A,B,C --rate N --changes N "
                            + "--lookups N --seconds N --no-footprint --no-stream)");
                    System.exit(2);
                }
            }
        }
        bench.run();
        System.exit(0);
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "java %s, %d cpus, max heap %d MiB, %s%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getRuntimeMXBean().getInputArguments());
        if (footprint) {
            System.out.println("\n== footprint: heap bytes per cached workspace secret (~900 B of JSON each)");
            int largest = sizes.get(sizes.size() - 1);
            for (CacheFootprint.Kind kind : CacheFootprint.Kind.values()) {
                int n = kind == CacheFootprint.Kind.COMPACT ? largest : Math.min(largest, 20_000);
                CacheFootprint.Bytes b = CacheFootprint.measure(kind, n, namespaces, policy);
                System.out.printf(Locale.ROOT, "%-42s %,8d entries  %,6d bytes/entry  (%,.1f MiB per 100k)%n",
                        b.what(), b.entries(), b.bytesPerEntry(), b.bytesPerEntry() * 100_000 / 1048576.0);
            }
        }
        System.out.printf(Locale.ROOT, "%n== sync: %,d namespaces, lists paced to %,d objects/s, pages of %d%n",
                namespaces, rate, cluster().listPageSize());
        System.out.println("secrets    ready_s  heap_after_gc_MiB  cache_delta_MiB  bytes/secret  lookup_ns(p50/p99)  list_restarts");
        for (int i = 0; i < sizes.size(); i++) {
            boolean last = i == sizes.size() - 1;
            sync(sizes.get(i), last && stream);
        }
    }

    private Config.Cluster cluster() {
        return ConfigLoader.defaults().cluster();
    }

    private void sync(int secrets, boolean thenStream) throws Exception {
        try (ScriptedApiServer server = new ScriptedApiServer(secrets, namespaces).objectsPerSecond(rate);
             KubernetesClient client = server.client(Duration.ofSeconds(5))) {
            Metrics metrics = new Metrics();
            long baseline = CacheFootprint.heapAfterGc();
            long start = System.nanoTime();
            try (InformerFacts facts = new InformerFacts(client, cluster(), policy, metrics)) {
                facts.start();
                long lastReport = start;
                while (!facts.synced()) {
                    Thread.sleep(20);
                    if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                        lastReport = System.nanoTime();
                        System.out.printf(Locale.ROOT, "   ... %.0f s: %s%n", (lastReport - start) / 1e9, facts.progress());
                    }
                    if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(5)) {
                        System.out.println("   not ready after 5 minutes: " + facts.progress());
                        return;
                    }
                }
                double ready = (System.nanoTime() - start) / 1e9;
                long heap = CacheFootprint.heapAfterGc();
                Histogram lookups = lookupCost(facts, server, secrets);
                double restarts = metrics.registry().get("billing_guard_informer_list_restarts").counters().stream()
                        .mapToDouble(c -> c.count()).sum();
                System.out.printf(Locale.ROOT, "%,7d  %8.1f  %17.1f  %15.1f  %12d  %8d / %-8d  %.0f%n", secrets, ready,
                        heap / 1048576.0, (heap - baseline) / 1048576.0, (heap - baseline) / secrets,
                        lookups.getValueAtPercentile(50), lookups.getValueAtPercentile(99), restarts);
                if (thenStream) {
                    stream(facts, server, secrets);
                }
            }
        }
    }

    /** ns per facts(...) answered from the cache: a workspace secret, its Namespace, two referenced names. */
    private Histogram lookupCost(InformerFacts facts, ScriptedApiServer server, int secrets) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int round = 0; round < 2; round++) { // the first round warms up
            h.reset();
            for (int i = 0; i < 300_000; i++) {
                int j = random.nextInt(secrets);
                String name = ScriptedApiServer.secretName(j);
                long t = System.nanoTime();
                Facts answer = facts.facts(server.namespaceOf(j), name, Set.of(name, "molecule-platform-llm"));
                h.recordValue(Math.min(System.nanoTime() - t, h.getHighestTrackableValue()));
                if (!(answer.workspaceSecret() instanceof Lookup.Found)) {
                    throw new IllegalStateException("not found in the cache: " + name + " " + answer.workspaceSecret());
                }
            }
        }
        return h;
    }

    /** Changes streamed over the watch while lookups are answered: lookup latency and cache lag. */
    private void stream(InformerFacts facts, ScriptedApiServer server, int secrets) throws Exception {
        System.out.printf(Locale.ROOT, "%n== stream: %,d secrets, %,d changes/s over the watch for %d s, %,d lookups/s%n",
                secrets, changesPerSecond, streamSeconds, lookupsPerSecond);
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        Histogram lag = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        BlockingQueue<long[]> tracked = new ArrayBlockingQueue<>(100_000);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong changesSent = new AtomicLong();
        AtomicLong missed = new AtomicLong();
        Thread changer = new Thread(() -> paced(changesPerSecond, done, n -> {
            int j = ThreadLocalRandom.current().nextInt(secrets);
            int change = (int) changesSent.incrementAndGet();
            long sent = System.nanoTime();
            server.change(j, change);
            if (change % 10 == 0) {
                tracked.offer(new long[]{j, change, sent});
            }
        }), "changer");
        Thread lookups = new Thread(() -> paced(lookupsPerSecond, done, n -> {
            int j = ThreadLocalRandom.current().nextInt(secrets);
            String name = ScriptedApiServer.secretName(j);
            long t = System.nanoTime();
            facts.facts(server.namespaceOf(j), name, Set.of(name));
            latency.recordValue(Math.min(System.nanoTime() - t, latency.getHighestTrackableValue()));
        }), "lookups");
        Thread checker = new Thread(() -> {
            try {
                while (!done.get() || !tracked.isEmpty()) {
                    long[] c = tracked.poll(100, TimeUnit.MILLISECONDS);
                    if (c == null) {
                        continue;
                    }
                    String name = ScriptedApiServer.secretName((int) c[0]);
                    long deadline = c[2] + TimeUnit.SECONDS.toNanos(30);
                    while (true) {
                        Facts f = facts.facts(server.namespaceOf((int) c[0]), name, Set.of());
                        Optional<Integer> seen = Optional.of(f.workspaceSecret()).filter(Lookup.Found.class::isInstance)
                                .map(l -> ((Lookup.Found<WorkspaceSecret>) l).value().model())
                                .filter(m -> m.startsWith("gpt-change-")).map(m -> Integer.valueOf(m.substring(11)));
                        if (seen.isPresent() && seen.get() >= c[1]) {
                            lag.recordValue(Math.min(System.nanoTime() - c[2], lag.getHighestTrackableValue()));
                            break;
                        }
                        if (System.nanoTime() > deadline) {
                            missed.incrementAndGet();
                            break;
                        }
                        Thread.sleep(0, 200_000);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lag-checker");
        List<Thread> threads = new ArrayList<>(List.of(changer, lookups, checker));
        threads.forEach(Thread::start);
        Thread.sleep(TimeUnit.SECONDS.toMillis(streamSeconds));
        done.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
        System.out.printf(Locale.ROOT, "changes sent %,d (%.0f/s); lookups %,d%n", changesSent.get(),
                changesSent.get() / (double) streamSeconds, latency.getTotalCount());
        System.out.printf(Locale.ROOT, "lookup latency us: p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n",
                latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3,
                latency.getValueAtPercentile(99.9) / 1e3, latency.getMaxValue() / 1e3);
        System.out.printf(Locale.ROOT, "cache lag ms (every 10th change, %,d samples, %d not seen within 30 s): p50 %.1f  p99 %.1f  max %.1f%n",
                lag.getTotalCount(), missed.get(), lag.getValueAtPercentile(50) / 1e6, lag.getValueAtPercentile(99) / 1e6,
                lag.getMaxValue() / 1e6);
        System.out.printf(Locale.ROOT, "heap after GC with the stream done: %.1f MiB; resident %s%n",
                CacheFootprint.heapAfterGc() / 1048576.0, resident());
    }

    /** Runs {@code action} about {@code perSecond} times a second until done (catching up when late). */
    private static void paced(int perSecond, AtomicBoolean done, java.util.function.LongConsumer action) {
        long start = System.nanoTime();
        long n = 0;
        while (!done.get()) {
            long due = start + n * 1_000_000_000L / perSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                continue;
            }
            action.accept(n++);
        }
    }

    private static String resident() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
                    .map(l -> l.replaceAll("\\s+", " ")).findFirst().orElse("?") + " (whole JVM, scripted server included)";
        } catch (Exception e) {
            return "?";
        }
    }
}
