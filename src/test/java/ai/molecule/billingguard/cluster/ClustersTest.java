package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.config.InputException;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClustersTest {
    @TempDir
    Path dir;

    @Test
    void a_kubeconfig_file_gives_its_current_context_and_the_timeout() throws Exception {
        Path kubeconfig = Files.writeString(dir.resolve("config"), """
                apiVersion: v1
                kind: Config
                current-context: test
                clusters:
                - name: c
                  cluster: {server: "https://example.invalid:6443"}
                users:
                - name: u
                  user: {token: not-a-real-token}
                contexts:
                - name: test
                  context: {cluster: c, user: u, namespace: team-a}
                """);

        try (KubernetesClient client = Clusters.client(Optional.of(kubeconfig), Duration.ofSeconds(7))) {
            assertThat(client.getConfiguration().getMasterUrl()).startsWith("https://example.invalid:6443");
            assertThat(client.getConfiguration().getNamespace()).isEqualTo("team-a");
            assertThat(client.getConfiguration().getRequestTimeout()).isEqualTo(7000);
            assertThat(client.getHttpClient().getClass().getName()).contains("jdkhttp");
        }
    }

    @Test
    void a_missing_kubeconfig_is_one_line_of_input_error() {
        Path missing = dir.resolve("nope");

        assertThatThrownBy(() -> Clusters.client(Optional.of(missing), Duration.ofSeconds(1)))
                .isInstanceOf(InputException.class)
                .hasMessage(missing + ": cannot read kubeconfig");
    }

    @Test
    void a_kubeconfig_that_is_not_one_is_one_line_of_input_error() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage"), "token: [not closed");

        assertThatThrownBy(() -> Clusters.client(Optional.of(garbage), Duration.ofSeconds(1)))
                .isInstanceOf(InputException.class)
                .hasMessageStartingWith(garbage + ": not a usable kubeconfig (")
                .hasMessageNotContaining("not closed");
    }
}
