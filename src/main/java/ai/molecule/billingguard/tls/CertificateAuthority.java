package ai.molecule.billingguard.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;

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

    @Override
    public String toString() {
        return "CertificateAuthority[" + certificate().getSubjectX500Principal() + "]";
    }
}
