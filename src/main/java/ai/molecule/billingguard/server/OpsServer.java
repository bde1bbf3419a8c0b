package ai.molecule.billingguard.server;

import ai.molecule.billingguard.metrics.Metrics;
import io.javalin.Javalin;

import java.util.List;
import java.util.function.Supplier;

/** The plain-HTTP operations port: {@code /healthz}, {@code /readyz}, {@code /metrics}. */
public final class OpsServer implements AutoCloseable {
    private final Javalin app;

    /**
     * @param notReady why the process is not ready (empty list = ready): TLS not loaded, caches not synced, draining
     */
    public OpsServer(String host, int port, Metrics metrics, Supplier<List<String>> notReady) {
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.jetty.host = host;
            cfg.jetty.port = port;
            cfg.routes.get("/healthz", ctx -> ctx.contentType("text/plain").result("ok\n"));
            cfg.routes.get("/readyz", ctx -> {
                List<String> reasons = notReady.get();
                ctx.contentType("text/plain").status(reasons.isEmpty() ? 200 : 503)
                        .result(reasons.isEmpty() ? "ready\n" : "not ready: " + String.join(", ", reasons) + "\n");
            });
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            cfg.routes.error(404, ctx -> HttpErrors.send(ctx, 404, "NotFound",
                    "no such path " + ctx.path() + ": the ops port serves /healthz, /readyz and /metrics"));
        });
    }

    public OpsServer start() {
        app.start();
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
