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
 * {@code POST /validate}; another method on them gets a 405 Status, every other path a 404 Status,
 * and whatever Jetty refuses by itself (431, 400, ...) a Status too. Query strings are ignored.
 */
public final class WebhookServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
    private static final Logger INTERNAL = LoggerFactory.getLogger("billing-guard.internal");
    /** After the listener closes, an accepted connection with no traffic for this long is closed. */
    private static final Duration SHUTDOWN_IDLE = Duration.ofSeconds(1);

    private final Javalin app;
    private final Drain drain = new Drain();
    private ServerConnector connector;

    public WebhookServer(Config config, String host, ReviewHandler handler, SslContextFactory.Server tls, Metrics metrics) {
        this(config, host, handler::review, BodyBudget.halfTheHeap(config.server().maxBodyBytes()), tls, metrics);
    }

    /** With the reviewer and the large-body budget given: tests put failures and small budgets here. */
    WebhookServer(Config config, String host, AdmissionEndpoint.Reviewer reviewer, BodyBudget budget,
                  SslContextFactory.Server tls, Metrics metrics) {
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = config.server().maxBodyBytes();
            // Another method on /mutate or /validate is 405 (with Allow), not 404.
            cfg.http.prefer405over404 = true;
            cfg.jetty.addConnector((server, http) -> {
                http.setSendServerVersion(false);
                connector = TlsConnector.create(server, http, tls, host, config.server().port());
                // The read timeout: a connection that sends nothing for this long is closed. Longer than
                // kube-apiserver's 90s idle keep-alive, so the client, not the server, ends idle connections.
                connector.setIdleTimeout(config.server().idleTimeout().toMillis());
                return connector;
            });
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new StatusErrorHandler(metrics)));
            for (ReviewHandler.Endpoint endpoint : ReviewHandler.Endpoint.values()) {
                cfg.routes.post("/" + endpoint.name().toLowerCase(Locale.ROOT),
                        new AdmissionEndpoint(endpoint, reviewer, metrics, config.server().maxBodyBytes(), budget, drain));
            }
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> {
                metrics.rejected(HttpErrors.endpoint(ctx.path()), e.getStatus());
                if (e.getStatus() == 405) {
                    ctx.header("Allow", "POST");
                    HttpErrors.send(ctx, 405, "MethodNotAllowed", ctx.method() + " " + HttpErrors.clip(ctx.path())
                            + " is not served: billing-guard serves POST /mutate and POST /validate");
                } else {
                    HttpErrors.send(ctx, e.getStatus(), StatusErrorHandler.reason(e.getStatus()),
                            e.getStatus() == 413 ? "body exceeds the limit of " + config.server().maxBodyBytes() + " bytes"
                                    : HttpErrors.clip(e.getMessage()));
                }
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> internalError(metrics, ctx.path(), e,
                    () -> HttpErrors.send(ctx, 500, "InternalError",
                            "billing-guard failed to answer (" + e.getClass().getSimpleName() + ")")));
            cfg.router.javaLangErrorHandler((response, error) -> internalError(metrics, "other", error, () -> {
                response.setStatus(500);
                response.setContentType("application/json");
                response.getWriter().write(HttpErrors.status(500, "InternalError",
                        "billing-guard failed to answer (" + error.getClass().getSimpleName() + ")"));
            }));
            // Javalin's NotFoundResponse went through the mapper above (and was counted there); this words it.
            cfg.routes.error(404, ctx -> HttpErrors.send(ctx, 404, "NotFound",
                    "no such path " + HttpErrors.clip(ctx.path()) + ": billing-guard serves POST /mutate and POST /validate"));
        });
    }

    /** Outside the admission endpoints (their own failures they answer by uid): answer 500, count, log the stack. */
    private static void internalError(Metrics metrics, String path, Throwable failure, Answer answer) {
        try {
            answer.send();
        } catch (Throwable again) {
            // the 500 could not be written either; the log line still says why
        }
        String endpoint = HttpErrors.endpoint(path);
        metrics.internalError(endpoint);
        INTERNAL.atError().setCause(failure).addKeyValue("endpoint", endpoint).log("internal error: answered 500");
    }

    @FunctionalInterface
    private interface Answer {
        void send() throws Exception;
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
        // Why the connector's graceful shutdown and not the in-flight count: docs/design.md, "Graceful shutdown".
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
