package ai.molecule.billingguard.server;

import ai.molecule.billingguard.json.Json;
import io.javalin.http.Context;
import tools.jackson.databind.node.ObjectNode;

/** Well-formed error answers for requests that cannot be answered as an AdmissionReview: a v1 Status. */
final class HttpErrors {
    private HttpErrors() {
    }

    static void send(Context ctx, int code, String reason, String message) {
        ObjectNode status = Json.JSON.createObjectNode();
        status.put("apiVersion", "v1").put("kind", "Status").put("status", "Failure")
                .put("message", message).put("reason", reason).put("code", code);
        ctx.status(code).contentType("application/json").result(status.toString());
    }
}
