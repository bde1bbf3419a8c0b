package ai.molecule.billingguard.cli;

import ai.molecule.billingguard.config.Config;
import ai.molecule.billingguard.config.ConfigLoader;
import ai.molecule.billingguard.config.Knob;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The option every command has: the config file, and loading the config with the command's flags. */
public final class ConfigFileOption {
    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML config file (env BILLING_GUARD_CONFIG); see docs/configuration.md")
    Path config;

    /** Loads the config: flags given here (null = not given), then the environment, then the file, then defaults. */
    Config load(Map<Knob, String> flags) {
        Map<Knob, String> given = new HashMap<>();
        flags.forEach((k, v) -> {
            if (v != null) {
                given.put(k, v);
            }
        });
        return ConfigLoader.load(given, Optional.ofNullable(config), System.getenv());
    }
}
