package ai.molecule.billingguard.config;

/** Bad input a person must fix: reported as one line naming the file or object, exit code 2. */
public final class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }
}
