package ai.molecule.billingguard.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The logging set-up, in code rather than in a {@code logback.xml}: reading that file cost every
 * command a quarter of a second of start-up (an XML parser and logback's configuration model). One
 * compact JSON object per line on stderr ({@link JsonLineEncoder}; stdout stays clean for
 * {@code review -o json}); Jetty, Javalin and fabric8 at WARN; everything else at
 * {@code BILLING_GUARD_LOG_LEVEL} (a system property of that name first, then the environment
 * variable; TRACE, DEBUG, INFO, WARN or ERROR; INFO when unset or not a level).
 * Found by logback through {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}.
 * With {@code -Dlogback.configurationFile=FILE} it steps aside and logback reads that file, as it
 * would without this class.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    static final String LEVEL_VARIABLE = "BILLING_GUARD_LOG_LEVEL";
    static final String CONFIG_FILE_PROPERTY = "logback.configurationFile";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("JSON");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        for (String quiet : new String[]{"org.eclipse.jetty", "io.javalin", "io.fabric8"}) {
            context.getLogger(quiet).setLevel(Level.WARN);
        }
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level());
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static Level level() {
        String configured = System.getProperty(LEVEL_VARIABLE);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(LEVEL_VARIABLE);
        }
        return configured == null || configured.isBlank() ? Level.INFO : Level.toLevel(configured.trim(), Level.INFO);
    }
}
