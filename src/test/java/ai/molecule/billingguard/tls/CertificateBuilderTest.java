package ai.molecule.billingguard.tls;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CertificateBuilderTest {
    // keyUsage bits, in X509Certificate.getKeyUsage() order
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_ENCIPHERMENT = 2;
    private static final int KEY_CERT_SIGN = 5;

    @Test
    void root_ca_and_serving_certificate_carry_the_expected_extensions() throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate("billing-guard-ca", Duration.ofDays(2));
        CertAndKey leaf = CertificateBuilder.endEntity(ca).dnsNames("billing-guard.molecule-system.svc")
                .ipAddresses("127.0.0.1", "::1").validFor(Duration.ofDays(1)).build();

        var root = ca.certificate();
        assertThat(root.getBasicConstraints()).isZero(); // CA:true, path length 0
        assertThat(root.getKeyUsage()[KEY_CERT_SIGN]).isTrue();
        assertThat(root.getSubjectX500Principal()).isEqualTo(root.getIssuerX500Principal());
        root.verify(root.getPublicKey());
        assertThat(root.getPublicKey().getAlgorithm()).isEqualTo("RSA");

        var cert = leaf.certificate();
        assertThat(cert.getBasicConstraints()).isEqualTo(-1); // CA:false
        assertThat(cert.getKeyUsage()[DIGITAL_SIGNATURE]).isTrue();
        assertThat(cert.getKeyUsage()[KEY_ENCIPHERMENT]).isTrue();
        assertThat(cert.getKeyUsage()[KEY_CERT_SIGN]).isFalse();
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1"); // serverAuth
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(2, "billing-guard.molecule-system.svc"),
                List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=billing-guard.molecule-system.svc");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
        cert.verify(root.getPublicKey());
        cert.checkValidity();
        assertThat(Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()))
                .isEqualTo(Duration.ofDays(1).plus(CertificateBuilder.CLOCK_SKEW));

        assertThat(leaf.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        assertThat(leaf.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        assertThat(leaf.toString()).doesNotContain("PRIVATE");
    }

    @Test
    void refuses_a_serving_certificate_without_names_and_bad_input() {
        CertificateAuthority ca = CertificateAuthority.generate("ca", Duration.ofDays(1));
        assertThatThrownBy(() -> CertificateBuilder.endEntity(ca).build())
                .hasMessage("a serving certificate needs at least one DNS name or IP address");
        assertThatThrownBy(() -> CertificateBuilder.endEntity(ca).ipAddresses("not-an-ip"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CertificateBuilder.rootCa("ca").validFor(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        CertAndKey notCa = CertificateBuilder.endEntity(ca).dnsNames("x").build();
        assertThatThrownBy(() -> new CertificateAuthority(notCa)).hasMessageStartingWith("not a CA certificate");
    }
}
