package ai.molecule.billingguard.tls;

import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Serves a PEM certificate and key through a Jetty {@link SslContextFactory.Server} and swaps them
 * in when they change, without dropping a connection. The pair comes from a source polled by
 * content: two files, or a pair another part of the process keeps in memory (self-managed
 * certificates).
 *
 * <p>Files are polled (content hash) rather than watched: a Kubernetes Secret volume updates by
 * swapping a {@code ..data} symlink, which WatchService does not report for the files behind it.
 * A pair that does not load — half written, or a key that is not the certificate's — is not
 * applied: the old certificate stays in service, one warning is logged for that content, and the
 * next change is tried again.
 */
public final class CertificateReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

    private final Supplier<PemPair> source;
    private final SslContextFactory.Server factory;
    private final ScheduledExecutorService poller;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong rejections = new AtomicLong();
    private volatile X509Certificate served;
    // Touched by the poller thread only, after the constructor
    private KeyStore appliedStore;
    private byte[] appliedHash;
    private byte[] rejectedHash;
    private String lastProblem;

    /**
     * A factory for a TLS server socket: TLS 1.2 and 1.3 only, no client certificates, and the
     * password of {@link PemFiles}' in-memory key stores. Give it to this class's constructor.
     */
    public static SslContextFactory.Server serverFactory() {
        SslContextFactory.Server factory = new SslContextFactory.Server();
        factory.setIncludeProtocols("TLSv1.2", "TLSv1.3");
        factory.setNeedClientAuth(false); // kube-apiserver does not present a client certificate by default
        factory.setWantClientAuth(false);
        factory.setKeyStorePassword(PemFiles.KEYSTORE_PASSWORD);
        return factory;
    }

    /**
     * Loads the pair of files into {@code factory} — call it before the server starts — and starts polling them.
     *
     * @throws PemException when the initial pair cannot be used: the server must not start without it
     */
    public CertificateReloader(Path certFile, Path keyFile, SslContextFactory.Server factory, Duration pollInterval) {
        this(() -> PemPair.read(certFile, keyFile), factory, pollInterval);
    }

    /**
     * The same for any source of PEM pairs, asked once now and then every {@code pollInterval}.
     *
     * @param source returns the pair to serve; a {@link PemException} from it keeps the old pair in service
     * @throws PemException when the initial pair cannot be used: the server must not start without it
     */
    public CertificateReloader(Supplier<PemPair> source, SslContextFactory.Server factory, Duration pollInterval) {
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("poll interval must be positive, got " + pollInterval);
        }
        this.source = source;
        this.factory = factory;
        PemPair pair = source.get();
        KeyStore store = keyStore(pair);
        if (factory.isStarted()) {
            apply(store);
        } else {
            factory.setKeyStorePassword(PemFiles.KEYSTORE_PASSWORD);
            factory.setKeyStore(store);
        }
        appliedStore = store;
        appliedHash = hash(pair);
        served = leaf(store);
        LOG.info("TLS certificate loaded from {}: {}", pair.certificateName(), describe(served));

        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tls-certificate-reloader");
            t.setDaemon(true);
            return t;
        });
        long millis = pollInterval.toMillis();
        poller.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** When the certificate in service stops being valid (for a metric or an expiry alert). */
    public Instant notAfter() {
        return served.getNotAfter().toInstant();
    }

    /** The certificate in service. */
    public X509Certificate certificate() {
        return served;
    }

    /** How many times a changed pair was put into service (the initial load not counted). */
    public long reloads() {
        return reloads.get();
    }

    /** How many changed pairs were refused and left the old certificate in service. */
    public long rejections() {
        return rejections.get();
    }

    @Override
    public void close() {
        poller.shutdownNow();
        try {
            poller.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void poll() {
        try {
            PemPair pair;
            try {
                pair = source.get();
            } catch (PemException e) {
                reject(null, e.getMessage()); // mid-swap or deleted; the next poll reads again
                return;
            }
            byte[] hash = hash(pair);
            if (Arrays.equals(hash, appliedHash) || Arrays.equals(hash, rejectedHash)) {
                return; // unchanged, or the same bytes that already failed
            }
            KeyStore store;
            try {
                store = keyStore(pair);
            } catch (PemException e) {
                reject(hash, e.getMessage());
                return;
            }
            apply(store);
            appliedStore = store;
            appliedHash = hash;
            rejectedHash = null;
            lastProblem = null;
            served = leaf(store);
            reloads.incrementAndGet();
            LOG.info("TLS certificate reloaded from {}: {}", pair.certificateName(), describe(served));
        } catch (RuntimeException e) {
            // never let an exception end the schedule; the bytes are retried on the next poll
            reject(null, "reload failed: " + e.getClass().getSimpleName());
        }
    }

    /** Swaps the key store; new handshakes use it, established connections keep theirs. */
    private void apply(KeyStore store) {
        try {
            factory.reload(f -> f.setKeyStore(store));
        } catch (Exception e) {
            // Jetty has dropped its SSLContext: put the previous one back so the server keeps serving
            if (appliedStore != null) {
                try {
                    factory.reload(f -> f.setKeyStore(appliedStore));
                } catch (Exception restore) {
                    e.addSuppressed(restore);
                }
            }
            throw new IllegalStateException("Jetty refused the new key store: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * Records a refused pair. Logs one line per distinct content (or per distinct problem when the
     * files could not even be read), so a pair left broken does not flood the log every poll.
     */
    private void reject(byte[] hash, String problem) {
        boolean known = hash == null ? problem.equals(lastProblem) : Arrays.equals(hash, rejectedHash);
        rejectedHash = hash;
        lastProblem = problem;
        if (!known) {
            rejections.incrementAndGet();
            LOG.warn("TLS certificate not reloaded, still serving {}: {}", describe(served), problem);
        }
    }

    private static KeyStore keyStore(PemPair pair) {
        return PemFiles.keyStore(pair.certificateName(), pair.certificate(), pair.privateKeyName(), pair.privateKey());
    }

    private static byte[] hash(PemPair pair) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(pair.certificate());
            digest.update((byte) 0); // a boundary, so moving bytes between the files changes the hash
            digest.update(pair.privateKey());
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static X509Certificate leaf(KeyStore store) {
        try {
            return (X509Certificate) store.getCertificate(PemFiles.ALIAS);
        } catch (KeyStoreException e) {
            throw new IllegalStateException("key store built by PemFiles has no entry " + PemFiles.ALIAS, e);
        }
    }

    private static String describe(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName() + " serial "
                + certificate.getSerialNumber().toString(16) + " valid until " + certificate.getNotAfter().toInstant();
    }
}
