package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.audit.Audit;
import ai.molecule.billingguard.audit.BackgroundAudit;
import ai.molecule.billingguard.audit.Inventory;
import ai.molecule.billingguard.cluster.OwnerReader;
import ai.molecule.billingguard.cluster.PodInformer;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.policy.FactsSource;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Set;

/**
 * serve's background audit, apart from {@link AuditCommand}: the command line builds every command
 * to parse it, and a fabric8 type in a command's method would load fabric8 for all of them.
 */
public final class BackgroundAudits {
    private BackgroundAudits() {
    }

    /**
     * serve's background audit ({@code audit.intervalSeconds} &gt; 0): a pod informer beside serve's
     * facts, owners read with bounded GETs, started now; closing the result stops both.
     *
     * @param client serve's client, not closed here
     * @param facts  serve's facts source (the informer caches)
     */
    public static AutoCloseable start(Config config, KubernetesClient client, FactsSource facts,
                                                     Metrics metrics) {
        PodInformer pods = new PodInformer(client, config.cluster(), config.policy());
        pods.start();
        BackgroundAudit scan = new BackgroundAudit(new Audit(config.policy()), config.audit().interval(),
                () -> pods.synced() && facts.synced(),
                () -> {
                    List<String> namespaces = pods.guardedNamespaces();
                    return new Inventory(namespaces, pods.pods(Set.copyOf(namespaces)));
                },
                facts, new OwnerReader(client, config.cluster().lookupDeadline())::ownerReferences, metrics).start();
        return () -> {
            try {
                scan.close();
            } finally {
                pods.close();
            }
        };
    }
}
