package ai.molecule.billingguard.cluster;

import java.util.logging.Level;
import java.util.logging.Logger;

/** The mock API server logs every request at INFO through java.util.logging; tests keep only warnings. */
public final class MockServerLogs {
    private MockServerLogs() {
    }

    /** @return the logger, to be held in a static field (JUL keeps loggers weakly) */
    public static Logger quiet() {
        Logger logger = Logger.getLogger("io.fabric8.mockwebserver");
        logger.setLevel(Level.WARNING);
        return logger;
    }
}
