package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.Knob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code billing-guard serve}: the HTTPS admission webhook and its ops port, until SIGTERM. The
 * options only: the work is {@link Serve}'s, so that the other commands, which build this one to
 * parse their command line, never load the server, TLS or cluster classes it uses.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the admission webhook over HTTPS (POST /mutate, POST /validate) and the ops port "
                + "(plain HTTP: /healthz, /readyz, /metrics).",
                "The serving certificate comes from --tls-cert/--tls-key, from --self-managed-tls (kept in a Secret, "
                        + "renewed and put into the webhooks' caBundle by billing-guard), or with --dev is a throwaway one.",
                "--dev needs no cluster: facts from --secrets, or from the examples built into billing-guard."})
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--dev", description = "No cluster: self-signed certificate, facts from --secrets (env BILLING_GUARD_DEV)")
    Boolean dev;

    @Option(names = "--secrets", paramLabel = "PATH",
            description = "With --dev: YAML file or directory of Secrets and Namespaces (default: the built-in examples; "
                    + "env BILLING_GUARD_SECRETS)")
    String secrets;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Cluster to watch (default: KUBECONFIG or ~/.kube/config, else in-cluster config; env BILLING_GUARD_KUBECONFIG)")
    String kubeconfig;

    @Option(names = "--host", paramLabel = "ADDR",
            description = "Interface to bind (default 0.0.0.0, with --dev 127.0.0.1; env BILLING_GUARD_HOST)")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "HTTPS webhook port (default 8443; env BILLING_GUARD_PORT)")
    String port;

    @Option(names = "--ops-port", paramLabel = "PORT", description = "Plain-HTTP ops port (default 8080; env BILLING_GUARD_OPS_PORT)")
    String opsPort;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain, reloaded on change (env BILLING_GUARD_TLS_CERT)")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key, reloaded on change (env BILLING_GUARD_TLS_KEY)")
    String tlsKey;

    @Option(names = "--self-managed-tls",
            description = "Keep a CA and serving certificate in a Secret and the webhooks' caBundle (env BILLING_GUARD_SELF_MANAGED_TLS)")
    Boolean selfManaged;

    @Option(names = "--self-managed-namespace", paramLabel = "NS",
            description = "Namespace of that Secret and of the Service (default POD_NAMESPACE; env BILLING_GUARD_SELF_MANAGED_NAMESPACE)")
    String selfManagedNamespace;

    private final PrintWriter out;

    public ServeCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        return new Serve(out).run(common.load(flags()));
    }

    private Map<Knob, String> flags() {
        Map<Knob, String> flags = new HashMap<>();
        flags.put(Knob.DEV, dev == null ? null : dev.toString());
        flags.put(Knob.SECRETS, secrets);
        flags.put(Knob.KUBECONFIG, kubeconfig);
        flags.put(Knob.HOST, host);
        flags.put(Knob.PORT, port);
        flags.put(Knob.OPS_PORT, opsPort);
        flags.put(Knob.TLS_CERT, tlsCert);
        flags.put(Knob.TLS_KEY, tlsKey);
        flags.put(Knob.SELF_MANAGED, selfManaged == null ? null : selfManaged.toString());
        flags.put(Knob.SELF_MANAGED_NAMESPACE, selfManagedNamespace);
        return flags;
    }
}
