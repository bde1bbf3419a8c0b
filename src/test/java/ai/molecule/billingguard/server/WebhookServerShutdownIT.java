package ai.molecule.billingguard.server;

import ai.molecule.billingguard.metrics.Metrics;
import ai.molecule.billingguard.tls.Trust;
import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.policy.FactsSource;
import ai.molecule.billingguard.cluster.LocalFacts;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.json.Json;
import ai.molecule.billingguard.policy.PodPolicy;
import ai.molecule.billingguard.tls.CertificateReloader;
import ai.molecule.billingguard.tls.ServingCertificates;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link WebhookServer#shutdown} in-process: a request that is slower than the shutdown idle
 * timeout (a cluster lookup taking its time) is still answered when SIGTERM arrives mid-request.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebhookServerShutdownIT {
    private static final Duration SLOW_LOOKUP = Duration.ofMillis(1_500); // longer than WebhookServer's 1 s shutdown idle

    @TempDir
    Path dir;

    private WebhookServer server;
    private CertificateReloader reloader;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        if (reloader != null) {
            reloader.close();
        }
    }

    @Test
    void a_request_in_flight_at_shutdown_is_answered_with_connection_close() throws Exception {
        Config config = ConfigLoader.load(Map.of(Knob.HOST, "127.0.0.1", Knob.PORT, "0"), Optional.empty(), Map.of());
        ServingCertificates.IssuedFiles certs = ServingCertificates.write(dir.resolve("tls"), "test CA", "localhost",
                List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1), false);
        SslContextFactory.Server tls = CertificateReloader.serverFactory();
        reloader = new CertificateReloader(certs.certificate(), certs.privateKey(), tls, Duration.ofMinutes(1));
        LocalFacts local = LocalFacts.load(Path.of("examples"), config.policy());
        CountDownLatch entered = new CountDownLatch(1);
        FactsSource slow = (namespace, secret, refs) -> {
            entered.countDown();
            try {
                Thread.sleep(SLOW_LOOKUP.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return local.facts(namespace, secret, refs);
        };
        server = new WebhookServer(config, "127.0.0.1", new ReviewHandler(new PodPolicy(config.policy()), slow), tls,
                new Metrics()).start();
        int port = server.port();

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(Trust.trusting(certs.ca())).build();
        ObjectNode review = (ObjectNode) Json.JSON.readTree(Files.readString(Path.of("examples/admission/pod-create.json")));
        ((ObjectNode) review.get("request")).put("uid", "in-flight-at-shutdown");
        URI mutate = URI.create("https://127.0.0.1:" + port + "/mutate");
        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(HttpRequest.newBuilder(mutate)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(review.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("the request reached the handler").isTrue();

        Thread stopper = new Thread(() -> {
            try {
                server.shutdown(Duration.ZERO, Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown");
        stopper.start();

        HttpResponse<String> response = answer.get(20, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = Json.JSON.readTree(response.body());
        assertThat(body.path("response").path("uid").asString()).isEqualTo("in-flight-at-shutdown");
        assertThat(body.path("response").path("allowed").asBoolean()).isTrue();
        assertThat(response.headers().allValues("connection")).contains("close");

        stopper.join(15_000);
        assertThat(stopper.isAlive()).as("shutdown returned").isFalse();
        assertThatThrownBy(() -> HttpClient.newBuilder().sslContext(Trust.trusting(certs.ca())).build()
                .send(HttpRequest.newBuilder(mutate).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.discarding()))
                .as("the listener is closed").isInstanceOf(ConnectException.class);
    }

}
