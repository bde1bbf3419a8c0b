package ai.molecule.billingguard.audit;

import java.util.Locale;

/** The command that replaces a pod with a new one, which the webhook then reviews, by the pod's owner. */
final class Fixes {
    private Fixes() {
    }

    static String restart(Owner owner, String namespace, String pod) {
        String kubectl = "kubectl -n " + namespace + " ";
        String resource = owner.kind().toLowerCase(Locale.ROOT) + "/" + owner.name();
        return switch (owner.kind()) {
            case "Deployment", "StatefulSet", "DaemonSet" -> kubectl + "rollout restart " + resource;
            case "CronJob" -> owner.via().map(job -> kubectl + "delete job " + job.name() + " (the next job of "
                    + resource + " gets reviewed pods)").orElse("let " + resource + " start its next job");
            case "Job" -> kubectl + "delete job " + owner.name() + " and create it again";
            case "Pod" -> kubectl + "delete pod " + pod + " and create it again";
            default -> kubectl + "delete pod " + pod + " (" + resource + " replaces it)";
        };
    }
}
