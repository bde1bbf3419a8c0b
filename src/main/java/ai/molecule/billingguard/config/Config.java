package ai.molecule.billingguard.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The one validated, immutable configuration of a billing-guard process. */
public record Config(
        String host,
        int port,
        int opsPort,
        Optional<Path> tlsCert,
        Optional<Path> tlsKey,
        boolean dev,
        long maxBodyBytes,
        Duration idleTimeout,
        Duration drain,
        Duration shutdownTimeout,
        Duration certReload,
        Optional<Path> secrets,
        Optional<Path> kubeconfig,
        String output,
        String namespace,
        Certs certs,
        PolicyConfig policy) {

    /** What {@code billing-guard certs} issues: names, output directory and validity. */
    public record Certs(String service, String namespace, Path out, int days) {
    }
}
