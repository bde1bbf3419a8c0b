package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.InputException;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.cluster.Clusters;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.cluster.InformerFacts;
import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.cluster.ModesPublisher;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.policy.PodPolicy;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.server.OpsServer;
import ai.molecule.billingguard.server.WebhookServer;
import ai.molecule.billingguard.tls.CertificateReloader;
import ai.molecule.billingguard.tls.ServingCertificates;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code billing-guard serve}: the HTTPS admission webhook and its ops port, until SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the admission webhook over HTTPS (POST /mutate, POST /validate) and the ops port "
                + "(plain HTTP: /healthz, /readyz, /metrics).",
                "--dev needs no cluster: a self-signed certificate and facts from local YAML (default: examples/)."})
public final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("billing-guard");

    @Mixin
    CommonOptions common;

    @Option(names = "--dev", description = "No cluster: self-signed certificate, facts from --secrets (env BILLING_GUARD_DEV)")
    Boolean dev;

    @Option(names = "--secrets", paramLabel = "PATH",
            description = "With --dev: YAML file or directory of Secrets and Namespaces (default examples; env BILLING_GUARD_SECRETS)")
    String secrets;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Cluster to watch (default: in-cluster config or ~/.kube/config; env BILLING_GUARD_KUBECONFIG)")
    String kubeconfig;

    @Option(names = "--host", paramLabel = "ADDR", description = "Interface to bind (default 0.0.0.0; env BILLING_GUARD_HOST)")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "HTTPS webhook port (default 8443; env BILLING_GUARD_PORT)")
    String port;

    @Option(names = "--ops-port", paramLabel = "PORT", description = "Plain-HTTP ops port (default 8080; env BILLING_GUARD_OPS_PORT)")
    String opsPort;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain, reloaded on change (env BILLING_GUARD_TLS_CERT)")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key, reloaded on change (env BILLING_GUARD_TLS_KEY)")
    String tlsKey;

    private final PrintWriter out;

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public ServeCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        Map<Knob, String> flags = new HashMap<>();
        flags.put(Knob.DEV, dev == null ? null : dev.toString());
        flags.put(Knob.SECRETS, secrets);
        flags.put(Knob.KUBECONFIG, kubeconfig);
        flags.put(Knob.HOST, host);
        flags.put(Knob.PORT, port);
        flags.put(Knob.OPS_PORT, opsPort);
        flags.put(Knob.TLS_CERT, tlsCert);
        flags.put(Knob.TLS_KEY, tlsKey);
        Config config = common.load(flags);
        Resources resources = new Resources();
        try {
            return serve(config, resources);
        } finally {
            resources.close();
        }
    }

    /** What {@code serve} opened, closed once in reverse order: by the SIGTERM hook, or on a start-up error. */
    private static final class Resources implements AutoCloseable {
        private final List<AutoCloseable> opened = new ArrayList<>();

        synchronized void add(AutoCloseable resource) {
            opened.add(resource);
        }

        @Override
        public synchronized void close() {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception e) {
                    LOG.atWarn().addKeyValue("resource", opened.get(i).getClass().getSimpleName())
                            .log("could not close: " + e.getClass().getSimpleName());
                }
            }
            opened.clear();
        }
    }

    private int serve(Config config, Resources resources) throws Exception {
        Path cert;
        Path key;
        ServingCertificates.Files devCerts = null;
        if (config.server().tlsCert().isPresent()) {
            cert = config.server().tlsCert().get();
            key = config.server().tlsKey().orElseThrow();
        } else if (config.server().dev()) {
            // A throwaway CA for this process only; the README's curl trusts it by path.
            Path dir = Files.createTempDirectory("billing-guard-dev-");
            resources.add(() -> deleteTree(dir)); // the throwaway key does not outlive the process
            devCerts = ServingCertificates.write(dir, "billing-guard dev CA", "localhost", List.of("localhost"),
                    List.of("127.0.0.1", "::1"), Duration.ofDays(7), true);
            cert = devCerts.certificate();
            key = devCerts.privateKey();
        } else {
            throw new InputException("serve needs --tls-cert and --tls-key (or --dev for a self-signed certificate)");
        }

        Metrics metrics = new Metrics();
        FactsSource facts;
        InformerFacts informers = null; // null with --dev: local files are complete from the start
        if (config.server().dev()) {
            if (config.cluster().kubeconfig().isPresent()) {
                throw new InputException("--dev reads facts from --secrets files, not from --kubeconfig");
            }
            facts = LocalFacts.load(config.cluster().secrets().orElse(Path.of("examples")), config.policy());
        } else {
            if (config.cluster().secrets().isPresent()) {
                throw new InputException("--secrets is for --dev (and review); serve reads facts from the cluster");
            }
            KubernetesClient client = Clusters.client(config.cluster().kubeconfig(), Duration.ofSeconds(5));
            resources.add(client);
            informers = new InformerFacts(client, config.cluster(), config.policy(), metrics);
            resources.add(informers);
            informers.start();
            facts = informers;
            // The backstop's params (modes.publish): off the request path, after the informers, closed before them.
            if (config.modes().publish()) {
                ModesPublisher publisher = new ModesPublisher(client, informers, config.modes(), config.policy(),
                        Optional.ofNullable(System.getenv("POD_NAMESPACE")), metrics);
                resources.add(publisher);
                publisher.start();
            }
        }

        SslContextFactory.Server tls = CertificateReloader.serverFactory();
        CertificateReloader reloader = new CertificateReloader(cert, key, tls, config.server().certReload());
        resources.add(reloader);
        metrics.certificateNotAfter(reloader::notAfter);

        ReviewHandler handler = new ReviewHandler(new PodPolicy(config.policy()), facts);
        WebhookServer webhook = new WebhookServer(config, config.server().host(), handler, tls, metrics).start();
        resources.add(webhook);
        InformerFacts caches = informers;
        OpsServer ops = new OpsServer(config.server().host(), config.server().opsPort(), metrics, () -> {
            List<String> reasons = new ArrayList<>();
            if (caches != null) {
                caches.notSynced().ifPresent(reasons::add); // with each informer's progress
            }
            if (webhook.draining()) {
                reasons.add("shutting down");
            }
            return reasons;
        }).start();
        resources.add(ops);

        LOG.atInfo().addKeyValue("webhookPort", webhook.port()).addKeyValue("opsPort", ops.port())
                .addKeyValue("dev", config.server().dev()).log("billing-guard serving");
        if (devCerts != null) {
            out.println("billing-guard --dev: webhook https://localhost:" + webhook.port()
                    + " (POST /mutate, POST /validate), ops http://localhost:" + ops.port() + " (/healthz /readyz /metrics)");
            out.println("CA certificate: " + devCerts.ca());
            out.println("Serving certificate: " + devCerts.certificate() + ", key: " + devCerts.privateKey()
                    + " (replace them and new connections get the new pair; the CA key for signing one is "
                    + devCerts.caKey() + "; all deleted on exit)");
            out.println("Try:  curl --cacert " + devCerts.ca() + " -H 'Content-Type: application/json' "
                    + "--data @examples/admission/pod-create.json https://localhost:" + webhook.port() + "/mutate");
            out.flush();
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                webhook.shutdown(config.server().drain(), config.server().shutdownTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                resources.close();
                stopped.countDown();
            }
        }, "billing-guard-shutdown"));
        stopped.await();
        return 0;
    }
}
