package ai.molecule.billingguard;

import ai.molecule.billingguard.cli.AuditCommand;
import ai.molecule.billingguard.cli.CertsCommand;
import ai.molecule.billingguard.cli.ReviewCommand;
import ai.molecule.billingguard.cli.ServeCommand;
import ai.molecule.billingguard.config.ConfigException;
import ai.molecule.billingguard.config.InputException;
import ai.molecule.billingguard.tls.PemException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;

/** The command line: wiring only. */
@Command(name = "billing-guard", mixinStandardHelpOptions = true,
        description = "Admission webhook: a Molecule workspace's provider selection decides who pays for its LLM calls.")
public final class Main {
    private static final int BAD_INPUT = 2;
    /** Written by the build from the project's version (resource filtering). */
    private static final String VERSION_RESOURCE = "/ai/molecule/billingguard/version.properties";

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; never throws, never prints a stack trace. {@code review -} reads System.in. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand(new ServeCommand(out));
        cli.addSubcommand(new ReviewCommand(out, err));
        cli.addSubcommand(new CertsCommand(out));
        cli.addSubcommand(new AuditCommand(out, err));
        cli.addSubcommand(new CommandLine.HelpCommand());
        String version = "billing-guard " + version();
        cli.getCommandSpec().version(version);
        cli.getSubcommands().values().forEach(sub -> sub.getCommandSpec().version(version));
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, args1) -> {
            err.println("billing-guard: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            err.flush();
            return BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException config) {
                config.problems().forEach(p -> err.println("billing-guard: config: " + p));
            } else if (e instanceof InputException || e instanceof PemException) {
                err.println("billing-guard: " + e.getMessage());
            } else {
                err.println("billing-guard: unexpected error: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")));
            }
            err.flush();
            return BAD_INPUT;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The project's version as the build wrote it, or "unknown" in a build that did not. */
    static String version() {
        Properties properties = new Properties();
        try (InputStream in = Main.class.getResourceAsStream(VERSION_RESOURCE)) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return properties.getProperty("version", "unknown");
    }
}
