package ai.molecule.billingguard.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The one validated, immutable configuration of a billing-guard process. */
public record Config(
        Server server,
        Cluster cluster,
        Review review,
        Audit audit,
        Certs certs,
        SelfManaged selfManaged,
        Modes modes,
        PolicyConfig policy) {

    /**
     * The HTTPS webhook and the ops port.
     *
     * @param host the interface both ports bind to, already resolved: 127.0.0.1 for {@code --dev} unless given
     */
    public record Server(String host, int port, int opsPort, Optional<Path> tlsCert, Optional<Path> tlsKey,
                         boolean dev, long maxBodyBytes, Duration idleTimeout, Duration drain,
                         Duration shutdownTimeout, Duration certReload) {
    }

    /**
     * Where cluster facts come from and how they are fetched.
     *
     * @param lookupDeadline  one deadline shared by every lookup of one admission request
     * @param watchNamespaces namespaces the informers watch; empty = all
     * @param listPageSize    objects per page of an informer's list
     * @param listTimeout     bound of one page of an informer's list
     */
    public record Cluster(Optional<Path> secrets, Optional<Path> kubeconfig, Duration lookupDeadline,
                          List<String> watchNamespaces, int listPageSize, Duration listTimeout) {
    }

    /** {@code billing-guard review}: output format and the namespace of objects that name none. */
    public record Review(Output output, String namespace) {
    }

    /**
     * {@code billing-guard audit} and serve's background scan.
     *
     * @param namespace one namespace to audit, or empty for every guarded namespace
     * @param interval  serve's background scan period; zero = off
     */
    public record Audit(Output output, Optional<String> namespace, Duration interval) {
    }

    /** What {@code billing-guard certs} issues: names, output directory and validity. */
    public record Certs(String service, String namespace, Path out, int days, boolean force) {
    }

    /**
     * serve keeps its own CA and serving certificate in a Secret and patches the webhooks' caBundle.
     *
     * @param namespace where the Secret and the Service live; empty = the pod's own ({@code POD_NAMESPACE})
     */
    public record SelfManaged(boolean enabled, Optional<String> namespace, String secretName, String service,
                              String mutatingWebhook, String validatingWebhook, int validityDays,
                              int renewBeforeDays) {
    }

    /** The workspace id → mode ConfigMap kept in each guarded namespace for the backstop policy. */
    public record Modes(boolean publish, String configMapName) {
    }
}
