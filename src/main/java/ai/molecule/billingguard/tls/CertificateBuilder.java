package ai.molecule.billingguard.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * Builds a root CA or a TLS serving certificate signed by one, with BouncyCastle.
 *
 * <pre>
 * CertificateAuthority ca = CertificateAuthority.generate("billing-guard-ca", Duration.ofDays(365));
 * CertAndKey tls = CertificateBuilder.endEntity(ca)
 *         .dnsNames("billing-guard.molecule-system.svc").ipAddresses("127.0.0.1")
 *         .validFor(Duration.ofDays(365)).build();
 * </pre>
 *
 * Keys are RSA 2048 unless {@link #keyPair} supplies another: the keyUsage of a serving
 * certificate (digitalSignature + keyEncipherment) is defined for RSA keys only (RFC 5480 forbids
 * keyEncipherment on EC keys), RSA 2048 is what kubeadm and cert-manager issue by default, and
 * every TLS client verifies it. Its costs — a slower key generation and handshake than EC P-256 —
 * do not matter at admission-webhook request rates.
 */
public final class CertificateBuilder {
    /** Generated certificates start a little in the past: clocks of the issuer and the client differ. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CertificateAuthority issuer; // null: self-signed root CA
    private String commonName;
    private final List<String> dnsNames = new ArrayList<>();
    private final List<String> ipAddresses = new ArrayList<>();
    private Instant notBefore;
    private Instant notAfter;
    private KeyPair keyPair;

    private CertificateBuilder(CertificateAuthority issuer, String commonName) {
        this.issuer = issuer;
        this.commonName = commonName;
        validFor(Duration.ofDays(365));
    }

    /** A self-signed root: CA:true (path length 0: it signs serving certificates only), keyCertSign. */
    public static CertificateBuilder rootCa(String commonName) {
        return new CertificateBuilder(null, requireText(commonName, "common name"));
    }

    /** A serving certificate signed by {@code ca}: CA:false, serverAuth, names given as SANs. */
    public static CertificateBuilder endEntity(CertificateAuthority ca) {
        if (ca == null) {
            throw new IllegalArgumentException("an end-entity certificate needs a CA");
        }
        return new CertificateBuilder(ca, null);
    }

    /** Subject CN; for an end entity it defaults to the first DNS name (clients match SANs, not the CN). */
    public CertificateBuilder commonName(String commonName) {
        this.commonName = requireText(commonName, "common name");
        return this;
    }

    public CertificateBuilder dnsNames(String... names) {
        for (String name : names) {
            dnsNames.add(requireText(name, "DNS name"));
        }
        return this;
    }

    /** IPv4 or IPv6 literals, e.g. {@code 127.0.0.1}. */
    public CertificateBuilder ipAddresses(String... addresses) {
        for (String address : addresses) {
            new GeneralName(GeneralName.iPAddress, requireText(address, "IP address")); // rejects non-literals
            ipAddresses.add(address);
        }
        return this;
    }

    /** Valid from a few minutes ago (clock skew) until {@code validity} from now. */
    public CertificateBuilder validFor(Duration validity) {
        if (validity == null || validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive, got " + validity);
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return validity(now.minus(CLOCK_SKEW), now.plus(validity));
    }

    public CertificateBuilder validity(Instant notBefore, Instant notAfter) {
        if (!notBefore.isBefore(notAfter)) {
            throw new IllegalArgumentException("notBefore " + notBefore + " is not before notAfter " + notAfter);
        }
        this.notBefore = notBefore;
        this.notAfter = notAfter;
        return this;
    }

    /** Use this key pair instead of a fresh RSA 2048 one (an EC key gets keyUsage digitalSignature only). */
    public CertificateBuilder keyPair(KeyPair keyPair) {
        this.keyPair = keyPair;
        return this;
    }

    public CertAndKey build() {
        boolean ca = issuer == null;
        if (!ca && dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            throw new IllegalStateException("a serving certificate needs at least one DNS name or IP address");
        }
        try {
            KeyPair keys = keyPair != null ? keyPair : newRsaKeyPair();
            String cn = commonName != null ? commonName : dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0);
            X500Principal subject = new X500Principal(name(cn).getEncoded());
            X500Principal issuerName = ca ? subject : issuer.certificate().getSubjectX500Principal();
            PrivateKey signingKey = ca ? keys.getPrivate() : issuer.signingKey();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();

            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, serial(),
                    Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            if (ca) {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
            } else {
                b.addExtension(Extension.authorityKeyIdentifier, false,
                        ext.createAuthorityKeyIdentifier(issuer.certificate()));
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                boolean rsa = "RSA".equals(keys.getPublic().getAlgorithm());
                b.addExtension(Extension.keyUsage, true, new KeyUsage(rsa
                        ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                b.addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames());
            }
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(signatureAlgorithm(signingKey)).build(signingKey)));
            return new CertAndKey(certificate, keys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot build certificate for " + commonName + ": " + e.getMessage(), e);
        }
    }

    private GeneralNames subjectAlternativeNames() {
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        ipAddresses.forEach(a -> names.add(new GeneralName(GeneralName.iPAddress, a)));
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    /** Positive, unique in practice: 127 random bits (RFC 5280 allows up to 20 octets). */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static KeyPair newRsaKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, RANDOM);
        return generator.generateKeyPair();
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return SignatureAlgorithms.forKey(key.getAlgorithm()).orElseThrow(
                () -> new IllegalArgumentException("unsupported signing key algorithm " + key.getAlgorithm()));
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }
}
