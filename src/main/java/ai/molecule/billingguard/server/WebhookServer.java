package ai.molecule.billingguard.server;

import ai.molecule.billingguard.admission.ReviewHandler;
import ai.molecule.billingguard.config.Config;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import org.eclipse.jetty.server.ServerConnector;
import ai.molecule.billingguard.tls.TlsConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;

/**
 * The HTTPS webhook port: TLS only (1.2+), HTTP/1.1 keep-alive, {@code POST /mutate} and
 * {@code POST /validate}; every other path gets a 404 Status. Query strings are ignored.
 */
public final class WebhookServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);

    private final Javalin app;
    private final Drain drain = new Drain();
    private ServerConnector connector;

    public WebhookServer(Config config, String host, ReviewHandler handler, SslContextFactory.Server tls, Metrics metrics) {
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            cfg.jetty.addConnector((server, http) -> {
                http.setSendServerVersion(false);
                connector = TlsConnector.create(server, http, tls, host, config.port());
                // The read timeout: a connection that sends nothing for this long is closed. Longer than
                // kube-apiserver's 90s idle keep-alive, so the client, not the server, ends idle connections.
                connector.setIdleTimeout(config.idleTimeout().toMillis());
                return connector;
            });
            for (ReviewHandler.Endpoint endpoint : ReviewHandler.Endpoint.values()) {
                cfg.routes.post("/" + endpoint.name().toLowerCase(Locale.ROOT),
                        new AdmissionEndpoint(endpoint, handler, metrics, config.maxBodyBytes(), drain));
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
     * drop this pod, then stop accepting, wait for requests in flight at most {@code timeout}, stop.
     */
    public void shutdown(Duration delay, Duration timeout) throws InterruptedException {
        drain.start();
        LOG.atInfo().addKeyValue("drainSeconds", delay.toSeconds()).log("draining: readiness is false");
        Thread.sleep(delay.toMillis());
        connector.close();
        boolean idle = drain.awaitIdle(timeout);
        LOG.atInfo().addKeyValue("inFlight", drain.inFlight()).log(idle ? "drained" : "drain timed out");
        app.stop();
    }

    @Override
    public void close() {
        app.stop();
    }
}
