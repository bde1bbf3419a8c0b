package ai.molecule.billingguard.audit;

import ai.molecule.billingguard.cli.Kubeconfigs;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The cluster of {@code src/test/resources/audit/cluster.yaml} in fabric8's CRUD mock, with the GET
 * of one workspace secret answering 500, and what {@code audit} must find in it.
 */
public final class SeededCluster {
    /** Every secret value and the literal env value start so; base64 of it is {@link #SEED_BASE64}. */
    public static final String SEED = "sk-AUDIT-SEED";
    /** base64 of "sk-AUDIT-SEE" (12 bytes, so it starts the base64 of every seeded value). */
    public static final String SEED_BASE64 = "c2stQVVESVQtU0VF";
    public static final String BROKEN_SECRET = "/api/v1/namespaces/team-a/secrets/ws-broken-secrets";

    /** namespace/pod violation owner-kind/owner-name: exactly what audit must report. */
    public static final Set<String> EXPECTED = Set.of(
            "team-a/openai-web-7d9f-aaaaa platform-items Deployment/openai-web",
            "team-a/openai-web-7d9f-bbbbb platform-items Deployment/openai-web",
            "team-a/minimax-nightly-28001-x7k2p no-user-key CronJob/minimax-nightly",
            "team-a/plat-db-0 not-annotated StatefulSet/plat-db",
            "team-a/sneaky bypass Pod/sneaky",
            "team-a/openai-agent-x1 stale-mode DaemonSet/openai-agent",
            "team-a/broken-1 lookup-failed ReplicaSet/broken-rs",
            "team-a/ghost-1 platform-items Job/ghost-job",
            "team-b/dis-6f8-qqqqq platform-items Deployment/dis",
            "team-b/dis-manual not-annotated Pod/dis-manual",
            "team-b/dis-manual platform-items Pod/dis-manual");
    /** Running pods in the guarded namespaces (a finished one is not counted; a mirror pod is). */
    public static final int CHECKED = 15;

    private SeededCluster() {
    }

    public static void seed(KubernetesClient client, KubernetesMockServer server) {
        List<HasMetadata> objects;
        try (InputStream in = SeededCluster.class.getResourceAsStream("/audit/cluster.yaml")) {
            objects = client.load(in).items();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (HasMetadata object : objects) {
            client.resource(object).create();
            if (object instanceof Pod pod && pod.getStatus() != null) {
                client.pods().resource(pod).updateStatus();
            }
        }
        // Scripted answers take precedence over the CRUD store. The message quotes a value, as an
        // API server's error body might: it must not be passed on.
        server.expect().get().withPath(BROKEN_SECRET).andReturn(500, new StatusBuilder().withCode(500)
                .withMessage("etcd: " + SEED + "-IN-ERROR").build()).always();
    }

    /** A kubeconfig for the mock's URL. */
    public static Path kubeconfig(Path dir, KubernetesClient client) {
        try {
            return Kubeconfigs.write(dir, client.getMasterUrl().toString(), "mock-token");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
