package ai.molecule.billingguard.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import static org.assertj.core.api.Assertions.assertThat;

class LogConfiguratorTest {
    @AfterEach
    void clear() {
        System.clearProperty(LogConfigurator.CONFIG_FILE_PROPERTY);
        System.clearProperty(LogConfigurator.LEVEL_VARIABLE);
    }

    @Test
    void it_sets_one_json_appender_on_stderr_the_level_and_quiet_libraries() {
        System.setProperty(LogConfigurator.LEVEL_VARIABLE, " warn ");
        LoggerContext context = new LoggerContext();

        assertThat(new LogConfigurator().configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(root.getAppender("JSON")).isNotNull();
        assertThat(context.getLogger("io.fabric8").getLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void a_level_that_is_not_one_is_info() {
        System.setProperty(LogConfigurator.LEVEL_VARIABLE, "bogus");
        assertThat(LogConfigurator.level()).isEqualTo(Level.INFO);
    }

    @Test
    void a_logback_configuration_file_given_on_the_command_line_is_left_to_logback() {
        System.setProperty(LogConfigurator.CONFIG_FILE_PROPERTY, "/etc/billing-guard/logback.xml");
        LoggerContext context = new LoggerContext();

        assertThat(new LogConfigurator().configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("JSON")).isNull();
    }
}
