package ai.molecule.billingguard.tls;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.PKCS8Generator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PemFilesTest {
    private static CertificateAuthority ca;
    private static CertAndKey rsa;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() {
        ca = CertificateAuthority.generate("test-ca", Duration.ofDays(1));
        rsa = CertificateBuilder.endEntity(ca).dnsNames("billing-guard").build();
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    /** Traditional OpenSSL encoding: PKCS#1 for RSA, SEC1 for EC. */
    private static String traditional(PrivateKey key) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(key);
        }
        return text.toString();
    }

    /** The entry holds the certificate and a key (that it is the certificate's key, PemFiles proved by signing). */
    private static void assertLoads(KeyStore store, CertAndKey expected) throws Exception {
        assertThat(store.getCertificate(PemFiles.ALIAS)).isEqualTo(expected.certificate());
        assertThat(store.getKey(PemFiles.ALIAS, PemFiles.KEYSTORE_PASSWORD.toCharArray()).getAlgorithm())
                .isEqualTo(expected.privateKey().getAlgorithm());
    }

    @Test
    void reads_a_pkcs8_key() throws Exception {
        assertThat(rsa.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertLoads(PemFiles.keyStore(file("tls.crt", rsa.certificatePem()), file("tls.key", rsa.privateKeyPem())), rsa);
    }

    @Test
    void reads_a_pkcs1_rsa_key() throws Exception {
        String pkcs1 = traditional(rsa.privateKey());
        assertThat(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertLoads(PemFiles.keyStore(file("tls.crt", rsa.certificatePem()), file("tls.key", pkcs1)), rsa);
    }

    @Test
    void reads_ec_keys_in_sec1_even_after_ec_parameters_and_in_pkcs8() throws Exception {
        // BouncyCastle's EC keys encode their curve and public point the way `openssl ecparam -genkey` does
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", new BouncyCastleProvider());
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        CertAndKey ec = CertificateBuilder.endEntity(ca).dnsNames("billing-guard").keyPair(keys).build();
        String sec1 = traditional(keys.getPrivate());
        assertThat(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----");
        // `openssl ecparam -genkey` writes an EC PARAMETERS block first
        String withParameters = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + sec1;
        assertLoads(PemFiles.keyStore(file("tls.crt", ec.certificatePem()), file("tls.key", withParameters)), ec);
        assertLoads(PemFiles.keyStore(file("tls.crt", ec.certificatePem()), file("pkcs8.key", ec.privateKeyPem())), ec);
    }

    @Test
    void an_ed25519_key_is_proven_to_match_its_certificate_and_a_foreign_one_is_refused() throws Exception {
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        CertAndKey leaf = CertificateBuilder.endEntity(ca).dnsNames("billing-guard").keyPair(ed).build();
        assertLoads(PemFiles.keyStore(file("ed.crt", leaf.certificatePem()), file("ed.key", leaf.privateKeyPem())), leaf);

        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        PemException e = catchThrowableOfType(PemException.class, () -> PemFiles.keyStore(file("ed.crt", leaf.certificatePem()),
                file("other.key", new CertAndKey(leaf.certificate(), other.getPrivate()).privateKeyPem())));
        assertThat(e).hasMessageContaining("private key does not match the first certificate");
    }

    @Test
    void keeps_the_whole_chain_leaf_first_and_reports_the_leaf_expiry() throws Exception {
        Path chain = file("tls.crt", rsa.certificatePem() + ca.certificatePem());
        KeyStore store = PemFiles.keyStore(chain, file("tls.key", rsa.privateKeyPem()));
        assertThat(store.getCertificateChain(PemFiles.ALIAS)).containsExactly(rsa.certificate(), ca.certificate());
        assertThat(PemFiles.notAfter(chain)).isEqualTo(rsa.certificate().getNotAfter().toInstant());
    }

    @Test
    void accepts_one_combined_file_for_certificate_and_key() throws Exception {
        Path both = file("tls.pem", rsa.certificatePem() + rsa.privateKeyPem());
        assertLoads(PemFiles.keyStore(both, both), rsa);
    }

    @Test
    void errors_name_the_file_and_the_problem_on_one_line_without_key_material() throws Exception {
        Path cert = file("tls.crt", rsa.certificatePem());
        Path key = file("tls.key", rsa.privateKeyPem());
        Path otherKey = file("other.key", CertificateBuilder.endEntity(ca).dnsNames("x").build().privateKeyPem());
        String half = rsa.privateKeyPem().substring(0, rsa.privateKeyPem().length() / 2);

        assertError(() -> PemFiles.keyStore(dir.resolve("missing.crt"), key), dir.resolve("missing.crt") + ": no such file");
        assertError(() -> PemFiles.keyStore(cert, dir.resolve("missing.key")), dir.resolve("missing.key") + ": no such file");
        assertError(() -> PemFiles.keyStore(file("empty.crt", ""), key), dir.resolve("empty.crt") + ": holds no PEM certificate");
        assertError(() -> PemFiles.keyStore(key, key), key + ": holds no PEM certificate (found: private key)");
        assertError(() -> PemFiles.keyStore(cert, cert), cert + ": holds no PEM private key (found: certificate)");
        assertError(() -> PemFiles.keyStore(cert, file("garbage.key", "garbage\n")), dir.resolve("garbage.key") + ": holds no PEM private key");
        assertError(() -> PemFiles.keyStore(cert, file("half.key", half)), dir.resolve("half.key") + ": not valid PEM (truncated or corrupt)");
        assertError(() -> PemFiles.keyStore(cert, file("bad.key", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")),
                dir.resolve("bad.key") + ": ");
        assertError(() -> PemFiles.keyStore(cert, otherKey),
                otherKey + ": private key does not match the first certificate in " + cert);
        assertError(() -> PemFiles.keyStore(file("ca-first.crt", ca.certificatePem() + rsa.certificatePem()), key),
                key + ": private key does not match the first certificate in " + dir.resolve("ca-first.crt"));
        assertError(() -> PemFiles.keyStore(cert, file("two.key", rsa.privateKeyPem() + rsa.privateKeyPem())),
                dir.resolve("two.key") + ": holds 2 private keys; expected exactly one");

        String encrypted = pem(new JcaPKCS8Generator(rsa.privateKey(),
                new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(new BouncyCastleProvider()).setPassword("pw".toCharArray()).build()));
        assertError(() -> PemFiles.keyStore(cert, file("enc.key", encrypted)),
                dir.resolve("enc.key") + ": holds an encrypted private key; billing-guard needs it unencrypted");
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }

    private static void assertError(ThrowingCallable call, String expectedStart) {
        PemException e = catchThrowableOfType(PemException.class, call);
        assertThat(e).as("expected a PemException starting with %s", expectedStart).isNotNull();
        String key = Base64.getEncoder().encodeToString(rsa.privateKey().getEncoded());
        assertThat(e.getMessage()).startsWith(expectedStart).doesNotContain("\n").doesNotContain("-----")
                .doesNotContain(key.substring(40, 60));
    }
}
