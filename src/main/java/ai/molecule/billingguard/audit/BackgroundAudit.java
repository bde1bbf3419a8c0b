package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.FactsSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * serve's background audit: every {@code audit.intervalSeconds}, the audit over the informer
 * caches, published as {@code billing_guard_violations{namespace,kind}} gauges. The log gets one
 * line when a violation appears and one when it is gone, not one per scan. Nothing else depends on
 * it: readiness does not wait for it, and a scan that fails is logged and tried again next time.
 */
public final class BackgroundAudit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("billing-guard.audit");
    /** How soon to look again while the caches have not synced yet. */
    static final Duration NOT_SYNCED_RETRY = Duration.ofSeconds(1);

    private final Audit audit;
    private final Duration interval;
    private final BooleanSupplier synced;
    private final Supplier<Inventory> inventory;
    private final FactsSource facts;
    private final OwnerSource owners;
    private final Metrics metrics;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "billing-guard-audit");
        thread.setDaemon(true);
        return thread;
    });
    private Map<String, Violation> known = new LinkedHashMap<>();
    private Set<String> knownProblems = new HashSet<>();

    /**
     * @param synced    whether the caches the inventory and the facts come from are complete
     * @param inventory the guarded namespaces and their pods, from the pod informer
     */
    public BackgroundAudit(Audit audit, Duration interval, BooleanSupplier synced, Supplier<Inventory> inventory,
                           FactsSource facts, OwnerSource owners, Metrics metrics) {
        this.audit = audit;
        this.interval = interval;
        this.synced = synced;
        this.inventory = inventory;
        this.facts = facts;
        this.owners = owners;
        this.metrics = metrics;
    }

    /** Schedules the first scan at once (it waits for the caches); returns at once. */
    public BackgroundAudit start() {
        executor.execute(this::tick);
        return this;
    }

    @Override
    public void close() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    private void tick() {
        Duration next = interval;
        try {
            if (synced.getAsBoolean()) {
                scan();
            } else {
                next = NOT_SYNCED_RETRY;
            }
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("error", e.getClass().getSimpleName()).log("background audit failed; trying again"
                    + " in " + interval.toSeconds() + "s");
        } finally {
            if (!executor.isShutdown()) {
                executor.schedule(this::tick, next.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** One scan: gauges set, new and resolved violations logged. Runs on the audit thread only. */
    private void scan() {
        Report report = audit.run(inventory.get(), facts, owners);
        metrics.violations(report.countsByNamespace());
        Map<String, Violation> now = report.byKey();
        now.forEach((key, v) -> {
            if (!known.containsKey(key)) {
                LOG.atWarn().addKeyValue("namespace", v.namespace()).addKeyValue("pod", v.pod())
                        .addKeyValue("ownerKind", v.owner().kind()).addKeyValue("ownerName", v.owner().name())
                        .addKeyValue("workspace", v.workspace()).addKeyValue("mode", v.mode())
                        .addKeyValue("provider", v.provider()).addKeyValue("source", v.source())
                        .addKeyValue("violation", v.kind().wire()).addKeyValue("detail", v.detail())
                        .addKeyValue("fix", v.fix()).log("audit: violation found");
            }
        });
        known.forEach((key, v) -> {
            if (!now.containsKey(key)) {
                LOG.atInfo().addKeyValue("namespace", v.namespace()).addKeyValue("pod", v.pod())
                        .addKeyValue("ownerKind", v.owner().kind()).addKeyValue("ownerName", v.owner().name())
                        .addKeyValue("violation", v.kind().wire()).log("audit: violation resolved");
            }
        });
        known = now;
        Set<String> problems = new HashSet<>(report.problems());
        problems.addAll(report.notes());
        problems.stream().filter(p -> !knownProblems.contains(p)).sorted()
                .forEach(p -> LOG.atWarn().log("audit: " + p));
        knownProblems = problems;
        LOG.atDebug().addKeyValue("checked", report.checked()).addKeyValue("violations", report.violations().size())
                .log("audit: scan done");
    }
}
