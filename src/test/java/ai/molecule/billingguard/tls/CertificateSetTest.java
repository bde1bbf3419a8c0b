package ai.molecule.billingguard.tls;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a self-managed Secret's set of PEMs must be to be served, and how it is renewed. */
class CertificateSetTest {
    private static final CertificateSet.Requirements REQUIREMENTS = new CertificateSet.Requirements(
            "billing-guard", "molecule-system", Duration.ofDays(365), Duration.ofDays(30));

    private static List<X509Certificate> certificates(String pem) {
        return PemFiles.certificates("test", pem.getBytes(StandardCharsets.US_ASCII));
    }

    private static X509Certificate leaf(CertificateSet set) {
        return certificates(set.certificate()).get(0);
    }

    @Test
    void a_first_set_names_the_service_lives_its_validity_and_its_ca_ten_times_longer() throws Exception {
        CertificateSet set = CertificateSet.renew(null, REQUIREMENTS);

        assertThat(set.problem(REQUIREMENTS, Instant.now())).isEmpty();
        List<X509Certificate> cas = certificates(set.caCertificates());
        assertThat(cas).hasSize(1);
        X509Certificate leaf = leaf(set);
        leaf.verify(cas.get(0).getPublicKey());
        assertThat(leaf.getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1))).containsExactly("billing-guard",
                "billing-guard.molecule-system", "billing-guard.molecule-system.svc",
                "billing-guard.molecule-system.svc.cluster.local");
        assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
                .isEqualTo(Duration.ofDays(365).plus(CertificateBuilder.CLOCK_SKEW));
        assertThat(Duration.between(cas.get(0).getNotBefore().toInstant(), cas.get(0).getNotAfter().toInstant()))
                .isEqualTo(Duration.ofDays(3650).plus(CertificateBuilder.CLOCK_SKEW));
        // the CA key is the CA's
        PemFiles.requireMatch(PemFiles.privateKey("ca.key", set.caKey().getBytes(StandardCharsets.US_ASCII)),
                cas.get(0), "ca.key", "ca.crt");
        assertThat(new String(Base64.getDecoder().decode(set.caBundle()), StandardCharsets.US_ASCII))
                .isEqualTo(set.caCertificates());
        assertThat(set.toString()).doesNotContain("BEGIN").doesNotContain(set.privateKey().substring(40, 80));
    }

    @Test
    void inside_the_renewal_window_it_must_be_renewed_and_the_renewal_keeps_the_ca() {
        CertificateSet first = CertificateSet.renew(null, REQUIREMENTS);
        Instant renewAt = leaf(first).getNotAfter().toInstant().minus(Duration.ofDays(30));

        assertThat(first.problem(REQUIREMENTS, renewAt.minusSeconds(1))).isEmpty();
        assertThat(first.problem(REQUIREMENTS, renewAt)).get().asString()
                .startsWith("tls.crt expires at " + leaf(first).getNotAfter().toInstant())
                .endsWith("(within renewBefore, 30 days)");

        CertificateSet renewed = CertificateSet.renew(first, REQUIREMENTS);
        assertThat(renewed.caCertificates()).isEqualTo(first.caCertificates()); // the caBundle does not change
        assertThat(renewed.caKey()).isEqualTo(first.caKey());
        assertThat(leaf(renewed).getSerialNumber()).isNotEqualTo(leaf(first).getSerialNumber());
        assertThat(renewed.privateKey()).isNotEqualTo(first.privateKey());
        assertThat(renewed.problem(REQUIREMENTS, Instant.now())).isEmpty();
    }

    @Test
    void a_set_written_by_hand_without_the_ca_key_is_served_and_its_renewal_trusts_both_cas() throws Exception {
        CertificateAuthority handCa = CertificateAuthority.generate("operator CA", Duration.ofDays(400));
        CertAndKey handLeaf = CertificateBuilder.endEntity(handCa).dnsNames(REQUIREMENTS.dnsNames().toArray(String[]::new))
                .validFor(Duration.ofDays(90)).build();
        CertificateSet hand = new CertificateSet(handCa.certificatePem(), null, handLeaf.certificatePem(),
                handLeaf.privateKeyPem());
        assertThat(hand.problem(REQUIREMENTS, Instant.now())).isEmpty();

        CertificateSet renewed = CertificateSet.renew(hand, REQUIREMENTS);
        List<X509Certificate> cas = certificates(renewed.caCertificates());
        assertThat(cas).hasSize(2);
        assertThat(cas.get(1)).isEqualTo(handCa.certificate()); // still trusted until it expires
        assertThat(cas.get(0)).isNotEqualTo(handCa.certificate());
        leaf(renewed).verify(cas.get(0).getPublicKey());
        assertThat(renewed.problem(REQUIREMENTS, Instant.now())).isEmpty();
    }

    @Test
    void a_ca_that_would_expire_before_the_new_certificate_is_replaced_and_expired_cas_are_dropped() {
        CertificateAuthority shortCa = CertificateAuthority.generate("short CA", Duration.ofDays(100));
        Instant past = Instant.now().minus(Duration.ofDays(10));
        String expiredCa = CertificateBuilder.rootCa("expired CA").validity(past, past.plus(Duration.ofDays(1)))
                .build().certificatePem();
        CertAndKey leaf = CertificateBuilder.endEntity(shortCa).dnsNames(REQUIREMENTS.dnsNames().toArray(String[]::new))
                .validFor(Duration.ofDays(50)).build();
        CertificateSet previous = new CertificateSet(shortCa.certificatePem() + expiredCa, shortCa.signingKeyPem(),
                leaf.certificatePem(), leaf.privateKeyPem());

        CertificateSet renewed = CertificateSet.renew(previous, REQUIREMENTS);

        List<X509Certificate> cas = certificates(renewed.caCertificates());
        assertThat(cas).hasSize(2).doesNotContain(certificates(expiredCa).get(0));
        assertThat(cas.get(1)).isEqualTo(shortCa.certificate());
        assertThat(renewed.authority()).contains(cas.get(0));
        assertThat(renewed.caKey()).isNotEqualTo(shortCa.signingKeyPem());
    }

    @Test
    void every_reason_to_replace_a_set_is_named_without_its_content() {
        CertificateSet good = CertificateSet.renew(null, REQUIREMENTS);
        CertificateSet other = CertificateSet.renew(null, new CertificateSet.Requirements(
                "other", "molecule-system", Duration.ofDays(365), Duration.ofDays(30)));
        Instant now = Instant.now();

        assertThat(new CertificateSet(good.caCertificates(), good.caKey(), null, good.privateKey()).problem(REQUIREMENTS, now))
                .contains("it holds no tls.crt");
        assertThat(new CertificateSet(good.caCertificates(), good.caKey(), good.certificate(), null).problem(REQUIREMENTS, now))
                .contains("it holds no tls.key");
        assertThat(new CertificateSet(null, good.caKey(), good.certificate(), good.privateKey()).problem(REQUIREMENTS, now))
                .contains("it holds no ca.crt, so the CA to trust is unknown");
        assertThat(new CertificateSet(good.caCertificates(), null, good.certificate(), other.privateKey()).problem(REQUIREMENTS, now))
                .get().asString().startsWith("tls.key: private key does not match the first certificate in tls.crt");
        assertThat(new CertificateSet(other.caCertificates(), null, good.certificate(), good.privateKey()).problem(REQUIREMENTS, now))
                .contains("tls.crt is not valid now or not signed by a CA of ca.crt");
        assertThat(new CertificateSet(other.caCertificates(), null, other.certificate(), other.privateKey()).problem(REQUIREMENTS, now))
                .contains("tls.crt does not name billing-guard, billing-guard.molecule-system, billing-guard.molecule-system.svc, "
                        + "billing-guard.molecule-system.svc.cluster.local");
        assertThat(new CertificateSet("garbage", null, good.certificate(), good.privateKey()).problem(REQUIREMENTS, now))
                .get().asString().startsWith("ca.crt: holds no PEM certificate");
        String truncatedKey = good.privateKey().substring(0, 200);
        assertThat(new CertificateSet(good.caCertificates(), null, good.certificate(), truncatedKey).problem(REQUIREMENTS, now))
                .get().asString().startsWith("tls.key:").doesNotContain(truncatedKey.substring(40, 100));
    }

    @Test
    void a_ca_inside_the_renewal_window_makes_the_set_due_even_when_its_certificate_is_not() {
        CertificateAuthority ca = CertificateAuthority.generate("ageing CA", Duration.ofDays(20));
        Instant caEnd = ca.certificate().getNotAfter().toInstant();
        // a certificate that outlives its CA (nothing forbids signing one): only the CA is due
        CertAndKey leaf = CertificateBuilder.endEntity(ca).dnsNames(REQUIREMENTS.dnsNames().toArray(String[]::new))
                .validity(Instant.now().minusSeconds(60), caEnd.plus(Duration.ofDays(10))).build();
        CertificateSet set = new CertificateSet(ca.certificatePem(), ca.signingKeyPem(), leaf.certificatePem(), leaf.privateKeyPem());
        CertificateSet.Requirements requirements = new CertificateSet.Requirements(
                "billing-guard", "molecule-system", Duration.ofDays(10), Duration.ofDays(2));

        assertThat(set.problem(requirements, caEnd.minus(Duration.ofDays(3)))).isEmpty();
        assertThat(set.problem(requirements, caEnd.minus(Duration.ofDays(1))))
                .contains("its CA expires at " + caEnd + " (within renewBefore, 2 days)");
    }
}
