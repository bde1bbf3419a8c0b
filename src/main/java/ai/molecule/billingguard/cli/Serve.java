package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.cluster.InformerFacts;
import ai.molecule.billingguard.cluster.ModesPublisher;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.pki.SelfManagedCertificates;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.policy.PodPolicy;
import ai.molecule.billingguard.server.OpsServer;
import ai.molecule.billingguard.server.WebhookServer;
import ai.molecule.billingguard.tls.CertificateReloader;
import ai.molecule.billingguard.tls.PemPair;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/** What {@code serve} does (see {@link ServeCommand} for its options): start, serve until SIGTERM, drain, stop. */
final class Serve {
    private static final Logger LOG = LoggerFactory.getLogger("billing-guard");
    private static final String JETTY_REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    private final PrintWriter out;

    Serve(PrintWriter out) {
        this.out = out;
    }

    /** Starts everything from {@code config}, then blocks until SIGTERM ends the process; 0 unless start-up fails. */
    int run(Config config) throws Exception {
        checkCombination(config);
        // Jetty asks the platform MBean server whether object references take 4 bytes (for padding
        // against false sharing); starting that server registers every platform MBean and costs about
        // 0.2 s of start-up. With the small heaps billing-guard runs in, references are compressed
        // (4 bytes): 64-byte cache lines hold 16. A value given with -D is kept.
        if (System.getProperty(JETTY_REFERENCES_PER_CACHE_LINE) == null) {
            System.setProperty(JETTY_REFERENCES_PER_CACHE_LINE, "16");
        }
        Optional<String> selfManagedNamespace = config.selfManaged().enabled() ? Optional.of(selfManagedNamespace(config))
                : Optional.empty();
        Resources resources = new Resources();
        Shutdown shutdown = new Shutdown(config.server(), resources, out);
        try {
            shutdown.serving(serve(config, selfManagedNamespace, resources));
        } catch (Exception | Error e) {
            shutdown.cancel(); // the exit code is start-up's to give, not the hook's
            resources.close();
            throw e;
        }
        shutdown.await();
        return 0;
    }

    /** Options that contradict each other, refused before anything starts. */
    private static void checkCombination(Config config) {
        Config.Server server = config.server();
        boolean files = server.tlsCert().isPresent();
        boolean selfManaged = config.selfManaged().enabled();
        if (server.dev()) {
            if (config.cluster().kubeconfig().isPresent()) {
                throw new InputException("--dev reads facts from --secrets files, not from --kubeconfig");
            }
            if (selfManaged) {
                throw new InputException("--self-managed-tls needs a cluster; --dev serves a throwaway certificate");
            }
            if (files) {
                throw new InputException("--dev serves a throwaway certificate: give --tls-cert and --tls-key without --dev");
            }
        } else {
            if (config.cluster().secrets().isPresent()) {
                throw new InputException("--secrets is for --dev (and review); serve reads facts from the cluster");
            }
            if (files && selfManaged) {
                throw new InputException("give --tls-cert and --tls-key, or --self-managed-tls, not both");
            }
            if (!files && !selfManaged) {
                throw new InputException("serve needs --tls-cert and --tls-key, or --self-managed-tls in a cluster "
                        + "(or --dev to try it with a throwaway certificate)");
            }
        }
    }

    /** Where the self-managed Secret lives: the config's namespace, else the pod's own. */
    private static String selfManagedNamespace(Config config) {
        return config.selfManaged().namespace()
                .or(() -> Optional.ofNullable(System.getenv("POD_NAMESPACE")).filter(n -> !n.isBlank()))
                .orElseThrow(() -> new InputException("--self-managed-tls needs the namespace of its Secret and Service: "
                        + "set selfManaged.namespace (--self-managed-namespace) or POD_NAMESPACE"));
    }

    /** Starts everything; returns the running webhook once it serves. */
    private WebhookServer serve(Config config, Optional<String> selfManagedNamespace, Resources resources) throws Exception {
        Config.Server server = config.server();
        // --dev: the throwaway CA and serving pair (two RSA key generations, the slowest step of its
        // start-up) are made on another thread while the ops port, the metrics and the facts start.
        CompletableFuture<DevMode> devStart = server.dev() ? DevStart.begin(server.host(), resources) : null;
        Metrics metrics = new Metrics();
        Readiness readiness = new Readiness();
        ApiServer cluster = devStart == null ? resources.add(ApiServer.connect(config.cluster().kubeconfig())) : null;

        // The ops port first: while the rest starts (an API server not reachable yet, a certificate
        // not obtained yet) liveness holds and /readyz says what is missing.
        OpsServer ops = resources.add(bind(Knob.OPS_PORT, server.host(), server.opsPort(),
                () -> new OpsServer(server.host(), server.opsPort(), metrics, readiness::reasons).start()));

        FactsSource facts = facts(config, devStart != null, cluster, metrics, resources, readiness);
        DevMode dev = devStart == null ? null : DevStart.await(devStart);

        SslContextFactory.Server tls = CertificateReloader.serverFactory();
        CertificateReloader reloader = resources.add(new CertificateReloader(
                servingPair(config, selfManagedNamespace, dev, cluster, resources, readiness), tls, server.certReload()));
        readiness.certificateLoaded();
        metrics.certificateNotAfter(reloader::notAfter);

        ReviewHandler handler = new ReviewHandler(new PodPolicy(config.policy()), facts);
        WebhookServer webhook = resources.add(bind(Knob.PORT, server.host(), server.port(),
                () -> new WebhookServer(config, server.host(), handler, tls, metrics).start()));
        readiness.draining(webhook::draining);

        LOG.atInfo().addKeyValue("webhookPort", webhook.port()).addKeyValue("opsPort", ops.port())
                .addKeyValue("host", server.host()).addKeyValue("dev", server.dev())
                .addKeyValue("certificate", certificateSource(config)).log("billing-guard serving");
        if (dev != null) {
            dev.printBanner(out, server.host(), webhook.port(), ops.port(), config.cluster().secrets());
        }
        return webhook;
    }

    /** Where facts come from: local YAML with --dev, informers over the cluster otherwise. */
    private static FactsSource facts(Config config, boolean dev, ApiServer cluster, Metrics metrics, Resources resources,
                                     Readiness readiness) {
        if (dev) {
            FactsSource local = DevMode.facts(config.cluster().secrets(), config.policy());
            readiness.facts(Optional::empty, Optional::empty); // files are complete from the start
            return local;
        }
        cluster.probe();
        InformerFacts informers = resources.add(new InformerFacts(cluster.client(), config.cluster(), config.policy(),
                metrics));
        informers.start();
        readiness.facts(informers::notSynced, cluster::unreachable); // with each informer's progress
        // The background audit, off unless audit.intervalSeconds > 0; readiness does not wait for it.
        if (!config.audit().interval().isZero()) {
            resources.add(BackgroundAudits.start(config, cluster.client(), informers, metrics));
        }
        // The backstop's params (modes.publish): off the request path, closed before the informers.
        if (config.modes().publish()) {
            resources.add(new ModesPublisher(cluster.client(), informers, config.modes(), config.policy(),
                    Optional.ofNullable(System.getenv("POD_NAMESPACE")), metrics)).start();
        }
        return informers;
    }

    /**
     * The serving pair: the given files, the dev throwaway pair, or the self-managed pair (which
     * may take a while: the API server is asked until it answers; an RBAC refusal ends start-up).
     */
    private static Supplier<PemPair> servingPair(Config config, Optional<String> selfManagedNamespace, DevMode dev,
                                                 ApiServer cluster, Resources resources, Readiness readiness)
            throws InterruptedException {
        Optional<Path> cert = config.server().tlsCert();
        if (cert.isPresent()) {
            Path key = config.server().tlsKey().orElseThrow();
            return () -> PemPair.read(cert.get(), key);
        }
        if (dev != null) {
            return dev::servingPair;
        }
        SelfManagedCertificates selfManaged = resources.add(new SelfManagedCertificates(cluster.client(),
                SelfManagedCertificates.Settings.of(config.selfManaged(), selfManagedNamespace.orElseThrow())));
        readiness.obtainingCertificate(selfManaged::problem);
        selfManaged.start();
        return selfManaged::servingPair;
    }

    private static String certificateSource(Config config) {
        return config.server().tlsCert().isPresent() ? "files" : config.server().dev() ? "dev" : "self-managed";
    }

    /**
     * Starts a server on a port; a port already taken is one line naming the flag that moves it.
     * The port is tried first with a plain socket, so that the server's own error log does not
     * precede that line; the server's bind failure says the same if the port is taken in between.
     */
    private static <T> T bind(Knob knob, String host, int port, Supplier<T> start) {
        if (port != 0) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(host, port));
            } catch (IOException e) {
                throw bindFailure(knob, host, port, e);
            }
        }
        try {
            return start.get();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException bind) {
                    throw bindFailure(knob, host, port, bind);
                }
            }
            throw e;
        }
    }

    private static InputException bindFailure(Knob knob, String host, int port, IOException e) {
        String address = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        return new InputException(e instanceof BindException && e.getMessage() != null && e.getMessage().contains("in use")
                ? "port " + port + " is already in use (" + address + "): choose another with " + knob.flag()
                : "cannot listen on " + address + " (" + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "): check --host");
    }

    /** The --dev directory and keys, made on a thread of their own; closed (the keys deleted) with the other resources. */
    private static final class DevStart implements AutoCloseable {
        private final CompletableFuture<DevMode> made;

        private DevStart(CompletableFuture<DevMode> made) {
            this.made = made;
        }

        static CompletableFuture<DevMode> begin(String host, Resources resources) {
            CompletableFuture<DevMode> made = CompletableFuture.supplyAsync(() -> {
                try {
                    return DevMode.create(host);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, task -> {
                Thread thread = new Thread(task, "billing-guard-dev-keys");
                thread.setDaemon(true);
                thread.start();
            });
            resources.add(new DevStart(made));
            return made;
        }

        /** The dev mode once made; its own failure as thrown by {@link DevMode#create}. */
        static DevMode await(CompletableFuture<DevMode> made) throws IOException {
            try {
                return made.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause() instanceof UncheckedIOException io ? io.getCause() : e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            DevMode dev;
            try {
                dev = made.join(); // still being made when start-up failed elsewhere: wait, then delete it
            } catch (CompletionException e) {
                return; // never made: DevMode.create deleted what it had written
            }
            dev.close();
        }
    }

    /** What {@code serve} opened, closed once in reverse order: by the SIGTERM hook, or on a start-up error. */
    private static final class Resources {
        private final List<AutoCloseable> opened = new ArrayList<>();

        synchronized <T extends AutoCloseable> T add(T resource) {
            opened.add(resource);
            return resource;
        }

        synchronized void close() {
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

    /**
     * SIGTERM: drain the webhook (see {@link WebhookServer#shutdown}), close everything, and end the
     * process with status 0 — a stop that was asked for and carried out is not a failure, whether
     * the drain finished early or ran into {@code server.shutdownTimeoutSeconds} (the log says
     * which). Only a shutdown that itself failed exits 1. Without the explicit halt the JVM would
     * report 143 (killed by SIGTERM) however cleanly it stopped.
     */
    private static final class Shutdown {
        private final Thread hook;
        private volatile WebhookServer webhook;

        Shutdown(Config.Server server, Resources resources, PrintWriter out) {
            this.hook = new Thread(() -> {
                int status = 0;
                try {
                    WebhookServer serving = webhook;
                    if (serving != null) {
                        serving.shutdown(server.drain(), server.shutdownTimeout());
                    }
                } catch (InterruptedException e) {
                    status = 1;
                } catch (RuntimeException e) {
                    LOG.atError().log("shutdown failed: " + e.getClass().getSimpleName());
                    status = 1;
                } finally {
                    resources.close();
                }
                out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(status);
            }, "billing-guard-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        void serving(WebhookServer webhook) {
            this.webhook = webhook;
        }

        /** Start-up failed: leave the exit code to it. */
        void cancel() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // SIGTERM arrived during start-up: the hook is running and ends the process
            }
        }

        /** Blocks until the hook ends the process. */
        void await() throws InterruptedException {
            new CountDownLatch(1).await();
        }
    }
}
