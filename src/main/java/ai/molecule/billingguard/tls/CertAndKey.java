package ai.molecule.billingguard.tls;

import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;

/** A certificate and its private key, as {@link CertificateBuilder} makes them. */
public record CertAndKey(X509Certificate certificate, PrivateKey privateKey) {

    /**
     * The certificate as PEM: the whole chain a server presents. A certificate signed directly by
     * the root needs no intermediates, and the root itself is the client's business (caBundle).
     */
    public String certificatePem() {
        return certificatePem(certificate);
    }

    static String certificatePem(X509Certificate certificate) {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode a certificate we hold", e);
        }
    }

    /** The private key as unencrypted PKCS#8 PEM ("PRIVATE KEY"): what Kubernetes TLS Secrets hold. */
    public String privateKeyPem() {
        return pem("PRIVATE KEY", privateKey.getEncoded()); // Java encodes private keys as PKCS#8
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Never print key material, not even by accident in a log line or an assertion message. */
    @Override
    public String toString() {
        return "CertAndKey[" + certificate.getSubjectX500Principal() + ", serial "
                + certificate.getSerialNumber().toString(16) + "]";
    }
}
