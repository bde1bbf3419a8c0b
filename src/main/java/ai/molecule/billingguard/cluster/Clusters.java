package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.InputException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.model.jackson.Jackson2JdkTypesModule;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Builds the Kubernetes client billing-guard talks to the API server with. */
public final class Clusters {
    private Clusters() {
    }

    /**
     * @param kubeconfig     a kubeconfig file (its current context); empty = in-cluster service
     *                       account, else the usual defaults ({@code KUBECONFIG}, {@code ~/.kube/config})
     * @param requestTimeout bound of each request made with this client (the facts sources derive clients
     *                       of their own: the lookup deadline for live lookups, the list timeout for informer lists)
     * @throws InputException when the kubeconfig cannot be read
     */
    public static KubernetesClient client(Optional<Path> kubeconfig, Duration requestTimeout) {
        Config config = kubeconfig.map(Clusters::fromFile).orElseGet(() -> Config.autoConfigure(null));
        config.setRequestTimeout(Math.toIntExact(requestTimeout.toMillis()));
        return build(config);
    }

    /**
     * The one way billing-guard builds a client from a fabric8 {@link Config}: the JDK HTTP client,
     * named explicitly (the only one shipped; this fails at compile time rather than at run time if it
     * goes missing), and fabric8's usual JSON mapping with one change: its parsers do not recycle their
     * buffers. Jackson's default keeps each thread's last input buffers for the next parse, and a
     * thread that parsed a Secret would keep its base64 data in the heap until it parses something else.
     */
    public static KubernetesClient build(Config config) {
        JsonFactory json = JsonFactory.builderWithJackson2Defaults().recyclerPool(JsonRecyclerPools.nonRecyclingPool()).build();
        JsonMapper mapper = JsonMapper.builder(json).configureForJackson2().addModule(new Jackson2JdkTypesModule()).build();
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory())
                .withKubernetesSerialization(new KubernetesSerialization(mapper, true)).build();
    }

    /**
     * A client sharing {@code client}'s connections, each request bounded by {@code timeout}. Without
     * {@code retries}, a 5xx or 429 is not retried with back-off by fabric8: the caller decides (one
     * lookup within an admission request's deadline cannot afford fabric8's back-off; an informer's
     * paged list resumes with its own).
     */
    public static KubernetesClient derived(KubernetesClient client, Duration timeout, boolean retries) {
        RequestConfigBuilder request = new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                .withRequestTimeout(Math.toIntExact(timeout.toMillis()));
        if (!retries) {
            request.withRequestRetryBackoffLimit(0);
        }
        return client.newClient(request.build()).adapt(KubernetesClient.class);
    }

    /** The bound of each request of {@code client}. */
    public static Duration requestTimeout(KubernetesClient client) {
        return Duration.ofMillis(client.getConfiguration().getRequestConfig().getRequestTimeout());
    }

    private static Config fromFile(Path path) {
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new InputException(path + ": cannot read kubeconfig");
        }
        try {
            return Config.fromKubeconfig(path.toFile());
        } catch (RuntimeException e) {
            // The message may quote the file, and a kubeconfig holds tokens and keys.
            throw new InputException(path + ": not a usable kubeconfig (" + e.getClass().getSimpleName() + ")");
        }
    }
}
