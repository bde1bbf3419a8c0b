package ai.molecule.billingguard.server;

import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.tls.Trust;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.policy.PodPolicy;
import ai.molecule.billingguard.tls.CertAndKey;
import ai.molecule.billingguard.tls.CertificateAuthority;
import ai.molecule.billingguard.tls.CertificateBuilder;
import ai.molecule.billingguard.tls.CertificateReloader;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The webhook and ops servers as {@code serve} wires them, in-process on 127.0.0.1 with free ports,
 * a CA of the test's own, and JDK HTTPS clients that trust only that CA.
 */
final class WebhookFixture implements AutoCloseable {
    final CertificateAuthority ca = CertificateAuthority.generate("test CA", Duration.ofDays(1));
    final Path dir;
    final Path cert;
    final Path key;
    final Metrics metrics = new Metrics();
    final CertificateReloader reloader;
    final WebhookServer webhook;
    final OpsServer ops;
    final HttpClient client;

    WebhookFixture(Path dir, FactsSource facts, Map<Knob, String> settings) throws Exception {
        this(dir, facts, settings, reviewer -> reviewer, null);
    }

    /**
     * @param wrap   what answers in place of the real handler, given the real one (tests inject failures)
     * @param budget the large-body budget, or null for serve's own (half the heap)
     */
    WebhookFixture(Path dir, FactsSource facts, Map<Knob, String> settings,
                   UnaryOperator<AdmissionEndpoint.Reviewer> wrap, BodyBudget budget) throws Exception {
        this.dir = dir;
        this.cert = dir.resolve("tls.crt");
        this.key = dir.resolve("tls.key");
        rotate();
        Map<Knob, String> flags = new java.util.HashMap<>(Map.of(Knob.HOST, "127.0.0.1", Knob.PORT, "0",
                Knob.OPS_PORT, "0"));
        flags.putAll(settings);
        Config config = ConfigLoader.load(flags, Optional.empty(), Map.of());
        SslContextFactory.Server tls = CertificateReloader.serverFactory();
        reloader = new CertificateReloader(cert, key, tls, Duration.ofMillis(100));
        metrics.certificateNotAfter(reloader::notAfter);
        ReviewHandler handler = new ReviewHandler(new PodPolicy(config.policy()), facts);
        webhook = new WebhookServer(config, "127.0.0.1", wrap.apply(handler::review),
                budget != null ? budget : BodyBudget.halfTheHeap(config.server().maxBodyBytes()), tls, metrics).start();
        ops = new OpsServer("127.0.0.1", 0, metrics,
                () -> webhook.draining() ? List.of("shutting down") : List.of()).start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trusting())
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Writes a fresh serving certificate from the same CA (a new serial), as cert-manager would. */
    CertAndKey rotate() throws Exception {
        CertAndKey pair = CertificateBuilder.endEntity(ca).commonName("localhost").dnsNames("localhost")
                .ipAddresses("127.0.0.1").validFor(Duration.ofHours(1)).build();
        Path tmpCert = dir.resolve("tls.crt.tmp");
        Path tmpKey = dir.resolve("tls.key.tmp");
        Files.writeString(tmpCert, pair.certificatePem());
        Files.writeString(tmpKey, pair.privateKeyPem());
        Files.move(tmpKey, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmpCert, cert, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return pair;
    }

    SSLContext trusting() {
        return Trust.trusting(ca.certificate());
    }

    URI webhook(String path) {
        return URI.create("https://127.0.0.1:" + webhook.port() + path);
    }

    URI ops(String path) {
        return URI.create("http://127.0.0.1:" + ops.port() + path);
    }

    HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(webhook(path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(URI uri) throws Exception {
        HttpClient http = uri.getScheme().equals("https") ? client : HttpClient.newHttpClient();
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        webhook.close();
        ops.close();
        reloader.close();
    }
}
