/*
 * Embedded Neo4j Community for Twinledger: one JVM, one DBMS, Bolt on loopback.
 *
 * Contract with the process that starts it (tools/services/neo4j.ts):
 *
 *   java <javaArgs from ensureNeo4jLauncherBuilt()> -Xmx<heap> -jar tools/neo4j/target/twinledger-neo4j.jar \
 *        --data-dir <dir> --bolt-port <port> [--pagecache <size>]
 *
 *   --data-dir   required. Neo4j's home folder; created if missing. Stores live in <dir>/data/, Neo4j's own
 *                logs in <dir>/logs/ (debug.log). Neo4j never writes to this process's stdout.
 *   --bolt-port  required, 1..65535. Bolt listens on 127.0.0.1:<port> only, so authentication is off:
 *                anything that can reach the port already runs as a local user.
 *   --pagecache  optional, default 256m. A size with an optional k/m/g suffix, at least 8m.
 *   Heap is the caller's: pass -Xmx on the java command line (512m is enough for development and tests).
 *   The jar's manifest carries the Add-Opens Neo4j needs on Java 17, so no --add-opens flags are required.
 *   javaArgs are -XX:+DisplayVMOutputToStderr (keeps HotSpot's own warnings off stdout) and
 *   -XX:+ExitOnOutOfMemoryError (a DBMS out of heap exits instead of lingering half-working).
 *
 * stdout: exactly these lines, each written once and flushed:
 *   "twinledger-neo4j ready bolt://127.0.0.1:<port>"  once the default database is available, a
 *                                                     `RETURN 1` transaction succeeded and the Bolt port
 *                                                     accepts connections. A driver may connect as soon
 *                                                     as it is seen.
 *   "twinledger-neo4j stopped"                        after a SIGTERM or SIGINT, once the DBMS has shut
 *                                                     down and flushed its stores. A stop requested
 *                                                     during startup is honoured once the start completes:
 *                                                     then "stopped" is printed without "ready".
 *   Without -XX:+DisplayVMOutputToStderr the JVM itself may print warnings to stdout, so match the ready
 *   line by its content rather than assuming it is the first line.
 *
 * stderr: one line starting "twinledger-neo4j: " on any failure; Neo4j warnings may also appear here.
 *
 * Exit codes:
 *   0  stopped by SIGTERM or SIGINT after a clean shutdown
 *   1  Neo4j failed to start, to become ready or to shut down (details in <dir>/logs/debug.log)
 *   2  bad arguments
 *   3  the data folder is in use by another process (its store lock is held)
 *   4  the Bolt port is already in use (the caller may pick another port and retry)
 *
 * To stop it, send SIGTERM (SIGINT works too, unless the parent started it with SIGINT ignored, as a
 * shell does for background jobs) and wait for exit code 0 (a clean stop takes well under a second).
 * SIGKILL loses nothing committed but makes the next start run recovery. SIGHUP also shuts down cleanly,
 * through the shutdown hook, but exits 129. The launcher does not watch its parent: a caller that dies
 * without stopping it leaves it running, holding the data folder.
 */
package dev.twinledger.neo4j;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingValueParsers;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

import sun.misc.Signal;

public final class Launcher {
    static final String LINE_PREFIX = "twinledger-neo4j";
    static final String LOOPBACK_HOST = "127.0.0.1";
    static final String PAGECACHE_DEFAULT = "256m";
    static final long PAGECACHE_BYTES_MIN = 8L * 1024 * 1024;
    /** A cold store creates the system and default databases; this bounds a hung start, not a slow one. */
    static final long READY_TIMEOUT_MS = 120_000;
    static final int BOLT_PROBE_TIMEOUT_MS = 2_000;
    static final int BOLT_SHUTDOWN_QUIET_PERIOD_SECONDS = 0;

    static final int EXIT_STOPPED = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_BAD_ARGUMENTS = 2;
    static final int EXIT_DATA_FOLDER_IN_USE = 3;
    static final int EXIT_BOLT_PORT_IN_USE = 4;

    private static final Pattern SIZE_PATTERN = Pattern.compile("[0-9]{1,12}[kKmMgG]?");

    private Launcher() {}

    record Arguments(Path dataDir, int boltPort, long pagecacheBytes) {}

    /** Thrown for a command line the launcher refuses; its message is the whole stderr line. */
    static final class BadArgumentsException extends Exception {
        BadArgumentsException(String message) {
            super(message);
        }
    }

    public static void main(String[] argv) {
        // Neo4j's server bootstrap passes this on the JVM command line; embedded, it must be set before
        // Log4j initialises. Without it Log4j registers JMX beans for every logger context, which costs
        // startup time and heap for nothing here.
        System.setProperty("log4j2.disable.jmx", "true");

        // Only the contract's lines may reach stdout: anything else that prints to System.out (a library,
        // a stray println) is redirected to stderr so a caller scanning stdout never sees it.
        PrintStream contractOut = System.out;
        System.setOut(System.err);

        Arguments arguments;
        try {
            arguments = parse(argv);
        } catch (BadArgumentsException e) {
            fail(EXIT_BAD_ARGUMENTS, e.getMessage());
            return;
        }
        run(arguments, contractOut);
    }

    static Arguments parse(String[] argv) throws BadArgumentsException {
        String dataDir = null;
        String boltPort = null;
        String pagecache = PAGECACHE_DEFAULT;
        for (int i = 0; i < argv.length; i++) {
            String name = argv[i];
            if (!name.equals("--data-dir") && !name.equals("--bolt-port") && !name.equals("--pagecache")) {
                throw new BadArgumentsException("unknown argument " + name
                        + " (usage: --data-dir <dir> --bolt-port <port> [--pagecache <size>])");
            }
            if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
                throw new BadArgumentsException(name + " needs a value");
            }
            String value = argv[++i];
            switch (name) {
                case "--data-dir" -> dataDir = value;
                case "--bolt-port" -> boltPort = value;
                default -> pagecache = value;
            }
        }
        if (dataDir == null || dataDir.isBlank()) {
            throw new BadArgumentsException("--data-dir <dir> is required");
        }
        if (boltPort == null) {
            throw new BadArgumentsException("--bolt-port <port> is required");
        }
        int port;
        try {
            port = Integer.parseInt(boltPort);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new BadArgumentsException("--bolt-port must be a number from 1 to 65535, got " + boltPort);
        }
        if (!SIZE_PATTERN.matcher(pagecache).matches()) {
            throw new BadArgumentsException("--pagecache must be a size such as 256m or 1g, got " + pagecache);
        }
        long pagecacheBytes = SettingValueParsers.BYTES.parse(pagecache);
        if (pagecacheBytes < PAGECACHE_BYTES_MIN) {
            throw new BadArgumentsException("--pagecache must be at least 8m, got " + pagecache);
        }
        return new Arguments(Path.of(dataDir).toAbsolutePath().normalize(), port, pagecacheBytes);
    }

    private static void run(Arguments arguments, PrintStream contractOut) {
        try {
            Files.createDirectories(arguments.dataDir());
        } catch (IOException | SecurityException e) {
            fail(EXIT_FAILED, "cannot create data folder " + arguments.dataDir() + ": " + e.getMessage());
            return;
        }

        if (storeLockHeldElsewhere(arguments.dataDir())) {
            fail(EXIT_DATA_FOLDER_IN_USE, dataFolderInUseMessage(arguments));
            return;
        }

        // Handled by a signal handler rather than the shutdown hook alone: after hooks run, the JVM exits
        // with 128+signal, and the contract promises 0 for a requested stop. Installed before Neo4j starts
        // so that a stop requested mid-start is honoured as soon as the start completes, still with 0.
        CountDownLatch stopRequested = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), signal -> stopRequested.countDown());
        Signal.handle(new Signal("INT"), signal -> stopRequested.countDown());

        SocketAddress boltAddress = new SocketAddress(LOOPBACK_HOST, arguments.boltPort());
        DatabaseManagementService managementService;
        try {
            managementService = new DatabaseManagementServiceBuilder(arguments.dataDir())
                    .setConfig(Map.of(
                            BoltConnector.enabled, true,
                            BoltConnector.listen_address, boltAddress,
                            BoltConnector.advertised_address, boltAddress,
                            GraphDatabaseSettings.auth_enabled, false,
                            GraphDatabaseSettings.udc_enabled, false,
                            GraphDatabaseSettings.pagecache_memory, arguments.pagecacheBytes(),
                            // Bolt's network threads otherwise idle for a 5 s quiet period, twice (boss and
                            // worker groups), on every stop. By then Bolt's connections are already closed
                            // and the databases checkpointed, so nothing is left for the quiet period to
                            // drain; tests that restart Neo4j would spend most of their time waiting here.
                            GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period,
                            BOLT_SHUTDOWN_QUIET_PERIOD_SECONDS))
                    .build();
        } catch (RuntimeException e) {
            failStart(e, arguments);
            return;
        }

        // From here on the DBMS holds the store lock: every exit path must shut it down first.
        Stopper stopper = new Stopper(managementService, contractOut);
        // Covers exits the signal handlers do not see (SIGHUP, System.exit from a failure path).
        Runtime.getRuntime().addShutdownHook(new Thread(stopper::stopQuietly, "twinledger-neo4j-shutdown"));

        if (stopRequested.getCount() == 0) {
            stopAndExit(stopper);
            return;
        }
        try {
            awaitReady(managementService, arguments.boltPort());
        } catch (RuntimeException | IOException e) {
            stopper.abandon();
            failStart(e, arguments);
            return;
        }

        if (stopRequested.getCount() != 0) {
            contractOut.println(LINE_PREFIX + " ready bolt://" + LOOPBACK_HOST + ":" + arguments.boltPort());
            contractOut.flush();
        }
        awaitUninterruptibly(stopRequested);
        stopAndExit(stopper);
    }

    private static void stopAndExit(Stopper stopper) {
        try {
            stopper.stop();
        } catch (RuntimeException e) {
            fail(EXIT_FAILED, "neo4j failed to shut down cleanly: " + oneLine(rootCause(e)));
            return;
        }
        System.exit(EXIT_STOPPED);
    }

    private static void awaitReady(DatabaseManagementService managementService, int boltPort) throws IOException {
        GraphDatabaseService database = managementService.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!database.isAvailable(READY_TIMEOUT_MS)) {
            throw new IllegalStateException("database " + GraphDatabaseSettings.DEFAULT_DATABASE_NAME
                    + " did not become available within " + READY_TIMEOUT_MS + " ms");
        }
        long one = database.executeTransactionally("RETURN 1 AS one", Map.of(),
                result -> (Long) result.next().get("one"), Duration.ofMillis(READY_TIMEOUT_MS));
        if (one != 1L) {
            throw new IllegalStateException("RETURN 1 returned " + one);
        }
        // The Bolt server starts with the DBMS, but a caller acts on the ready line at once, so prove the
        // port accepts connections rather than assume it.
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(LOOPBACK_HOST, boltPort), BOLT_PROBE_TIMEOUT_MS);
        }
    }

    private static void failStart(Throwable error, Arguments arguments) {
        if (hasCause(error, "FileLockException")) {
            fail(EXIT_DATA_FOLDER_IN_USE, dataFolderInUseMessage(arguments));
        } else if (isPortConflict(error)) {
            fail(EXIT_BOLT_PORT_IN_USE, "bolt port " + arguments.boltPort() + " on " + LOOPBACK_HOST
                    + " is already in use: choose another port");
        } else {
            fail(EXIT_FAILED, "neo4j failed to start: " + oneLine(rootCause(error))
                    + " (see " + arguments.dataDir().resolve("logs").resolve("debug.log") + ")");
        }
    }

    /**
     * Neo4j takes its store lock only after seconds of initialisation, and a losing start meanwhile writes
     * into the owner's debug.log. Probing the same lock first answers a second start at once. Neo4j's own
     * lock stays the authority: a start that passes this probe and then loses the race still fails below.
     */
    private static boolean storeLockHeldElsewhere(Path dataDir) {
        Path storeLock = dataDir.resolve("data").resolve("databases").resolve("store_lock");
        if (!Files.exists(storeLock)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(storeLock, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (IOException | OverlappingFileLockException e) {
            // Undecided here; Neo4j's own locking reports it with its own words.
            return false;
        }
    }

    private static String dataFolderInUseMessage(Arguments arguments) {
        return "data folder " + arguments.dataDir()
                + " is in use by another process (its store lock is held): stop that process first";
    }

    /**
     * Matches Neo4j's exceptions by simple name so the launcher does not compile against Neo4j's internal
     * packages; a JDK BindException anywhere in the chain also counts as a port conflict.
     */
    private static boolean hasCause(Throwable error, String simpleClassName) {
        int depthMax = 32;
        for (Throwable cause = error; cause != null && depthMax-- > 0; cause = cause.getCause()) {
            if (cause.getClass().getSimpleName().equals(simpleClassName)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPortConflict(Throwable error) {
        int depthMax = 32;
        for (Throwable cause = error; cause != null && depthMax-- > 0; cause = cause.getCause()) {
            if (cause instanceof BindException || cause.getClass().getSimpleName().equals("PortBindException")) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable error) {
        Throwable root = error;
        int depthMax = 32;
        while (root.getCause() != null && root.getCause() != root && depthMax-- > 0) {
            root = root.getCause();
        }
        return root;
    }

    private static String oneLine(Throwable error) {
        String message = error.getMessage() == null ? "" : ": " + error.getMessage();
        return (error.getClass().getSimpleName() + message).replaceAll("\\s+", " ").trim();
    }

    private static void fail(int exitCode, String message) {
        System.err.println(LINE_PREFIX + ": " + message);
        System.err.flush();
        System.exit(exitCode);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // Only a stop request ends the wait; an interrupt is not one.
            }
        }
    }

    /** Shuts the DBMS down once, whichever of the signal path, a failure path and the shutdown hook gets there first. */
    private static final class Stopper {
        private final DatabaseManagementService managementService;
        private final PrintStream contractOut;
        private boolean stopped;

        Stopper(DatabaseManagementService managementService, PrintStream contractOut) {
            this.managementService = managementService;
            this.contractOut = contractOut;
        }

        /** Shuts down and announces it on stdout; only a requested stop announces, a failed start does not. */
        void stop() {
            if (shutdownOnce()) {
                contractOut.println(LINE_PREFIX + " stopped");
                contractOut.flush();
            }
        }

        /** For the shutdown hook: a failure here has nowhere left to go but stderr. */
        void stopQuietly() {
            try {
                stop();
            } catch (RuntimeException e) {
                System.err.println(LINE_PREFIX + ": shutdown failed: " + oneLine(rootCause(e)));
            }
        }

        /** For a failed start: releases the store lock without claiming a clean stop on stdout. */
        void abandon() {
            try {
                shutdownOnce();
            } catch (RuntimeException e) {
                System.err.println(LINE_PREFIX + ": shutdown after failed start failed: " + oneLine(rootCause(e)));
            }
        }

        private synchronized boolean shutdownOnce() {
            if (stopped) {
                return false;
            }
            stopped = true;
            managementService.shutdown();
            return true;
        }
    }
}
