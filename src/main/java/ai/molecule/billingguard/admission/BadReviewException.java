package ai.molecule.billingguard.admission;

/** The input is not an AdmissionReview that can be answered (no request, no uid): answered with 400 or exit 2. */
public final class BadReviewException extends RuntimeException {
    public BadReviewException(String message) {
        super(message);
    }
}
