package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.Knob;
import ai.molecule.billingguard.tls.CertificateSet;
import ai.molecule.billingguard.tls.ServingCertificates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code billing-guard certs}: a CA and a serving certificate for the webhook Service, as PEM files. */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = {"Generate a CA and a TLS serving certificate for the webhook Service (BouncyCastle, RSA 2048).",
                "Writes ca.crt, tls.crt and tls.key (mode 0600) and prints the base64 caBundle for the webhook configuration.",
                "The CA key is not kept: to rotate, run it again (with --force) and update the caBundle together with the Secret.",
                "Exit 0 on success, 2 on bad input or when the files exist already and --force is not given."})
public final class CertsCommand implements Callable<Integer> {
    /** The names this command writes in its output directory. */
    private static final List<String> FILES = List.of("ca.crt", "tls.crt", "tls.key");

    @Mixin
    ConfigFileOption configFile;

    @Option(names = "--service", paramLabel = "NAME",
            description = "Service name (env BILLING_GUARD_CERTS_SERVICE; default billing-guard)")
    String service;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "Namespace of the Service (env BILLING_GUARD_CERTS_NAMESPACE; default molecule-system)")
    String namespace;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Directory to write to, created if missing (env BILLING_GUARD_CERTS_OUT; default certs-out)")
    String dir;

    @Option(names = "--days", paramLabel = "N",
            description = "Validity of the CA and the certificate (env BILLING_GUARD_CERTS_DAYS; default 365)")
    String days;

    @Option(names = "--force", description = "Overwrite ca.crt, tls.crt and tls.key when the directory holds them "
            + "(env BILLING_GUARD_CERTS_FORCE)")
    Boolean force;

    private final PrintWriter out;

    public CertsCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        Map<Knob, String> flags = new HashMap<>();
        flags.put(Knob.CERTS_SERVICE, service);
        flags.put(Knob.CERTS_NAMESPACE, namespace);
        flags.put(Knob.CERTS_OUT, dir);
        flags.put(Knob.CERTS_DAYS, days);
        flags.put(Knob.CERTS_FORCE, force == null ? null : force.toString());
        Config.Certs certs = configFile.load(flags).certs();
        if (!certs.force()) {
            refuseToOverwrite(certs.out());
        }
        String svc = certs.service();
        String ns = certs.namespace();
        ServingCertificates.IssuedFiles files = ServingCertificates.write(certs.out(), svc + "." + ns + " webhook CA",
                svc + "." + ns + ".svc", CertificateSet.serviceDnsNames(svc, ns), List.of(), Duration.ofDays(certs.days()), false);
        out.println("ca.crt:   " + files.ca());
        out.println("tls.crt:  " + files.certificate());
        out.println("tls.key:  " + files.privateKey());
        out.println("caBundle: " + files.caBundle());
        out.flush();
        return 0;
    }

    /** A certificate or key a cluster may be using is never replaced by accident. */
    private static void refuseToOverwrite(Path dir) {
        List<String> existing = FILES.stream().filter(f -> Files.exists(dir.resolve(f))).toList();
        if (!existing.isEmpty()) {
            throw new InputException("certs: " + dir + " already holds " + String.join(", ", existing)
                    + "; give --force to overwrite, or --out for another directory");
        }
    }
}
