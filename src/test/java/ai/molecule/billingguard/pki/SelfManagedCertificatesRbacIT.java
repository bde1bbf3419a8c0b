package ai.molecule.billingguard.pki;

import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.cluster.MockServerLogs;
import ai.molecule.billingguard.tls.CertificateSet;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What RBAC refusals and API errors do to start-up. The CRUD mock cannot refuse, so this mock
 * answers exactly what a real API server answers a service account without the permission.
 */
@EnableKubernetesMockClient
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SelfManagedCertificatesRbacIT {
    static final Object QUIET = MockServerLogs.quiet();
    private static final String NS = "molecule-system";
    private static final String SECRETS = "/api/v1/namespaces/" + NS + "/secrets";
    private static final String SECRET = SECRETS + "/billing-guard-tls";
    private static final String MUTATING = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/billing-guard";
    private static final String VALIDATING = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/billing-guard";
    private static final CertificateSet.Requirements REQUIREMENTS = new CertificateSet.Requirements(
            "billing-guard", NS, Duration.ofDays(365), Duration.ofDays(30));

    KubernetesClient client;
    KubernetesMockServer server;

    private SelfManagedCertificates certificates() {
        return new SelfManagedCertificates(client, new SelfManagedCertificates.Settings(NS, "billing-guard-tls",
                "billing-guard", "billing-guard", REQUIREMENTS, Duration.ofSeconds(10)));
    }

    private static Status status(int code, String reason) {
        return new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason)
                .withMessage("secrets is forbidden: User \"system:serviceaccount:molecule-system:billing-guard\" cannot do it")
                .build();
    }

    private static Secret secretHolding(CertificateSet set) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("ca.crt", base64(set.caCertificates()));
        data.put("ca.key", base64(set.caKey()));
        data.put("tls.crt", base64(set.certificate()));
        data.put("tls.key", base64(set.privateKey()));
        return new SecretBuilder().withNewMetadata().withName("billing-guard-tls").withNamespace(NS).withResourceVersion("7")
                .endMetadata().withType("kubernetes.io/tls").withData(data).build();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private InputException startFails() {
        try (SelfManagedCertificates certificates = certificates()) {
            return catchThrowableOfType(InputException.class, certificates::start);
        }
    }

    @Test
    void a_refused_create_fails_start_up_with_one_line_naming_verb_resource_and_namespace() throws Exception {
        server.expect().get().withPath(SECRET).andReturn(404, status(404, "NotFound")).always();
        server.expect().post().withPath(SECRETS).andReturn(403, status(403, "Forbidden")).always();

        InputException e = startFails();

        assertThat(e).hasMessage("self-managed TLS: the service account may not create secrets in namespace molecule-system "
                + "(HTTP 403 Forbidden); grant it in its Role or ClusterRole, or turn selfManaged.enabled off");
        assertThat(e.getMessage()).doesNotContain("\n");
        assertThat(server.getLastRequest().getBody().readUtf8()).as("it did try to create the Secret").contains("tls.key");
    }

    @Test
    void a_refused_renewal_fails_start_up_without_a_word_of_the_key() {
        // 20 days left: inside the 30-day renewal window of REQUIREMENTS
        CertificateSet due = CertificateSet.renew(null, new CertificateSet.Requirements(
                "billing-guard", NS, Duration.ofDays(20), Duration.ofDays(1)));
        server.expect().get().withPath(SECRET).andReturn(200, secretHolding(due)).always();
        server.expect().put().withPath(SECRET).andReturn(403, status(403, "Forbidden")).always();

        InputException e = startFails();

        assertThat(e).hasMessage("self-managed TLS: the service account may not update secrets/billing-guard-tls in namespace "
                + "molecule-system (HTTP 403 Forbidden); grant it in its Role or ClusterRole, or turn selfManaged.enabled off");
        assertThat(e.getMessage()).doesNotContain("PRIVATE").doesNotContain(due.privateKey().substring(40, 80));
    }

    @Test
    void a_refused_ca_bundle_patch_fails_start_up() {
        CertificateSet good = CertificateSet.renew(null, REQUIREMENTS);
        server.expect().get().withPath(SECRET).andReturn(200, secretHolding(good)).always();
        server.expect().get().withPath(MUTATING).andReturn(200, new MutatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("billing-guard").endMetadata()
                .addNewWebhook().withName("pods.billing-guard.molecule.ai").withNewClientConfig().withCaBundle("").endClientConfig()
                .endWebhook().build()).always();
        server.expect().patch().withPath(MUTATING).andReturn(403, status(403, "Forbidden")).always();

        InputException e = startFails();

        assertThat(e).hasMessage("self-managed TLS: the service account may not patch mutatingwebhookconfigurations/billing-guard "
                + "(HTTP 403 Forbidden); grant it in its Role or ClusterRole, or turn selfManaged.enabled off");
    }

    @Test
    void an_api_server_error_is_retried_and_reported_until_the_pass_succeeds() throws Exception {
        CertificateSet good = CertificateSet.renew(null, REQUIREMENTS);
        server.expect().get().withPath(SECRET).andReturn(500, status(500, "InternalError")).once();
        server.expect().get().withPath(SECRET).andReturn(200, secretHolding(good)).always();
        server.expect().get().withPath(MUTATING).andReturn(404, status(404, "NotFound")).always();
        server.expect().get().withPath(VALIDATING).andReturn(404, status(404, "NotFound")).always();

        try (SelfManagedCertificates certificates = certificates()) {
            assertThat(certificates.problem()).contains("the Secret has not been read yet");
            certificates.start(); // one retry after a second

            assertThat(certificates.problem()).isEmpty();
            assertThat(certificates.current().certificate()).isEqualTo(good.certificate());
        }
    }
}
