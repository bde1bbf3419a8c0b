package ai.molecule.billingguard.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/** TLS client contexts for tests and the load harness: they trust one CA and nothing else. */
public final class Trust {
    private Trust() {
    }

    /** A fresh context per call: no TLS session cache carries an old certificate into a probe. */
    public static SSLContext trusting(X509Certificate ca) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same, for a CA certificate in a PEM file (what {@code serve --dev} prints the path of). */
    public static SSLContext trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            return trusting((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
