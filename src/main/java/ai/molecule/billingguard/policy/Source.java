package ai.molecule.billingguard.policy;

/** The rung of the resolution chain that answered (see docs/policy.md, "Resolution chain"). */
public enum Source {
    PROVIDER_SECRET("provider-secret"),
    DERIVED_PROVIDER("derived-provider"),
    WORKSPACE_OVERRIDE("workspace-override"),
    ORG_DEFAULT("org-default"),
    CLOSED_DEFAULT("closed-default"),
    UNKNOWN_WORKSPACE("unknown-workspace");

    private final String wire;

    Source(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    @Override
    public String toString() {
        return wire;
    }
}
