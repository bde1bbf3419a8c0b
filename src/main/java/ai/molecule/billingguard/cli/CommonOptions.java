package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.Knob;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.Map;

/** Options of the commands that apply the policy: the config file and the provider catalog. */
public final class CommonOptions {
    @Mixin
    ConfigFileOption configFile;

    @Option(names = "--catalog", paramLabel = "FILE",
            description = "Provider catalog replacing the built-in one (env BILLING_GUARD_CATALOG)")
    String catalog;

    /** Loads the config: flags given here, then the environment, then the file, then defaults. */
    Config load(Map<Knob, String> flags) {
        Map<Knob, String> withCatalog = new HashMap<>(flags);
        withCatalog.put(Knob.CATALOG, catalog);
        return configFile.load(withCatalog);
    }
}
