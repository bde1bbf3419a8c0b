package ai.molecule.billingguard.pki;

import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.tls.CertificateSet;
import ai.molecule.billingguard.tls.PemPair;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * serve's self-managed TLS: billing-guard keeps its own CA and serving certificate in a Secret
 * and puts the CA into the webhook configurations' {@code caBundle}, so nothing else needs to be
 * installed.
 *
 * <p>Every replica runs the same pass, at start-up and then every {@link Settings#checkInterval}:
 * read the Secret; if it is missing, create it with a new CA and certificate; if its certificate
 * cannot be served (see {@link CertificateSet#problem}) or is due for renewal, replace it; then set
 * the {@code caBundle} wherever it differs, and serve the Secret's pair. Replicas converge without
 * leader election because every write is optimistic: a create that finds the Secret already there
 * (HTTP 409), or a replace whose {@code resourceVersion} is no longer current (HTTP 409), means
 * another replica won, and the pass reads the Secret again and uses the winner's pair. A pair
 * another replica wrote later is picked up on the next pass.
 *
 * <p>Private keys live only in the Secret and in this process: never in a file, a log line or a
 * message.
 */
public final class SelfManagedCertificates implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SelfManagedCertificates.class);
    /** How often a replica reads the Secret and the webhook configurations again. */
    public static final Duration CHECK_INTERVAL = Duration.ofSeconds(10);
    /** Lost races in one pass before it gives up until the next one (it never should need more than one). */
    private static final int MAX_RACES = 5;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /**
     * @param namespace     where the Secret and the Service live
     * @param checkInterval time between two passes once started
     */
    public record Settings(String namespace, String secretName, String mutatingWebhook, String validatingWebhook,
                           CertificateSet.Requirements requirements, Duration checkInterval) {

        /** From the config's {@code selfManaged} section, in the namespace already resolved. */
        public static Settings of(Config.SelfManaged config, String namespace) {
            return new Settings(namespace, config.secretName(), config.mutatingWebhook(), config.validatingWebhook(),
                    new CertificateSet.Requirements(config.service(), namespace, Duration.ofDays(config.validityDays()),
                            Duration.ofDays(config.renewBeforeDays())), CHECK_INTERVAL);
        }
    }

    private final Settings settings;
    private final TlsSecret secret;
    private final CaBundles caBundles;
    private final ScheduledExecutorService checker;
    private volatile CertificateSet current;
    private volatile String problem = "the Secret has not been read yet";
    private String lastLogged;

    public SelfManagedCertificates(KubernetesClient client, Settings settings) {
        this.settings = settings;
        this.secret = new TlsSecret(client, settings.namespace(), settings.secretName());
        this.caBundles = new CaBundles(client, settings.mutatingWebhook(), settings.validatingWebhook());
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "self-managed-tls");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs the first pass, retrying it with back-off until it succeeds, then schedules the others.
     *
     * @throws InputException when RBAC refuses a call: no retry can help, the operator must fix the Role
     */
    public void start() throws InterruptedException {
        Duration backoff = Duration.ofSeconds(1);
        while (true) {
            try {
                reconcile();
                problem = null;
                break;
            } catch (ApiCallException e) {
                if (e.forbidden()) {
                    throw new InputException(e.getMessage());
                }
                problem = e.getMessage();
                LOG.warn("{}; retrying in {}s", e.getMessage(), backoff.toSeconds());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        long millis = settings.checkInterval().toMillis();
        checker.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** The pair to serve, for {@code CertificateReloader}; only after {@link #start} has returned. */
    public PemPair servingPair() {
        return Objects.requireNonNull(current, "start() has not succeeded").servingPair(secret.describe());
    }

    /** The set in service, or null before {@link #start} has returned. */
    public CertificateSet current() {
        return current;
    }

    /** Why there is no certificate to serve yet (for {@code /readyz}); empty once there is one. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    @Override
    public void close() {
        checker.shutdownNow();
        try {
            checker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A scheduled pass: a failure leaves the pair in service as it is, and the next pass tries again. */
    private void check() {
        try {
            reconcile();
            if (lastLogged != null) {
                LOG.info("self-managed TLS: the Secret and the caBundles are in order again");
                lastLogged = null;
            }
        } catch (ApiCallException e) {
            report(e.getMessage() + "; the certificate in service stays, next try in " + settings.checkInterval().toSeconds() + "s",
                    e.forbidden());
        } catch (RuntimeException e) {
            report("self-managed TLS: check failed (" + e.getClass().getSimpleName() + ")", true);
        }
    }

    /** Logs a failure once, not again every pass while it lasts. */
    private void report(String message, boolean error) {
        if (!message.equals(lastLogged)) {
            (error ? LOG.atError() : LOG.atWarn()).log(message);
            lastLogged = message;
        }
    }

    private synchronized void reconcile() {
        CertificateSet set = ensureSecret();
        // Trust first, then serve: a new CA must be in the caBundle before a certificate it signed is served
        caBundles.ensure(set.caBundle());
        serve(set);
    }

    /** Makes the Secret hold a set that can be served, and returns that set. */
    private CertificateSet ensureSecret() {
        for (int race = 0; race < MAX_RACES; race++) {
            Secret stored = secret.read();
            if (stored == null) {
                CertificateSet fresh = CertificateSet.renew(null, settings.requirements());
                if (secret.create(fresh)) {
                    LOG.info("created {} with a new CA and serving certificate", secret.describe());
                    return fresh;
                }
                LOG.info("{} was created by another replica meanwhile: using its certificate", secret.describe());
                continue;
            }
            CertificateSet set = TlsSecret.certificateSet(stored);
            Optional<String> due = set.problem(settings.requirements(), Instant.now());
            if (due.isEmpty()) {
                return set;
            }
            CertificateSet renewed = CertificateSet.renew(set, settings.requirements());
            if (secret.replace(stored, renewed)) {
                boolean sameCa = renewed.authority().equals(set.authority());
                LOG.info("renewed the certificate in {} ({}) because {}", secret.describe(),
                        sameCa ? "same CA" : "new CA, the old one stays trusted until it expires", due.get());
                return renewed;
            }
            LOG.info("{} was changed by another replica meanwhile: reading it again", secret.describe());
        }
        throw ApiCallException.of(secret.describe() + " kept changing while billing-guard renewed it");
    }

    private void serve(CertificateSet set) {
        CertificateSet before = current;
        if (before != null && before.certificate().equals(set.certificate())) {
            return;
        }
        current = set;
        X509Certificate leaf = set.leaf();
        LOG.atInfo().addKeyValue("serial", leaf.getSerialNumber().toString(16))
                .addKeyValue("notAfter", leaf.getNotAfter().toInstant().toString())
                .log("serving the certificate of " + secret.describe());
    }
}
