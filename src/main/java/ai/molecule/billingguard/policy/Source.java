package ai.molecule.billingguard.policy;

/** The rung of the resolution chain that answered (SPEC "Resolution chain"). */
public enum Source {
    PROVIDER_SECRET("provider-secret"),
    DERIVED_PROVIDER("derived-provider"),
    WORKSPACE_OVERRIDE("workspace-override"),
    ORG_DEFAULT("org-default"),
    CLOSED_DEFAULT("closed-default");

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
