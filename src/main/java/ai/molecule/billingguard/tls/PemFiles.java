package ai.molecule.billingguard.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a PEM certificate chain and a PEM private key (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE
 * KEY" or SEC1 "EC PRIVATE KEY") into an in-memory PKCS12 {@link KeyStore} for Jetty.
 * Every failure is a {@link PemException} naming the file; no message carries key material.
 */
public final class PemFiles {
    /** Alias of the one key entry in the key stores built here. */
    public static final String ALIAS = "billing-guard";
    /**
     * Password of the key entry. The key store never leaves memory, so this protects nothing; PKCS12
     * and Jetty's KeyManagerFactory simply need one. Give it to {@code setKeyStorePassword}.
     */
    public static final String KEYSTORE_PASSWORD = "in-memory-only";

    private PemFiles() {
    }

    /** The key store of a certificate chain (leaf first) and the leaf's private key. */
    public static KeyStore keyStore(Path certChain, Path key) {
        return keyStore(certChain.toString(), read(certChain), key.toString(), read(key));
    }

    /** When the first certificate of the chain — the server's own — stops being valid. */
    public static Instant notAfter(Path certChain) {
        return certificates(certChain.toString(), read(certChain)).get(0).getNotAfter().toInstant();
    }

    /** The certificates of a PEM file, in file order. */
    public static List<X509Certificate> certificates(Path certChain) {
        return certificates(certChain.toString(), read(certChain));
    }

    /** Same, from bytes already read: the reloader hashes and parses one and the same read. */
    static KeyStore keyStore(String certName, byte[] certPem, String keyName, byte[] keyPem) {
        List<X509Certificate> chain = certificates(certName, certPem);
        PrivateKey key = privateKey(keyName, keyPem);
        requireMatch(key, chain.get(0), keyName, certName);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, KEYSTORE_PASSWORD.toCharArray(), chain.toArray(Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new PemException(keyName + ": cannot build a key store (" + e.getClass().getSimpleName() + ")");
        }
    }

    static List<X509Certificate> certificates(String name, byte[] pem) {
        List<X509Certificate> certificates = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (Object object : objects(name, pem, true)) {
            if (object instanceof X509CertificateHolder holder) {
                try {
                    certificates.add(new JcaX509CertificateConverter().getCertificate(holder));
                } catch (GeneralSecurityException e) {
                    throw new PemException(name + ": certificate " + (certificates.size() + 1)
                            + " cannot be decoded (" + e.getMessage() + ")");
                }
            } else {
                others.add(describe(object)); // a combined cert+key file is fine: the key is skipped
            }
        }
        if (certificates.isEmpty()) {
            throw new PemException(name + ": holds no PEM certificate" + found(others));
        }
        return certificates;
    }

    static PrivateKey privateKey(String name, byte[] pem) {
        List<PrivateKey> keys = new ArrayList<>();
        List<String> others = new ArrayList<>();
        // BouncyCastle names EC keys "ECDSA", a name only its own provider knows; the JDK's is "EC"
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setAlgorithmMapping(X9ObjectIdentifiers.id_ecPublicKey, "EC");
        for (Object object : objects(name, pem, false)) {
            try {
                if (object instanceof PrivateKeyInfo info) {
                    keys.add(converter.getPrivateKey(info));
                } else if (object instanceof PEMKeyPair pair) {
                    keys.add(converter.getPrivateKey(pair.getPrivateKeyInfo())); // the public half is optional in SEC1
                } else if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
                    throw new PemException(name + ": holds an encrypted private key; billing-guard needs it unencrypted");
                } else {
                    others.add(describe(object));
                }
            } catch (IOException e) {
                // BouncyCastle's text may quote the key's structure: say only what kind of failure it was
                throw new PemException(name + ": private key cannot be decoded (unsupported or corrupt key)");
            }
        }
        if (keys.isEmpty()) {
            throw new PemException(name + ": holds no PEM private key" + found(others));
        }
        if (keys.size() > 1) {
            throw new PemException(name + ": holds " + keys.size() + " private keys; expected exactly one");
        }
        return keys.get(0);
    }

    /** Proves the key belongs to the leaf by signing with one and verifying with the other. */
    static void requireMatch(PrivateKey key, X509Certificate leaf, String keyName, String certName) {
        PublicKey publicKey = leaf.getPublicKey();
        String mismatch = keyName + ": private key does not match the first certificate in " + certName
                + " (the server's own certificate must come first)";
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            throw new PemException(mismatch + ": key is " + key.getAlgorithm()
                    + ", certificate is " + publicKey.getAlgorithm());
        }
        String algorithm = SignatureAlgorithms.forKey(key.getAlgorithm()).orElseThrow(
                () -> new PemException(keyName + ": unsupported key algorithm " + key.getAlgorithm()));
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new PemException(mismatch);
            }
        } catch (GeneralSecurityException e) {
            throw new PemException(mismatch + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static List<Object> objects(String name, byte[] pem, boolean quoteParserErrors) {
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                objects.add(o);
            }
        } catch (IOException | RuntimeException e) {
            String detail = quoteParserErrors && e.getMessage() != null
                    ? e.getMessage().lines().findFirst().orElse("") : "truncated or corrupt";
            throw new PemException(name + ": not valid PEM (" + detail + ")");
        }
        return objects;
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PemException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new PemException(file + ": permission denied");
        } catch (IOException e) {
            throw new PemException(file + (Files.isDirectory(file) ? ": is a directory, not a PEM file"
                    : ": cannot read (" + e.getClass().getSimpleName() + ")"));
        }
    }

    private static String describe(Object pemObject) {
        if (pemObject instanceof X509CertificateHolder) {
            return "certificate";
        }
        if (pemObject instanceof PrivateKeyInfo || pemObject instanceof PEMKeyPair) {
            return "private key";
        }
        return pemObject.getClass().getSimpleName();
    }

    private static String found(List<String> others) {
        return others.isEmpty() ? "" : " (found: " + String.join(", ", others) + ")";
    }
}
