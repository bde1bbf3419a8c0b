package ai.molecule.billingguard.pki;

import io.fabric8.kubernetes.client.KubernetesClientException;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * One line saying why a call to the API server failed, built from the HTTP status and the
 * exception types only: an exception's message may quote a response body, and the body of a
 * Secret holds keys.
 */
public final class ApiFailure {
    private ApiFailure() {
    }

    /** @param timeout the bound the call ran under, named when it was hit */
    public static String describe(Throwable failure, Duration timeout) {
        Throwable last = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof HttpTimeoutException || t instanceof SocketTimeoutException) {
                return "timed out after " + timeout.toSeconds() + "s";
            }
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                return "HTTP " + k.getCode() + reason(k.getCode());
            }
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof SSLException) {
                return "TLS handshake failed (" + t.getClass().getSimpleName() + ")";
            }
            last = t;
        }
        return "request failed (" + last.getClass().getSimpleName() + ")";
    }

    /** The HTTP status of a failed call, or 0 when it got no answer. */
    public static int status(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                return k.getCode();
            }
        }
        return 0;
    }

    private static String reason(int code) {
        return switch (code) {
            case 401 -> " Unauthorized";
            case 403 -> " Forbidden";
            case 404 -> " Not Found";
            case 409 -> " Conflict";
            case 422 -> " Unprocessable Entity";
            case 429 -> " Too Many Requests";
            case 500 -> " Internal Server Error";
            case 503 -> " Service Unavailable";
            default -> "";
        };
    }
}
