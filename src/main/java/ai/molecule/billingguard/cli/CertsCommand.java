package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.InputException;
import ai.molecule.billingguard.tls.ServingCertificates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/** {@code billing-guard certs}: a CA and a serving certificate for the webhook Service, as PEM files. */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = {"Generate a CA and a TLS serving certificate for the webhook Service (BouncyCastle, RSA 2048).",
                "Writes ca.crt, tls.crt and tls.key (mode 0600) and prints the base64 caBundle for the webhook configuration.",
                "The CA key is not kept: to rotate, run it again and update the caBundle together with the Secret.",
                "Exit 0 on success, 2 on bad input."})
public final class CertsCommand implements Callable<Integer> {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final int MAX_DAYS = 36500;

    @Option(names = "--service", paramLabel = "NAME", defaultValue = "${env:BILLING_GUARD_CERTS_SERVICE:-billing-guard}",
            description = "Service name (env BILLING_GUARD_CERTS_SERVICE; default ${DEFAULT-VALUE})")
    String service;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            defaultValue = "${env:BILLING_GUARD_CERTS_NAMESPACE:-molecule-system}",
            description = "Namespace of the Service (env BILLING_GUARD_CERTS_NAMESPACE; default ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "${env:BILLING_GUARD_CERTS_OUT:-certs-out}",
            description = "Directory to write to, created if missing (env BILLING_GUARD_CERTS_OUT; default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--days", paramLabel = "N", defaultValue = "${env:BILLING_GUARD_CERTS_DAYS:-365}",
            description = "Validity of the CA and the certificate (env BILLING_GUARD_CERTS_DAYS; default ${DEFAULT-VALUE})")
    int days;

    private final PrintWriter out;

    public CertsCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (days < 1 || days > MAX_DAYS) {
            throw new InputException("certs: --days must be between 1 and " + MAX_DAYS + ", got " + days);
        }
        requireLabel("--service", service);
        requireLabel("--namespace", namespace);

        ServingCertificates.Files files = ServingCertificates.write(dir, service + "." + namespace + " webhook CA",
                service + "." + namespace + ".svc", dnsNames(service, namespace), List.of(), Duration.ofDays(days));
        Path caFile = files.ca();
        Path certFile = files.certificate();
        Path keyFile = files.privateKey();
        out.println("ca.crt:   " + caFile);
        out.println("tls.crt:  " + certFile);
        out.println("tls.key:  " + keyFile);
        out.println("caBundle: " + files.caBundle());
        out.flush();
        return 0;
    }

    /** The names kube-apiserver and in-cluster clients may dial the Service by. */
    static List<String> dnsNames(String service, String namespace) {
        String svc = service + "." + namespace + ".svc";
        return List.of(service, service + "." + namespace, svc, svc + ".cluster.local");
    }

    private static void requireLabel(String flag, String value) {
        if (value == null || !DNS_LABEL.matcher(value).matches()) {
            throw new InputException("certs: " + flag + " '" + value + "' is not a DNS label"
                    + " (lowercase letters, digits and '-', at most 63, starting and ending alphanumeric)");
        }
    }
}
