package ai.molecule.billingguard.server;

import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.metrics.Metrics;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import org.eclipse.jetty.server.ServerConnector;
import ai.molecule.billingguard.tls.TlsConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTPS webhook port: TLS only (1.2+), HTTP/1.1 keep-alive, {@code POST /mutate} and
 * {@code POST /validate}; every other path gets a 404 Status. Query strings are ignored.
 */
public final class WebhookServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
    /** After the listener closes, an accepted connection with no traffic for this long is closed. */
    private static final Duration SHUTDOWN_IDLE = Duration.ofSeconds(1);

    private final Javalin app;
    private final Drain drain = new Drain();
    private ServerConnector connector;

    public WebhookServer(Config config, String host, ReviewHandler handler, SslContextFactory.Server tls, Metrics metrics) {
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = config.server().maxBodyBytes();
            cfg.jetty.addConnector((server, http) -> {
                http.setSendServerVersion(false);
                connector = TlsConnector.create(server, http, tls, host, config.server().port());
                // The read timeout: a connection that sends nothing for this long is closed. Longer than
                // kube-apiserver's 90s idle keep-alive, so the client, not the server, ends idle connections.
                connector.setIdleTimeout(config.server().idleTimeout().toMillis());
                return connector;
            });
            for (ReviewHandler.Endpoint endpoint : ReviewHandler.Endpoint.values()) {
                cfg.routes.post("/" + endpoint.name().toLowerCase(Locale.ROOT),
                        new AdmissionEndpoint(endpoint, handler, metrics, config.server().maxBodyBytes(), drain));
            }
            cfg.routes.exception(HttpResponseException.class, (e, ctx) ->
                    HttpErrors.send(ctx, e.getStatus(), e.getStatus() == 413 ? "RequestEntityTooLarge" : "BadRequest",
                            e.getMessage()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.atError().addKeyValue("path", ctx.path()).log("unexpected error: " + e.getClass().getSimpleName());
                HttpErrors.send(ctx, 500, "InternalError", "billing-guard failed to answer (" + e.getClass().getSimpleName() + ")");
            });
            cfg.routes.error(404, ctx -> HttpErrors.send(ctx, 404, "NotFound",
                    "no such path " + ctx.path() + ": billing-guard serves POST /mutate and POST /validate"));
        });
    }

    public WebhookServer start() {
        app.start();
        return this;
    }

    public int port() {
        return connector.getLocalPort();
    }

    public boolean draining() {
        return drain.draining();
    }

    /**
     * Graceful stop: answer with {@code Connection: close} for {@code delay} while the endpoints
     * drop this pod, then stop accepting, wait at most {@code timeout} until every connection
     * already accepted has been answered and closed, stop.
     */
    public void shutdown(Duration delay, Duration timeout) throws InterruptedException {
        drain.start();
        LOG.atInfo().addKeyValue("drainSeconds", delay.toSeconds()).log("draining: readiness is false");
        Thread.sleep(delay.toMillis());
        long deadline = System.nanoTime() + timeout.toNanos();
        // Waiting for Drain's in-flight count alone lost requests (ServeProcessIT caught it under
        // load, in 8 of 10 runs): the count drops when the handler returns, before Jetty has
        // written the answer, and it never covered connections accepted just before the listener
        // closed whose request had not reached the handler yet (TLS handshake under way, request
        // bytes still in the socket). Stopping Jetty closed those connections, so clients that had
        // already sent a request got EOF or a broken pipe instead of an answer.
        // Jetty's graceful connector shutdown closes the listener and completes once every accepted
        // connection has closed; each one closes after its answer (Drain adds Connection: close).
        // A connection with no traffic for SHUTDOWN_IDLE is closed by Jetty's idle timeout: an
        // idle keep-alive that saw no request during the whole drain delay, or a client that
        // connected and sent nothing. The idle timeout does not cut a request being handled
        // (WebhookServerShutdownIT: a lookup slower than SHUTDOWN_IDLE is still answered).
        connector.setShutdownIdleTimeout(SHUTDOWN_IDLE.toMillis());
        CompletableFuture<Void> closed = connector.shutdown();
        boolean done;
        try {
            closed.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            done = true;
        } catch (TimeoutException e) {
            done = false;
        } catch (ExecutionException e) {
            LOG.atWarn().log("graceful connector shutdown failed: " + e.getCause().getClass().getSimpleName());
            done = false;
        }
        boolean idle = drain.awaitIdle(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        LOG.atInfo().addKeyValue("inFlight", drain.inFlight())
                .addKeyValue("openConnections", connector.getConnectedEndPoints().size())
                .log(done && idle ? "drained" : "drain timed out");
        app.stop();
    }

    @Override
    public void close() {
        app.stop();
    }
}
