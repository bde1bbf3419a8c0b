package ai.molecule.billingguard.config;

import java.util.Locale;
import java.util.Optional;

/** How a command prints its result. */
public enum Output {
    TEXT, JSON, YAML;

    static Optional<Output> parse(String value) {
        for (Output o : values()) {
            if (o.name().equalsIgnoreCase(value.trim())) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
