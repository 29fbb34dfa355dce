package dev.trickle.cli;

import dev.trickle.core.catalog.CatalogInstaller;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code trickle} command line. */
@Command(name = "trickle", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Stream tables for PostgreSQL, maintained incrementally through Kafka.",
        subcommands = {Main.Install.class, Main.Local.class, Demo.class, Transfers.class, Topics.class, Tail.class, ConfigDocs.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        quietLogging();
        System.exit(execute(args));
    }

    /** Runs the command line; returns the exit status (0 ok, 1 failure, 2 usage error). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("error: " + message(e));
            if (Boolean.getBoolean("trickle.debug")) {
                e.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cl;
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : m;
    }

    /** The CLI's own logging (Flyway, zonky, Kafka clients): warnings only, unless set otherwise. */
    static void quietLogging() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "false");
        // Flyway's notices and the Kafka clients' connection warnings are noise on a terminal.
        System.setProperty("org.slf4j.simpleLogger.log.org.flywaydb", "error");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.io.zonky", "error");
    }

    public static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/trickle-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"trickle " + version()};
        }
    }

    /** Options of the commands that start a local stack (a picocli mixin). */
    static final class StackOptions {
        @Option(names = "--pg-url", paramLabel = "URL",
                description = "Use this PostgreSQL instead of an embedded one: postgresql://USER[:PASSWORD]@HOST:PORT/DB "
                        + "or jdbc:postgresql://HOST:PORT/DB")
        String pgUrl;

        @Option(names = "--pg-user", paramLabel = "USER", description = "PostgreSQL user (overrides the URL's)")
        String pgUser;

        @Option(names = "--pg-password", paramLabel = "PASSWORD", description = "PostgreSQL password (overrides the URL's)")
        String pgPassword;

        @Option(names = "--work-dir", paramLabel = "DIR",
                description = "Directory for logs, configs and data (default: .trickle/local-<timestamp>)")
        Path workDir;

        @Option(names = "--config-dir", paramLabel = "DIR",
                description = "Directory with source-connector.json, sink-connector.json, streams-app.properties")
        Path configDir;

        @Option(names = "--converter", paramLabel = "NAME", defaultValue = "json",
                description = "Record format of the change and delta topics: json (config/) or avro (config/avro/: "
                        + "Apicurio's AvroConverter, Confluent wire format; needs --registry-url; default: ${DEFAULT-VALUE})")
        String converter;

        @Option(names = "--registry-url", paramLabel = "URL",
                description = "Schema registry for --converter avro (fills the templates' registry.url placeholder): "
                        + "Apicurio Registry 2.x, http://HOST:PORT/apis/registry/v2")
        String registryUrl;

        @Option(names = "--keep", description = "Keep the broker, Connect, streams and PostgreSQL data at exit")
        boolean keep;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
                description = "Deadline of each start step (default: ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Option(names = "--streams-instances", paramLabel = "N", defaultValue = "1",
                description = "Streams app instances (one Kafka Streams application; they share the stream tables' "
                        + "tasks, and a stopped one's tasks move to the others; default: ${DEFAULT-VALUE})")
        int streamsInstances;

        @Option(names = "--connect-workers", paramLabel = "N", defaultValue = "1",
                description = "Kafka Connect workers (one Connect cluster; they share the connectors' tasks, and a "
                        + "stopped one's tasks move to the others; default: ${DEFAULT-VALUE})")
        int connectWorkers;

        LocalStackBuilder builder() {
            LocalStackBuilder b = LocalStack.builder()
                    .streamsInstances(streamsInstances)
                    .connectWorkers(connectWorkers)
                    .workDir(workDir)
                    .configDir(configDir)
                    .converter(converter)
                    .registryUrl(registryUrl)
                    .keep(keep)
                    .timeout(Duration.ofSeconds(timeoutSeconds))
                    .progress(System.err);
            if (!ConfigFiles.CONVERTERS.contains(converter)) {
                throw new IllegalArgumentException("--converter " + converter + ": use one of " + ConfigFiles.CONVERTERS);
            }
            if (converter.equals("avro") && registryUrl == null) {
                throw new IllegalArgumentException("--converter avro needs --registry-url URL (Apicurio Registry 2.x: "
                        + "http://HOST:PORT/apis/registry/v2; docs/record-format.md, Avro)");
            }
            if (pgUrl != null) {
                b.externalPostgres(pgUrl, pgUser, pgPassword);
            } else if (pgUser != null || pgPassword != null) {
                throw new IllegalArgumentException("--pg-user and --pg-password go with --pg-url");
            }
            return b;
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Installs or upgrades the Trickle catalog (schema pgtrickle) in a PostgreSQL database.")
    static final class Install implements Callable<Integer> {
        @Option(names = "--pg-url", required = true, paramLabel = "URL",
                description = "postgresql://USER[:PASSWORD]@HOST:PORT/DB or jdbc:postgresql://HOST:PORT/DB")
        String url;

        @Option(names = "--pg-user", paramLabel = "USER", description = "PostgreSQL user (overrides the URL's)")
        String user;

        @Option(names = "--pg-password", paramLabel = "PASSWORD", description = "PostgreSQL password (overrides the URL's)")
        String password;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PgUrl pg;
            try {
                pg = PgUrl.parse(url, user, password);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            String version = CatalogInstaller.install(pg.jdbcUrl(), pg.user(), pg.password());
            spec.commandLine().getOut().println("Trickle catalog version " + version + " installed in " + pg.display());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "local", mixinStandardHelpOptions = true,
            description = {"Starts PostgreSQL, a Kafka broker, a Connect worker with the Trickle connectors and the "
                    + "streams app on this machine and runs until interrupted (Ctrl-C or SIGTERM), then stops them.",
                    "When everything runs it prints one line to standard output:",
                    "  ready pg=postgresql://USER@127.0.0.1:PORT/DB?passfile=WORKDIR/pgpass kafka=127.0.0.1:PORT connect=http://127.0.0.1:PORT",
                    "psql takes the pg= URL as it is: the embedded PostgreSQL's password is in that pgpass file (0600).",
                    "Progress goes to standard error (with the processes' pids); logs to the work dir's logs/.",
                    "A process of the stack that stops (crash, kill -9) is started again within a second or two."})
    static final class Local implements Callable<Integer> {
        @CommandLine.Mixin
        StackOptions stack;

        @Override
        public Integer call() throws Exception {
            LocalStack s = stack.builder().start();
            System.out.println(s.readyLine());
            System.out.flush();
            System.err.println("processes: " + StackSupervisor.describe(s));
            System.err.println("a process that stops is started again; press Ctrl-C to stop everything");
            // The shutdown hook (ChildJvm) closes the stack in order when this JVM is told to stop; until
            // then the supervisor restarts whatever dies.
            new StackSupervisor(s, new Progress(System.err)).run();
            Thread.currentThread().join();
            return 0;
        }
    }
}
