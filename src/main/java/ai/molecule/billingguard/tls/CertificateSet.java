package ai.molecule.billingguard.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The PEM text a self-managed certificate Secret holds: the CA certificates clients trust
 * ({@code ca.crt}: the signing CA first, then older CAs still trusted until they expire), the
 * signing CA's key ({@code ca.key}; absent from a Secret written by hand), and the serving pair
 * ({@code tls.crt}, {@code tls.key}). Read back from a cluster any part may be missing or broken:
 * {@link #problem} says why such a set cannot be served as it is, {@link #renew} makes one that can.
 */
public final class CertificateSet {
    /** The names kube-apiserver and in-cluster clients may dial a Service by. */
    public static List<String> serviceDnsNames(String service, String namespace) {
        String svc = service + "." + namespace + ".svc";
        return List.of(service, service + "." + namespace, svc, svc + ".cluster.local");
    }

    private final String caCertificates;
    private final String caKey;
    private final String certificate;
    private final String privateKey;

    /** Each part as PEM text, or null when absent. */
    public CertificateSet(String caCertificates, String caKey, String certificate, String privateKey) {
        this.caCertificates = caCertificates;
        this.caKey = caKey;
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /**
     * What a serving certificate must be: for which Service, valid how long, renewed how long before
     * it expires. A CA lives ten times as long as the certificates it signs.
     */
    public record Requirements(String service, String namespace, Duration validity, Duration renewBefore) {
        public Requirements {
            if (renewBefore.isNegative() || renewBefore.isZero() || renewBefore.compareTo(validity) >= 0) {
                throw new IllegalArgumentException("renewBefore " + renewBefore + " must be positive and shorter than validity " + validity);
            }
        }

        /** The names kube-apiserver and in-cluster clients may dial the Service by. */
        public List<String> dnsNames() {
            return serviceDnsNames(service, namespace);
        }

        Duration caValidity() {
            return validity.multipliedBy(10);
        }
    }

    /** {@code ca.crt}: the CA certificates to trust, as PEM; null when absent. */
    public String caCertificates() {
        return caCertificates;
    }

    /** {@code ca.key}: the signing CA's private key as PEM; null when absent. */
    public String caKey() {
        return caKey;
    }

    /** {@code tls.crt}: the serving certificate chain as PEM; null when absent. */
    public String certificate() {
        return certificate;
    }

    /** {@code tls.key}: the serving private key as PEM; null when absent. */
    public String privateKey() {
        return privateKey;
    }

    /** The webhook configurations' {@code caBundle} for this set (base64 of {@code ca.crt}). */
    public String caBundle() {
        return CertificateAuthority.caBundle(caCertificates);
    }

    /** The serving pair for {@link CertificateReloader}, its parts named {@code where/tls.crt} and {@code where/tls.key}. */
    public PemPair servingPair(String where) {
        return new PemPair(where + "/tls.crt", ascii(certificate), where + "/tls.key", ascii(privateKey));
    }

    /**
     * The serving certificate (the first of {@code tls.crt}).
     *
     * @throws PemException when it cannot be read: ask {@link #problem} first
     */
    public X509Certificate leaf() {
        return PemFiles.certificates("tls.crt", ascii(Objects.requireNonNull(certificate, "no tls.crt"))).get(0);
    }

    /** The certificate of the signing CA (the first of {@code ca.crt}), if it can be read. */
    public Optional<X509Certificate> authority() {
        return caCertificates == null ? Optional.empty() : readAll("ca.crt", caCertificates).stream().findFirst();
    }

    /**
     * Why this set cannot be served as it is at {@code now}, or empty when it can: a part missing or
     * unreadable, a key that is not its certificate's, a serving certificate that does not chain to
     * a CA of {@code ca.crt}, misses one of the Service's names, or expires (or its CA expires)
     * within {@code renewBefore}. Messages name the part, never its content.
     */
    public Optional<String> problem(Requirements requirements, Instant now) {
        if (certificate == null || privateKey == null) {
            return Optional.of("it holds no " + (certificate == null ? "tls.crt" : "tls.key"));
        }
        if (caCertificates == null) {
            return Optional.of("it holds no ca.crt, so the CA to trust is unknown");
        }
        List<X509Certificate> chain;
        List<X509Certificate> cas;
        try {
            chain = PemFiles.certificates("tls.crt", ascii(certificate));
            PemFiles.requireMatch(PemFiles.privateKey("tls.key", ascii(privateKey)), chain.get(0), "tls.key", "tls.crt");
            cas = PemFiles.certificates("ca.crt", ascii(caCertificates));
        } catch (PemException e) {
            return Optional.of(e.getMessage());
        }
        X509Certificate leaf = chain.get(0);
        Optional<X509Certificate> anchor = anchor(chain, cas, now);
        if (anchor.isEmpty()) {
            return Optional.of("tls.crt is not valid now or not signed by a CA of ca.crt");
        }
        List<String> missing = new ArrayList<>(requirements.dnsNames());
        missing.removeAll(dnsNames(leaf));
        if (!missing.isEmpty()) {
            return Optional.of("tls.crt does not name " + String.join(", ", missing));
        }
        String window = " (within renewBefore, " + human(requirements.renewBefore()) + ")";
        if (!now.isBefore(leaf.getNotAfter().toInstant().minus(requirements.renewBefore()))) {
            return Optional.of("tls.crt expires at " + leaf.getNotAfter().toInstant() + window);
        }
        if (!now.isBefore(anchor.get().getNotAfter().toInstant().minus(requirements.renewBefore()))) {
            return Optional.of("its CA expires at " + anchor.get().getNotAfter().toInstant() + window);
        }
        return Optional.empty();
    }

    /**
     * A set with a new serving pair. The CA of {@code previous} signs it when it can — its key is
     * there and belongs to it, and it outlives the new certificate — so the caBundle stays as it
     * is. Otherwise a new CA signs it, and the CAs of {@code previous} that are still valid stay in
     * {@code ca.crt} after the new one until they expire: replicas still serving a certificate they
     * signed are trusted until they pick up the new pair.
     *
     * @param previous the set read from the Secret, or null when there was none
     */
    public static CertificateSet renew(CertificateSet previous, Requirements requirements) {
        Instant now = Instant.now();
        Optional<CertificateAuthority> kept = previous == null ? Optional.empty() : previous.reusableAuthority(requirements, now);
        CertificateAuthority ca = kept.orElseGet(() -> CertificateAuthority.generate(
                requirements.service() + "." + requirements.namespace() + " webhook CA", requirements.caValidity()));
        CertAndKey leaf = CertificateBuilder.endEntity(ca).commonName(requirements.dnsNames().get(2))
                .dnsNames(requirements.dnsNames().toArray(String[]::new)).validFor(requirements.validity()).build();
        List<X509Certificate> stillTrusted = previous == null || previous.caCertificates == null ? List.of()
                : readAll("ca.crt", previous.caCertificates).stream()
                .filter(c -> c.getNotAfter().toInstant().isAfter(now)).toList();
        StringBuilder trusted = new StringBuilder();
        if (kept.isEmpty()) {
            trusted.append(ca.certificatePem());
        }
        stillTrusted.forEach(c -> trusted.append(CertAndKey.certificatePem(c)));
        return new CertificateSet(trusted.toString(), ca.signingKeyPem(), leaf.certificatePem(), leaf.privateKeyPem());
    }

    /** The CA of this set, when it can sign a certificate valid for {@code requirements.validity()} from {@code now}. */
    private Optional<CertificateAuthority> reusableAuthority(Requirements requirements, Instant now) {
        if (caKey == null || caCertificates == null) {
            return Optional.empty();
        }
        try {
            X509Certificate first = PemFiles.certificates("ca.crt", ascii(caCertificates)).get(0);
            PrivateKey key = PemFiles.privateKey("ca.key", ascii(caKey));
            PemFiles.requireMatch(key, first, "ca.key", "ca.crt");
            if (first.getNotBefore().toInstant().isAfter(now)
                    || first.getNotAfter().toInstant().isBefore(now.plus(requirements.validity()))) {
                return Optional.empty();
            }
            return Optional.of(new CertificateAuthority(new CertAndKey(first, key)));
        } catch (PemException | IllegalArgumentException e) {
            return Optional.empty(); // unreadable, not a CA, or not its key: a new CA it is
        }
    }

    /** The CA of {@code cas} that the chain leads to, validated as TLS clients do (no revocation data). */
    private static Optional<X509Certificate> anchor(List<X509Certificate> chain, List<X509Certificate> cas, Instant now) {
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            cas.forEach(c -> anchors.add(new TrustAnchor(c, null)));
            List<X509Certificate> path = chain.stream().filter(c -> !cas.contains(c)).toList(); // a chain may end with its root
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            PKIXCertPathValidatorResult result =
                    (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            return Optional.of(result.getTrustAnchor().getTrustedCert());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static List<String> dnsNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans != null) {
                sans.stream().filter(san -> Integer.valueOf(2).equals(san.get(0))).forEach(san -> names.add((String) san.get(1)));
            }
        } catch (GeneralSecurityException e) {
            // an undecodable extension names nothing
        }
        return names;
    }

    /** The certificates of a PEM text, or none when it cannot be read. */
    private static List<X509Certificate> readAll(String name, String pem) {
        try {
            return PemFiles.certificates(name, ascii(pem));
        } catch (PemException e) {
            return List.of();
        }
    }

    private static byte[] ascii(String pem) {
        return pem.getBytes(StandardCharsets.US_ASCII);
    }

    private static String human(Duration d) {
        return d.toSeconds() % 86_400 == 0 ? d.toDays() + (d.toDays() == 1 ? " day" : " days") : d.toSeconds() + "s";
    }

    /** Which parts are present; never their content. */
    @Override
    public String toString() {
        return "CertificateSet[ca.crt " + (caCertificates != null) + ", ca.key " + (caKey != null)
                + ", tls.crt " + (certificate != null) + ", tls.key " + (privateKey != null) + "]";
    }
}
