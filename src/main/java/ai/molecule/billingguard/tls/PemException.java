package ai.molecule.billingguard.tls;

/**
 * A PEM certificate or key file that cannot be used. The message is one line that names the file
 * and the problem, and never holds key material: it is safe to log and to print.
 */
public final class PemException extends RuntimeException {
    public PemException(String message) {
        super(message);
    }
}
