package ai.molecule.billingguard.config;

import java.util.List;

/** Bad configuration: carries every problem found, so an operator fixes them in one pass. */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
