package ai.molecule.billingguard.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Kubeconfig files for tests: one cluster, one token user, one current context. */
public final class Kubeconfigs {
    private Kubeconfigs() {
    }

    /** Writes {@code dir/kubeconfig} pointing at {@code server} (TLS not verified: the mock's certificate is its own). */
    public static Path write(Path dir, String server, String token) throws IOException {
        return Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                current-context: test
                clusters:
                - name: test
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                - name: u
                  user: {token: %s}
                contexts:
                - name: test
                  context: {cluster: test, user: u}
                """.formatted(server, token));
    }
}
