package ai.molecule.billingguard.server;

import ai.molecule.billingguard.json.Json;
import io.javalin.http.Context;
import tools.jackson.databind.node.ObjectNode;

/** Well-formed error answers for requests that cannot be answered as an AdmissionReview: a v1 Status. */
final class HttpErrors {
    /** Longest piece of a request quoted in a message (a header value, a path). */
    private static final int MAX_QUOTED = 100;

    private HttpErrors() {
    }

    static void send(Context ctx, int code, String reason, String message) {
        ctx.status(code).contentType("application/json").result(status(code, reason, message));
    }

    /** The v1 Status document, as kube-apiserver reads one. */
    static String status(int code, String reason, String message) {
        ObjectNode status = Json.JSON.createObjectNode();
        status.put("apiVersion", "v1").put("kind", "Status").put("status", "Failure")
                .put("message", message).put("reason", reason).put("code", code);
        return status.toString();
    }

    /** The {@code endpoint} label of a path: {@code mutate}, {@code validate}, or {@code other}. */
    static String endpoint(String path) {
        return "/mutate".equals(path) ? "mutate" : "/validate".equals(path) ? "validate" : "other";
    }

    /** A request's own text, cut short enough to quote in one line. */
    static String clip(String text) {
        String line = text.replaceAll("\\p{Cntrl}", "?");
        return line.length() <= MAX_QUOTED ? line : line.substring(0, MAX_QUOTED) + "...";
    }
}
