package ai.molecule.billingguard.pki;

import ai.molecule.billingguard.cluster.MockServerLogs;
import ai.molecule.billingguard.tls.CertAndKey;
import ai.molecule.billingguard.tls.CertificateAuthority;
import ai.molecule.billingguard.tls.CertificateBuilder;
import ai.molecule.billingguard.tls.CertificateReloader;
import ai.molecule.billingguard.tls.CertificateSet;
import ai.molecule.billingguard.tls.ServiceTlsClient;
import ai.molecule.billingguard.tls.TlsFixtures;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Self-managed certificates against fabric8's mock API server in CRUD mode: real Secrets, real optimistic writes. */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SelfManagedCertificatesIT {
    static final Object QUIET = MockServerLogs.quiet();
    private static final String NS = "molecule-system";
    private static final String SERVICE_NAME = "billing-guard." + NS + ".svc";
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    KubernetesClient client;
    KubernetesMockServer server;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private static SelfManagedCertificates.Settings settings(Duration validity, Duration renewBefore, Duration checkInterval) {
        return new SelfManagedCertificates.Settings(NS, "billing-guard-tls", "billing-guard", "billing-guard",
                new CertificateSet.Requirements("billing-guard", NS, validity, renewBefore), checkInterval);
    }

    private static SelfManagedCertificates.Settings yearLong() {
        return settings(Duration.ofDays(365), Duration.ofDays(30), Duration.ofMillis(200));
    }

    private SelfManagedCertificates started(KubernetesClient with, SelfManagedCertificates.Settings settings) throws Exception {
        SelfManagedCertificates certificates = new SelfManagedCertificates(with, settings);
        opened.add(certificates);
        certificates.start();
        return certificates;
    }

    private void createWebhookConfigurations(String caBundle) {
        client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(new MutatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("billing-guard").endMetadata()
                .addNewWebhook().withName("pods.billing-guard.molecule.ai").withAdmissionReviewVersions("v1").withSideEffects("None")
                .withNewClientConfig().withCaBundle(caBundle).withNewService().withName("billing-guard").withNamespace(NS)
                .withPath("/mutate").endService().endClientConfig().endWebhook()
                .addNewWebhook().withName("controllers.billing-guard.molecule.ai").withAdmissionReviewVersions("v1")
                .withSideEffects("None").withNewClientConfig().withNewService().withName("billing-guard").withNamespace(NS)
                .withPath("/mutate").endService().endClientConfig().endWebhook()
                .build()).create();
        client.admissionRegistration().v1().validatingWebhookConfigurations().resource(new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("billing-guard").endMetadata()
                .addNewWebhook().withName("validate.billing-guard.molecule.ai").withAdmissionReviewVersions("v1").withSideEffects("None")
                .withNewClientConfig().withCaBundle(caBundle).withNewService().withName("billing-guard").withNamespace(NS)
                .withPath("/validate").endService().endClientConfig().endWebhook()
                .build()).create();
    }

    /** Every caBundle of both configurations, in order. */
    private List<String> caBundles() {
        MutatingWebhookConfiguration mutating = client.admissionRegistration().v1().mutatingWebhookConfigurations()
                .withName("billing-guard").get();
        ValidatingWebhookConfiguration validating = client.admissionRegistration().v1().validatingWebhookConfigurations()
                .withName("billing-guard").get();
        return Stream.concat(mutating.getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle()),
                validating.getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle())).toList();
    }

    private Secret secret() {
        return client.secrets().inNamespace(NS).withName("billing-guard-tls").get();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String decoded(Secret secret, String key) {
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII);
    }

    @Test
    void first_start_creates_the_secret_and_sets_the_ca_bundle_of_every_webhook() throws Exception {
        createWebhookConfigurations("c3RhbGUK"); // "stale": what a chart might have left

        SelfManagedCertificates certificates = started(client, yearLong());

        Secret secret = secret();
        assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(secret.getData()).containsOnlyKeys("ca.crt", "ca.key", "tls.crt", "tls.key");
        assertThat(secret.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "billing-guard");
        CertificateSet stored = TlsSecret.certificateSet(secret);
        assertThat(stored.problem(yearLong().requirements(), Instant.now())).isEmpty();
        assertThat(caBundles()).hasSize(3).containsOnly(Base64.getEncoder().encodeToString(
                decoded(secret, "ca.crt").getBytes(StandardCharsets.US_ASCII)));
        assertThat(certificates.problem()).isEmpty();
        assertThat(new String(certificates.servingPair().certificate(), StandardCharsets.US_ASCII))
                .isEqualTo(decoded(secret, "tls.crt"));
        assertThat(certificates.servingPair().certificateName()).isEqualTo("Secret molecule-system/billing-guard-tls/tls.crt");

        // A second start finds everything in order: it writes nothing
        String version = secret.getMetadata().getResourceVersion();
        String mutatingVersion = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("billing-guard")
                .get().getMetadata().getResourceVersion();
        started(server.createClient(), yearLong());
        assertThat(secret().getMetadata().getResourceVersion()).isEqualTo(version);
        assertThat(client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("billing-guard")
                .get().getMetadata().getResourceVersion()).isEqualTo(mutatingVersion);
    }

    /** Starts three replicas at once, each with its own client, and returns the sets they serve once started (then stops them). */
    private List<CertificateSet> startTogether() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<SelfManagedCertificates>> replicas = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                KubernetesClient own = server.createClient();
                opened.add(own);
                replicas.add(pool.submit(() -> {
                    go.await();
                    return started(own, yearLong());
                }));
            }
            go.countDown();
            List<CertificateSet> sets = new ArrayList<>();
            for (Future<SelfManagedCertificates> replica : replicas) {
                SelfManagedCertificates certificates = replica.get(60, TimeUnit.SECONDS);
                sets.add(certificates.current());
                certificates.close(); // or its next pass would recreate a Secret the next round deletes
            }
            return sets;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void replicas_started_at_the_same_time_end_on_the_same_ca_and_pair() throws Exception {
        createWebhookConfigurations(null);
        for (int round = 0; round < 2; round++) {
            client.secrets().inNamespace(NS).withName("billing-guard-tls").delete();
            await().atMost(PATIENCE).until(() -> secret() == null);

            List<CertificateSet> sets = startTogether();

            Secret secret = secret();
            assertThat(sets).as("round %d", round).extracting(CertificateSet::caCertificates)
                    .containsOnly(decoded(secret, "ca.crt"));
            assertThat(sets).as("round %d", round).extracting(CertificateSet::certificate)
                    .containsOnly(decoded(secret, "tls.crt"));
            assertThat(caBundles()).containsOnly(TlsSecret.certificateSet(secret).caBundle());
        }
    }

    @Test
    void replicas_renewing_at_the_same_time_end_on_the_same_pair_and_keep_the_ca() throws Exception {
        createWebhookConfigurations(null);
        // 20 days left: inside the 30-day window, so every replica wants to renew it; its CA can sign for another year
        CertAndKey root = CertificateBuilder.rootCa("billing-guard." + NS + " webhook CA").validFor(Duration.ofDays(3650)).build();
        CertAndKey leaf = CertificateBuilder.endEntity(new CertificateAuthority(root))
                .dnsNames(yearLong().requirements().dnsNames().toArray(String[]::new)).validFor(Duration.ofDays(20)).build();
        CertificateSet due = new CertificateSet(root.certificatePem(), root.privateKeyPem(), leaf.certificatePem(),
                leaf.privateKeyPem());
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("billing-guard-tls").endMetadata()
                .withType("kubernetes.io/tls").withData(Map.of("ca.crt", base64(due.caCertificates()), "ca.key", base64(due.caKey()),
                        "tls.crt", base64(due.certificate()), "tls.key", base64(due.privateKey()))).build()).create();

        List<CertificateSet> sets = startTogether();

        Secret secret = secret();
        assertThat(decoded(secret, "tls.crt")).isNotEqualTo(due.certificate());
        assertThat(decoded(secret, "ca.crt")).isEqualTo(due.caCertificates());
        assertThat(sets).extracting(CertificateSet::certificate).containsOnly(decoded(secret, "tls.crt"));
        assertThat(caBundles()).containsOnly(due.caBundle());
    }

    @Test
    void a_secret_written_by_hand_is_served_as_it_is() throws Exception {
        createWebhookConfigurations(null);
        CertificateAuthority ca = CertificateAuthority.generate("operator CA", Duration.ofDays(365));
        CertAndKey leaf = CertificateBuilder.endEntity(ca).dnsNames(yearLong().requirements().dnsNames().toArray(String[]::new))
                .validFor(Duration.ofDays(200)).build();
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("billing-guard-tls").endMetadata()
                .withType("Opaque").withData(Map.of("ca.crt", base64(ca.certificatePem()), "tls.crt", base64(leaf.certificatePem()),
                        "tls.key", base64(leaf.privateKeyPem()))).build()).create();
        String version = secret().getMetadata().getResourceVersion();

        SelfManagedCertificates certificates = started(client, yearLong());

        assertThat(secret().getMetadata().getResourceVersion()).as("not replaced").isEqualTo(version);
        assertThat(secret().getData()).doesNotContainKey("ca.key");
        assertThat(certificates.current().leaf()).isEqualTo(leaf.certificate());
        assertThat(caBundles()).containsOnly(CertificateAuthority.caBundle(ca.certificatePem()));
    }

    @Test
    void renewal_inside_the_window_changes_the_served_certificate_without_a_failed_request() throws Exception {
        createWebhookConfigurations(null);
        // Certificates of 12 s renewed 9 s before they expire: a renewal every 3 s or so, in real time
        SelfManagedCertificates certificates = started(client, settings(Duration.ofSeconds(12), Duration.ofSeconds(9),
                Duration.ofMillis(200)));
        String caBefore = decoded(secret(), "ca.crt");
        List<String> bundlesBefore = caBundles();
        X509Certificate trusted = certificates.current().authority().orElseThrow();

        SslContextFactory.Server tls = CertificateReloader.serverFactory();
        CertificateReloader reloader = new CertificateReloader(certificates::servingPair, tls, Duration.ofMillis(100));
        opened.add(reloader);
        Server jetty = TlsFixtures.startServer(tls);
        opened.add(jetty::stop);

        Set<BigInteger> servedSerials = new LinkedHashSet<>();
        List<String> failures = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        int requests = 0;
        while (servedSerials.size() < 3 && System.nanoTime() < deadline) {
            requests++;
            try {
                ServiceTlsClient.Answer answer = ServiceTlsClient.get(TlsFixtures.port(jetty), trusted, SERVICE_NAME);
                servedSerials.add(answer.served().getSerialNumber());
                if (!answer.statusLine().equals("HTTP/1.1 200 OK")) {
                    failures.add(answer.statusLine());
                }
            } catch (IOException e) {
                failures.add(e.toString());
            }
        }

        assertThat(failures).as("%d requests", requests).isEmpty();
        assertThat(servedSerials).as("serials served over %d requests", requests).hasSizeGreaterThanOrEqualTo(3);
        assertThat(reloader.reloads()).isGreaterThanOrEqualTo(2);
        assertThat(decoded(secret(), "ca.crt")).as("the CA is kept").isEqualTo(caBefore);
        assertThat(caBundles()).as("so the caBundle does not change").isEqualTo(bundlesBefore);
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(reloader.certificate())
                .isEqualTo(TlsSecret.certificateSet(secret()).leaf()));
    }

    @Test
    void deleting_the_secret_rotates_the_ca_and_the_ca_bundle() throws Exception {
        createWebhookConfigurations(null);
        SelfManagedCertificates certificates = started(client, yearLong());
        String oldCa = certificates.current().caCertificates();

        client.secrets().inNamespace(NS).withName("billing-guard-tls").delete();

        await().atMost(PATIENCE).until(() -> secret() != null && !decoded(secret(), "ca.crt").equals(oldCa));
        String newCa = decoded(secret(), "ca.crt");
        assertThat(newCa.split("-----BEGIN CERTIFICATE-----", -1)).as("a hard rotation: the old CA is not trusted any more")
                .hasSize(2);
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(caBundles()).containsOnly(CertificateAuthority.caBundle(newCa));
            assertThat(certificates.current().caCertificates()).isEqualTo(newCa);
        });
    }

    @Test
    void start_up_does_not_wait_for_missing_webhook_configurations_and_a_reset_ca_bundle_is_repaired() throws Exception {
        SelfManagedCertificates certificates = started(client, yearLong());
        String expected = certificates.current().caBundle();

        createWebhookConfigurations(null);
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(caBundles()).containsOnly(expected));

        // what a helm upgrade that renders an empty caBundle does
        client.admissionRegistration().v1().validatingWebhookConfigurations().withName("billing-guard")
                .edit(c -> {
                    c.getWebhooks().get(0).getClientConfig().setCaBundle("");
                    return c;
                });
        assertThat(caBundles()).contains("");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(caBundles()).containsOnly(expected));
    }
}
