package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.Knob;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Options every command shares: the config file and the provider catalog. */
public final class CommonOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML config file (env BILLING_GUARD_CONFIG); see docs/configuration.md")
    Path config;

    @Option(names = "--catalog", paramLabel = "FILE",
            description = "Provider catalog replacing the built-in one (env BILLING_GUARD_CATALOG)")
    String catalog;

    /** Loads the config: flags given here, then the environment, then the file, then defaults. */
    Config load(Map<Knob, String> flags) {
        Map<Knob, String> given = new HashMap<>();
        flags.forEach((k, v) -> {
            if (v != null) {
                given.put(k, v);
            }
        });
        if (catalog != null) {
            given.put(Knob.CATALOG, catalog);
        }
        return ConfigLoader.load(given, Optional.ofNullable(config), System.getenv());
    }
}
