package ai.molecule.billingguard.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Why serve is not ready, as {@code /readyz} lists them. Each part of start-up hands in how to
 * ask about itself once it exists; until then it counts as not ready. Ready means: a serving
 * certificate is loaded, the facts are complete (caches synced), and the process is not shutting down.
 */
final class Readiness {
    private volatile Supplier<Optional<String>> certificate = () -> Optional.of("no serving certificate yet");
    private volatile Supplier<Optional<String>> notSynced = () -> Optional.of("caches not synced");
    private volatile Supplier<Optional<String>> apiServer = Optional::empty;
    private volatile BooleanSupplier draining = () -> false;

    /** While the certificate is being obtained: the problem so far, if any. */
    void obtainingCertificate(Supplier<Optional<String>> problem) {
        certificate = () -> Optional.of("no serving certificate yet" + problem.get().map(p -> ": " + p).orElse(""));
    }

    void certificateLoaded() {
        certificate = Optional::empty;
    }

    /**
     * @param notSynced   why the facts are not complete yet, empty once they are
     * @param unreachable why the API server does not answer, while it does not: added to the former
     */
    void facts(Supplier<Optional<String>> notSynced, Supplier<Optional<String>> unreachable) {
        this.notSynced = notSynced;
        this.apiServer = unreachable;
    }

    void draining(BooleanSupplier draining) {
        this.draining = draining;
    }

    List<String> reasons() {
        List<String> reasons = new ArrayList<>();
        certificate.get().ifPresent(reasons::add);
        notSynced.get().ifPresent(reason -> reasons.add(reason + apiServer.get().map(p -> ": " + p).orElse("")));
        if (draining.getAsBoolean()) {
            reasons.add("shutting down");
        }
        return reasons;
    }
}
