package ai.molecule.billingguard.tls;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;

/** A root CA that signs serving certificates: its certificate (the caBundle) and its signing key. */
public final class CertificateAuthority {
    private final CertAndKey root;

    public CertificateAuthority(CertAndKey root) {
        if (root.certificate().getBasicConstraints() < 0) {
            throw new IllegalArgumentException("not a CA certificate: " + root.certificate().getSubjectX500Principal());
        }
        this.root = root;
    }

    /** A fresh self-signed root CA. */
    public static CertificateAuthority generate(String commonName, Duration validity) {
        return new CertificateAuthority(CertificateBuilder.rootCa(commonName).validFor(validity).build());
    }

    public X509Certificate certificate() {
        return root.certificate();
    }

    /** What clients must trust: the PEM that, base64-encoded once more, is a webhook's caBundle. */
    public String certificatePem() {
        return root.certificatePem();
    }

    PrivateKey signingKey() {
        return root.privateKey();
    }

    /** The signing key as PKCS#8 PEM, for whoever must keep this CA to sign again later. */
    String signingKeyPem() {
        return root.privateKeyPem();
    }

    /** A webhook configuration's {@code caBundle}: the PEM of the CA certificates to trust, base64-encoded. */
    public static String caBundle(String caCertificatesPem) {
        return Base64.getEncoder().encodeToString(caCertificatesPem.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "CertificateAuthority[" + certificate().getSubjectX500Principal() + "]";
    }
}
