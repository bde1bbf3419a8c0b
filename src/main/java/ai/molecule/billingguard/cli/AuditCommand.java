package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.audit.Audit;
import ai.molecule.billingguard.audit.Inventory;
import ai.molecule.billingguard.audit.Report;
import ai.molecule.billingguard.cluster.Clusters;
import ai.molecule.billingguard.cluster.LiveFacts;
import ai.molecule.billingguard.cluster.OwnerReader;
import ai.molecule.billingguard.cluster.PodLister;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.json.Json;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code billing-guard audit}: the running pods that break the policy now, read-only. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Read-only: the running pods in guarded namespaces that break the policy now (the webhook only "
                + "sees pods created after it), each with its owner, the violation and a one-line fix.",
                "Exit 0 when there is none, 3 when there are violations, 2 on errors."})
public final class AuditCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Cluster to audit (default: in-cluster config, KUBECONFIG or ~/.kube/config; env "
                    + "BILLING_GUARD_KUBECONFIG); GETs and LISTs only")
    String kubeconfig;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "Audit this guarded namespace only (env BILLING_GUARD_AUDIT_NAMESPACE)")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"},
            description = "Audit every guarded namespace (the default)")
    boolean allNamespaces;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
            description = "text | json | yaml (env BILLING_GUARD_AUDIT_OUTPUT; default text)")
    String output;

    private final PrintWriter out;
    private final PrintWriter err;

    public AuditCommand(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        if (namespace != null && allNamespaces) {
            throw new InputException("give -n NAMESPACE or --all-namespaces, not both");
        }
        Map<Knob, String> flags = new HashMap<>();
        flags.put(Knob.KUBECONFIG, kubeconfig);
        flags.put(Knob.AUDIT_OUTPUT, output);
        flags.put(Knob.AUDIT_NAMESPACE, allNamespaces ? "" : namespace);
        Config config = common.load(flags);
        Config.Cluster cluster = config.cluster();
        try (KubernetesClient client = Clusters.client(cluster.kubeconfig(), cluster.listTimeout())) {
            PodLister lister = new PodLister(client, config.policy(), cluster.listTimeout(), cluster.listPageSize());
            List<String> guarded = lister.guardedNamespaces(config.audit().namespace());
            config.audit().namespace().filter(ns -> guarded.isEmpty()).ifPresent(ns -> err.println("billing-guard: "
                    + "namespace " + ns + " is not guarded (it has no label " + config.policy().guardedNamespaceLabel()
                    + "=" + config.policy().guardedNamespaceValue() + "): the webhook does not review its pods"));
            boolean errors = false;
            List<String> audited = new ArrayList<>();
            List<JsonNode> pods = new ArrayList<>();
            for (String ns : guarded) {
                try {
                    pods.addAll(lister.pods(ns));
                    audited.add(ns);
                } catch (InputException e) {
                    err.println("billing-guard: " + e.getMessage());
                    errors = true;
                }
            }
            Report report = new Audit(config.policy()).run(new Inventory(audited, pods),
                    new LiveFacts(client, config.policy(), cluster.lookupDeadline()),
                    new OwnerReader(client, cluster.lookupDeadline())::ownerReferences);
            report.notes().forEach(n -> err.println("billing-guard: note: " + n));
            report.problems().forEach(p -> err.println("billing-guard: " + p));
            err.flush();
            out.print(switch (config.audit().output()) {
                case TEXT -> report.text();
                case JSON -> Json.JSON.writeValueAsString(report.document()) + "\n";
                case YAML -> Json.yaml().writeValueAsString(report.document());
            });
            out.flush();
            return errors || !report.problems().isEmpty() ? 2 : report.violations().isEmpty() ? 0 : 3;
        }
    }
}
