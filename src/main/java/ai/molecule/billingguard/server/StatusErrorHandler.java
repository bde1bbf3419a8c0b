package ai.molecule.billingguard.server;

import ai.molecule.billingguard.metrics.Metrics;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The answers Jetty gives by itself, before a request reaches Javalin (a header block over the
 * limit: 431, a malformed request line or URI: 400, and the like), as a v1 Status JSON instead of
 * Jetty's HTML page. The message is the standard reason phrase: Jetty's own text may quote input.
 */
final class StatusErrorHandler extends ErrorHandler {
    private static final Logger LOG = LoggerFactory.getLogger("billing-guard.internal");
    /** Kubernetes' Status reasons where one fits; the reason phrase without spaces otherwise. */
    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(400, "BadRequest"), Map.entry(404, "NotFound"), Map.entry(405, "MethodNotAllowed"),
            Map.entry(408, "Timeout"), Map.entry(413, "RequestEntityTooLarge"), Map.entry(415, "UnsupportedMediaType"),
            Map.entry(429, "TooManyRequests"), Map.entry(500, "InternalError"), Map.entry(503, "ServiceUnavailable"));

    private final Metrics metrics;

    StatusErrorHandler(Metrics metrics) {
        this.metrics = metrics;
        setShowStacks(false);
        setShowCauses(false);
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return !"HEAD".equals(method);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        String endpoint = HttpErrors.endpoint(request.getHttpURI() == null ? null : request.getHttpURI().getPath());
        metrics.rejected(endpoint, code);
        if (code >= 500 && cause != null) {
            metrics.internalError(endpoint);
            LOG.atError().setCause(cause).addKeyValue("endpoint", endpoint).addKeyValue("code", code)
                    .log("internal error: answered by the HTTP server");
        }
        String text = "billing-guard could not handle this HTTP request: " + HttpStatus.getMessage(code);
        if (code == HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431) {
            text += " (the limit is " + request.getConnectionMetaData().getHttpConfiguration().getRequestHeaderSize()
                    + " bytes of request line and headers)";
        }
        byte[] body = HttpErrors.status(code, reason(code), text).getBytes(StandardCharsets.UTF_8);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    static String reason(int code) {
        String reason = REASONS.get(code);
        return reason != null ? reason : HttpStatus.getMessage(code).replaceAll("[^A-Za-z]", "");
    }
}
