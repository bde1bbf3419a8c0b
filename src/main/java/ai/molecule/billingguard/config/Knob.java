package ai.molecule.billingguard.config;

import java.util.List;

/**
 * One setting that a flag, an environment variable and a config-file key all reach.
 * Precedence: flag, then environment variable, then config file, then the built-in default.
 */
public record Knob(String flag, String env, String key) {
    public static final Knob PORT = new Knob("--port", "BILLING_GUARD_PORT", "server.port");
    public static final Knob OPS_PORT = new Knob("--ops-port", "BILLING_GUARD_OPS_PORT", "server.opsPort");
    public static final Knob TLS_CERT = new Knob("--tls-cert", "BILLING_GUARD_TLS_CERT", "server.tlsCert");
    public static final Knob TLS_KEY = new Knob("--tls-key", "BILLING_GUARD_TLS_KEY", "server.tlsKey");
    public static final Knob HOST = new Knob("--host", "BILLING_GUARD_HOST", "server.host");
    public static final Knob DEV = new Knob("--dev", "BILLING_GUARD_DEV", "server.dev");
    public static final Knob SECRETS = new Knob("--secrets", "BILLING_GUARD_SECRETS", "facts.secrets");
    public static final Knob KUBECONFIG = new Knob("--kubeconfig", "BILLING_GUARD_KUBECONFIG", "facts.kubeconfig");
    public static final Knob CATALOG = new Knob("--catalog", "BILLING_GUARD_CATALOG", "catalog.file");
    public static final Knob CATALOG_EXTRA = new Knob("--catalog-extra", "BILLING_GUARD_CATALOG_EXTRA", "catalog.extraFile");
    public static final Knob LOOKUP_DEADLINE = new Knob("--lookup-deadline-ms", "BILLING_GUARD_LOOKUP_DEADLINE_MS",
            "facts.lookupDeadlineMillis");
    public static final Knob WATCH_NAMESPACES = new Knob("--watch-namespaces", "BILLING_GUARD_WATCH_NAMESPACES",
            "facts.watchNamespaces");
    public static final Knob TRUSTED_CREATORS = new Knob("--trust-workspace-pod-creators",
            "BILLING_GUARD_TRUST_WORKSPACE_POD_CREATORS", "trust.workspacePodCreators");
    public static final Knob SELF_MANAGED = new Knob("--self-managed-tls", "BILLING_GUARD_SELF_MANAGED_TLS", "selfManaged.enabled");
    public static final Knob SELF_MANAGED_NAMESPACE = new Knob("--self-managed-namespace",
            "BILLING_GUARD_SELF_MANAGED_NAMESPACE", "selfManaged.namespace");
    public static final Knob PUBLISH_MODES = new Knob("--publish-modes", "BILLING_GUARD_PUBLISH_MODES", "modes.publish");
    public static final Knob AUDIT_INTERVAL = new Knob("--audit-interval-seconds", "BILLING_GUARD_AUDIT_INTERVAL_SECONDS",
            "audit.intervalSeconds");
    public static final Knob AUDIT_OUTPUT = new Knob("--output", "BILLING_GUARD_AUDIT_OUTPUT", "audit.output");
    public static final Knob AUDIT_NAMESPACE = new Knob("--namespace", "BILLING_GUARD_AUDIT_NAMESPACE", "audit.namespace");
    public static final Knob OUTPUT = new Knob("--output", "BILLING_GUARD_OUTPUT", "review.output");
    public static final Knob NAMESPACE = new Knob("--namespace", "BILLING_GUARD_NAMESPACE", "review.namespace");

    public static final Knob CERTS_SERVICE = new Knob("--service", "BILLING_GUARD_CERTS_SERVICE", "certs.service");
    public static final Knob CERTS_NAMESPACE = new Knob("--namespace", "BILLING_GUARD_CERTS_NAMESPACE", "certs.namespace");
    public static final Knob CERTS_OUT = new Knob("--out", "BILLING_GUARD_CERTS_OUT", "certs.out");
    public static final Knob CERTS_DAYS = new Knob("--days", "BILLING_GUARD_CERTS_DAYS", "certs.days");
    public static final Knob CERTS_FORCE = new Knob("--force", "BILLING_GUARD_CERTS_FORCE", "certs.force");

    /** The config file itself has a flag and an environment variable, but no key. */
    public static final String CONFIG_FLAG = "--config";
    public static final String CONFIG_ENV = "BILLING_GUARD_CONFIG";

    public static List<Knob> all() {
        return List.of(HOST, PORT, OPS_PORT, TLS_CERT, TLS_KEY, DEV, SECRETS, KUBECONFIG, CATALOG, CATALOG_EXTRA,
                LOOKUP_DEADLINE, WATCH_NAMESPACES, TRUSTED_CREATORS, SELF_MANAGED, SELF_MANAGED_NAMESPACE, PUBLISH_MODES,
                AUDIT_INTERVAL, OUTPUT, NAMESPACE, AUDIT_OUTPUT, AUDIT_NAMESPACE,
                CERTS_SERVICE, CERTS_NAMESPACE, CERTS_OUT, CERTS_DAYS, CERTS_FORCE);
    }
}
