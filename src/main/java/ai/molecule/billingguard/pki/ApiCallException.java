package ai.molecule.billingguard.pki;

import ai.molecule.billingguard.cluster.ApiErrors;

import java.time.Duration;

/**
 * A call to the API server that failed, with one line saying which call and why (never a
 * response body). {@link #forbidden()} failures are permanent until someone changes RBAC: start-up
 * gives up on them, while anything else is retried.
 */
final class ApiCallException extends RuntimeException {
    private final boolean forbidden;

    private ApiCallException(String message, boolean forbidden) {
        super(message, null, false, false);
        this.forbidden = forbidden;
    }

    /**
     * @param call    the RBAC verb and what it was about: {@code create secrets in namespace NS}
     * @param timeout the bound the call ran under
     */
    static ApiCallException of(Throwable failure, String call, Duration timeout) {
        boolean forbidden = ApiErrors.status(failure) == 403;
        String message = forbidden
                ? "self-managed TLS: the service account may not " + call
                + " (HTTP 403 Forbidden); grant it in its Role or ClusterRole, or turn selfManaged.enabled off"
                : "self-managed TLS: cannot " + call + ": " + ApiErrors.cause(failure, timeout);
        return new ApiCallException(message, forbidden);
    }

    static ApiCallException of(String message) {
        return new ApiCallException(message, false);
    }

    boolean forbidden() {
        return forbidden;
    }
}
