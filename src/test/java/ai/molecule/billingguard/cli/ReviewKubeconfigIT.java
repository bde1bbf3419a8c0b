package ai.molecule.billingguard.cli;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static ai.molecule.billingguard.cli.ReviewCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code review --kubeconfig}: the same facts as {@code --secrets}, read from a cluster (fabric8's CRUD mock). */
@EnableKubernetesMockClient(crud = true)
class ReviewKubeconfigIT {
    static final Object QUIET = ai.molecule.billingguard.cluster.MockServerLogs.quiet();
    static final String SEED = "sk-SEEDED-KUBECONFIG-REVIEW-0042";
    KubernetesClient client;
    KubernetesMockServer server;

    @TempDir
    Path dir;
    Path kubeconfig;

    @BeforeEach
    void cluster() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-demo").endMetadata().build())
                .create();
        client.secrets().inNamespace("team-demo").resource(new SecretBuilder().withNewMetadata()
                .withName("ws-reno-secrets").withLabels(Map.of("molecule.ai/workspace-id", "reno")).endMetadata()
                .withStringData(Map.of("LLM_PROVIDER", "minimax", "MINIMAX_API_KEY", SEED)).build()).create();
        kubeconfig = Kubeconfigs.write(dir, client.getMasterUrl().toString(), "mock-token");
    }

    @Test
    void facts_come_from_the_cluster() throws Exception {
        Path pod = Files.writeString(dir.resolve("pod.yaml"), Files.readString(Path.of("examples/pods/01-seed-incident.yaml"))
                .replace("- name: WORKSPACE_ID", """
                        - name: MINIMAX_API_KEY
                                  valueFrom:
                                    secretKeyRef: {name: ws-reno-secrets, key: MINIMAX_API_KEY}
                                - name: WORKSPACE_ID""".stripTrailing()));
        ReviewCommandTest.Run run = run("review", "--kubeconfig", kubeconfig.toString(), pod.toString());
        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("mode:     byok  provider: minimax  source: provider-secret",
                "strips:   env CLAUDE_CODE_OAUTH_TOKEN").doesNotContain(SEED);
    }

    @Test
    void without_the_users_key_the_seed_incident_is_denied() {
        ReviewCommandTest.Run run = run("review", "--kubeconfig", kubeconfig.toString(), "examples/pods/01-seed-incident.yaml");
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.out()).contains("put one of MINIMAX_API_KEY");
    }

    @Test
    void secrets_and_kubeconfig_together_are_refused() {
        ReviewCommandTest.Run run = run("review", "--kubeconfig", kubeconfig.toString(), "--secrets", "examples",
                "examples/pods/01-seed-incident.yaml");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("give --secrets or --kubeconfig, not both");
    }
}
