package ai.molecule.billingguard.audit;

import java.util.Comparator;

/**
 * One thing wrong with one running pod. Workspace, mode, provider and source are null where they
 * do not apply (a pod without a workspace; a lookup that failed, so the mode is not known).
 *
 * @param detail what exactly is wrong (names only, never a value)
 * @param fix    one line: which Secret to edit, which controller to restart
 */
public record Violation(String namespace, String pod, Owner owner, String workspace, String mode, String provider,
                        String source, ViolationKind kind, String detail, String fix) {

    /** The report's order: namespace, pod, violation name. */
    public static final Comparator<Violation> ORDER = Comparator.comparing(Violation::namespace)
            .thenComparing(Violation::pod).thenComparing(v -> v.kind().wire());

    /** What identifies a violation from one scan to the next. */
    public String key() {
        return namespace + "/" + pod + "/" + kind.wire();
    }
}
