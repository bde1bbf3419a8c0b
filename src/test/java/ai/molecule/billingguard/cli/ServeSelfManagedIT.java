package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.cluster.MockServerLogs;
import ai.molecule.billingguard.tls.CertificateSet;
import ai.molecule.billingguard.tls.ServiceTlsClient;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code serve --self-managed-tls} as a child JVM against fabric8's CRUD mock API server. */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeSelfManagedIT {
    static final Object QUIET = MockServerLogs.quiet();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String NS = "molecule-system";

    KubernetesClient client;

    @TempDir
    Path tmp;
    private Path kubeconfig;
    private Path config;
    private final List<ServeProcess> started = new ArrayList<>();

    @BeforeEach
    void cluster() throws Exception {
        client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(new MutatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("billing-guard").endMetadata()
                .addNewWebhook().withName("pods.billing-guard.molecule.ai").withNewClientConfig().withNewService()
                .withName("billing-guard").withNamespace(NS).withPath("/mutate").endService().endClientConfig().endWebhook()
                .build()).create();
        client.admissionRegistration().v1().validatingWebhookConfigurations().resource(new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("billing-guard").endMetadata()
                .addNewWebhook().withName("pods.billing-guard.molecule.ai").withNewClientConfig().withNewService()
                .withName("billing-guard").withNamespace(NS).withPath("/validate").endService().endClientConfig().endWebhook()
                .build()).create();
        kubeconfig = Kubeconfigs.write(tmp, client.getMasterUrl().toString(), "mock-token");
        config = Files.writeString(tmp.resolve("config.yaml"), "server:\n  drainSeconds: 0\n  shutdownTimeoutSeconds: 5\n");
    }

    @AfterEach
    void stop() {
        started.forEach(ServeProcess::close);
    }

    private ServeProcess serve(Map<String, String> env) throws Exception {
        ServeProcess process = ServeProcess.start(tmp, env, "--kubeconfig", kubeconfig.toString(), "--self-managed-tls",
                "--port", "0", "--ops-port", "0", "--config", config.toString());
        started.add(process);
        return process;
    }

    @Test
    void serve_creates_its_certificate_puts_the_ca_into_both_webhooks_and_serves_it() throws Exception {
        ServeProcess serve = serve(Map.of("POD_NAMESPACE", NS));
        assertThat(serve.awaitServing(PATIENCE).path("certificate").asString()).isEqualTo("self-managed");

        Secret secret = client.secrets().inNamespace(NS).withName("billing-guard-tls").get();
        CertificateSet stored = new CertificateSet(decoded(secret, "ca.crt"), decoded(secret, "ca.key"),
                decoded(secret, "tls.crt"), decoded(secret, "tls.key"));
        assertThat(caBundles()).containsOnly(stored.caBundle());

        // What kube-apiserver does: trust the caBundle, dial the Service's name
        ServiceTlsClient.Answer answer = ServiceTlsClient.get(serve.webhookPort(), stored.authority().orElseThrow(),
                "billing-guard." + NS + ".svc");
        assertThat(answer.served()).isEqualTo(stored.leaf());
        assertThat(answer.statusLine()).startsWith("HTTP/1.1 404"); // GET / is not a webhook path; TLS is what counts here

        serve.awaitReady(PATIENCE);
        String logs = String.join("\n", serve.stderr) + String.join("\n", serve.stdout);
        assertThat(logs).contains("created Secret molecule-system/billing-guard-tls")
                .doesNotContain("PRIVATE KEY").doesNotContain(stored.privateKey().substring(40, 80))
                .doesNotContain(stored.caKey().substring(40, 80));

        serve.sigterm();
        assertThat(serve.awaitExit(PATIENCE)).isZero();
    }

    @Test
    void without_a_namespace_for_its_secret_serve_exits_2_with_one_line() throws Exception {
        ServeProcess serve = serve(Map.of());

        assertThat(serve.awaitExit(PATIENCE)).isEqualTo(2);
        assertThat(serve.stderr).containsExactly(
                "billing-guard: --self-managed-tls needs the namespace of its Secret and Service: set selfManaged.namespace "
                        + "(--self-managed-namespace) or POD_NAMESPACE");
    }

    private List<String> caBundles() {
        return Stream.concat(
                client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("billing-guard").get()
                        .getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle()),
                client.admissionRegistration().v1().validatingWebhookConfigurations().withName("billing-guard").get()
                        .getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle())).toList();
    }

    private static String decoded(Secret secret, String key) {
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII);
    }
}
