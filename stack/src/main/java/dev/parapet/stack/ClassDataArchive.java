package dev.parapet.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A class-data sharing archive (AppCDS) of one JVM's classpath, kept between starts: mapped when the JVM can
 * use it, recorded anew when it cannot. A JVM given an archive it cannot map starts anyway, but says nothing
 * when the file is missing and then runs without even the JDK's own archive, and only warns when the
 * classpath or a jar changed; so the archive is checked before each start ({@code java -Xshare:on} with the
 * same classpath, which refuses an unusable archive in about 0.1 s) and a start without one is said once, in
 * the process's log and the launcher's output, with the reason.
 *
 * <p>The archive is recorded by the first start that has none: the JVM writes the classes it loaded when it
 * exits ({@code -XX:ArchiveClassesAtExit}), which for the local stack is its clean stop. That is the training
 * run, without costing a start of its own (a separate {@code -Dspring.context.exit=onRefresh} start would
 * cost each service a whole context start after every build on two cores, and would miss the classes loaded
 * once the context runs: Kafka's clients, Netty's server), and a later start maps what a real run loaded.
 */
public final class ClassDataArchive {

    /** How a JVM is to be started with respect to its archive, and what to say about it (empty when all is well). */
    public record Decision(List<String> javaOptions, String note) {
        public boolean uses() {
            return javaOptions.stream().anyMatch(option -> option.startsWith("-XX:SharedArchiveFile="));
        }
    }

    private ClassDataArchive() {
    }

    /**
     * The options for a JVM that runs {@code classpath} (a jar, or jars joined with ':'): map {@code archive}
     * when it is usable, otherwise start without and record it at exit, with a note saying why.
     */
    public static Decision decide(Path java, Path archive, String classpath) {
        if (!Files.isRegularFile(archive)) {
            return new Decision(List.of("-XX:ArchiveClassesAtExit=" + archive),
                    "No class-data archive yet (" + archive + "): starting without it; this run records it when it stops.");
        }
        if (!usable(java, archive, classpath)) {
            try {
                Files.delete(archive);
            } catch (IOException e) {
                // Recording at exit replaces it anyway.
            }
            return new Decision(List.of("-XX:ArchiveClassesAtExit=" + archive),
                    "The class-data archive " + archive + " no longer matches the Java or the jars (stale): starting without it; "
                            + "this run records a new one when it stops.");
        }
        return new Decision(List.of("-XX:SharedArchiveFile=" + archive), "");
    }

    /** Whether this Java can map the archive for this classpath (jars, their sizes and times as when it was recorded). */
    public static boolean usable(Path java, Path archive, String classpath) {
        try {
            Process check = new ProcessBuilder(java.toString(), "-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-cp", classpath,
                    "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!check.waitFor(30, TimeUnit.SECONDS)) {
                check.destroyForcibly();
                return false;
            }
            return check.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
