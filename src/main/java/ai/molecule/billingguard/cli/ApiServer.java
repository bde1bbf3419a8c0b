package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.cluster.Clusters;
import ai.molecule.billingguard.cluster.ApiErrors;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * serve's connection to the API server, and what it says when there is none.
 *
 * <ul>
 *   <li>No cluster configured at all (no {@code --kubeconfig}, no kubeconfig file where
 *       {@code KUBECONFIG} or {@code ~/.kube/config} points, not in a pod): one line and exit 2 —
 *       someone trying billing-guard on a laptop, who wants {@code --dev}.</li>
 *   <li>Configured but not answering (a pod starting before the API server is reachable, a
 *       stopped local cluster): one ERROR line naming the URL and where it came from, {@code /readyz}
 *       saying the same, and the process keeps running and probing until it answers — what
 *       Kubernetes expects of a pod.</li>
 * </ul>
 */
final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("billing-guard");
    /** Bound of every API request of serve (the informers' lists page by page too). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETRY = Duration.ofSeconds(10);

    private final KubernetesClient client;
    private final KubernetesClient prober;
    private final String url;
    private final String origin;
    private final ScheduledExecutorService retries;
    private volatile String unreachable;

    private ApiServer(KubernetesClient client, String origin) {
        this.client = client;
        // The probe's own client makes one attempt per probe: fabric8's retries with back-off would
        // turn "connection refused" into "timed out" before the probe's bound
        this.prober = Clusters.build(new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build());
        this.url = client.getConfiguration().getMasterUrl();
        this.origin = origin;
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "api-server-probe");
            t.setDaemon(true);
            return t;
        });
    }

    /** @throws InputException when no cluster is configured, or the kubeconfig cannot be used */
    static ApiServer connect(Optional<Path> kubeconfig) {
        KubernetesClient client;
        try {
            client = Clusters.client(kubeconfig, REQUEST_TIMEOUT);
        } catch (InputException e) {
            throw e;
        } catch (RuntimeException e) {
            // The message may quote the kubeconfig, and a kubeconfig holds tokens and keys
            throw new InputException("cannot load the cluster configuration (" + e.getClass().getSimpleName() + ")");
        }
        Optional<String> origin = kubeconfig.map(p -> "kubeconfig " + p)
                .or(() -> Optional.ofNullable(client.getConfiguration().getFile()).map(f -> "kubeconfig " + f))
                .or(() -> Optional.ofNullable(System.getenv("KUBERNETES_SERVICE_HOST")).map(h -> "in-cluster config"));
        if (origin.isEmpty()) {
            client.close();
            throw new InputException("serve found no cluster: no --kubeconfig, " + kubeconfigFiles()
                    + ", and not running in a pod; give --kubeconfig FILE, or try serve --dev (no cluster needed)");
        }
        return new ApiServer(client, origin.get());
    }

    KubernetesClient client() {
        return client;
    }

    /** Asks the API server for its version once, bounded; when it does not answer, logs it and keeps asking. */
    void probe() {
        Optional<String> failure = versionProblem();
        if (failure.isEmpty()) {
            LOG.atInfo().addKeyValue("apiServer", url).addKeyValue("config", origin).log("API server answers");
            return;
        }
        unreachable = "API server " + url + " (" + origin + ") does not answer: " + failure.get();
        LOG.atError().addKeyValue("apiServer", url).addKeyValue("config", origin)
                .log("cannot reach the API server " + url + " (" + origin + "): " + failure.get()
                        + "; not ready until it answers, asking again every " + RETRY.toSeconds() + "s");
        retries.schedule(this::retry, RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Why the API server is not reachable, while it is not (for {@code /readyz}). */
    Optional<String> unreachable() {
        return Optional.ofNullable(unreachable);
    }

    @Override
    public void close() {
        retries.shutdownNow();
        prober.close();
        client.close();
    }

    private void retry() {
        Optional<String> failure = versionProblem();
        if (failure.isEmpty()) {
            unreachable = null;
            LOG.atInfo().addKeyValue("apiServer", url).log("API server answers now");
        } else {
            unreachable = "API server " + url + " (" + origin + ") does not answer: " + failure.get();
            retries.schedule(this::retry, RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** GET /version, bounded: empty when it answered. */
    private Optional<String> versionProblem() {
        try {
            CompletableFuture.supplyAsync(prober::getKubernetesVersion).get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (TimeoutException e) {
            return Optional.of(ApiErrors.cause(e, REQUEST_TIMEOUT));
        } catch (ExecutionException e) {
            return Optional.of(ApiErrors.cause(e.getCause(), REQUEST_TIMEOUT));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /** Where fabric8 looked for a kubeconfig, in the words of the error line. */
    private static String kubeconfigFiles() {
        String variable = System.getenv("KUBECONFIG");
        if (variable != null && !variable.isBlank()) {
            return "no readable kubeconfig at KUBECONFIG=" + variable;
        }
        String home = Optional.ofNullable(System.getenv("HOME")).filter(h -> !h.isBlank())
                .orElse(System.getProperty("user.home"));
        return "no " + Path.of(home, ".kube", "config");
    }
}
