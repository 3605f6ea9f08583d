package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a real JVM: an archive is mapped only when it fits, and a start without one records it and says why. */
class ClassDataArchiveTest {

    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @Test
    void aMissingArchiveIsRecordedByTheStartThatHasNoneAndMappedByTheNext(@TempDir Path directory) throws Exception {
        Path jar = jar(directory, "Hello", Instant.parse("2026-12-01T00:00:00Z"));
        Path archive = directory.resolve("app.jsa");

        ClassDataArchive.Decision first = ClassDataArchive.decide(JAVA, archive, jar.toString());
        assertThat(first.uses()).isFalse();
        assertThat(first.javaOptions()).containsExactly("-XX:ArchiveClassesAtExit=" + archive);
        assertThat(first.note()).contains("No class-data archive yet").contains(archive.toString());

        run(first.javaOptions(), jar);
        assertThat(archive).isRegularFile();
        ClassDataArchive.Decision second = ClassDataArchive.decide(JAVA, archive, jar.toString());
        assertThat(second.uses()).isTrue();
        assertThat(second.javaOptions()).containsExactly("-XX:SharedArchiveFile=" + archive);
        assertThat(second.note()).isEmpty();
        assertThat(run(second.javaOptions(), jar)).contains("hello");
    }

    @Test
    void anArchiveOfAnotherJarOrAHalfWrittenOneIsSaidStaleDroppedAndRecordedAgain(@TempDir Path directory) throws Exception {
        Path jar = jar(directory, "Hello", Instant.parse("2026-12-01T00:00:00Z"));
        Path archive = directory.resolve("app.jsa");
        run(ClassDataArchive.decide(JAVA, archive, jar.toString()).javaOptions(), jar);
        assertThat(ClassDataArchive.usable(JAVA, archive, jar.toString())).isTrue();

        // A new build of the jar: the archive no longer fits it.
        jar(directory, "Hello", Instant.parse("2026-12-02T00:00:00Z"));
        ClassDataArchive.Decision rebuilt = ClassDataArchive.decide(JAVA, archive, jar.toString());
        assertThat(rebuilt.uses()).isFalse();
        assertThat(rebuilt.javaOptions()).containsExactly("-XX:ArchiveClassesAtExit=" + archive);
        assertThat(rebuilt.note()).contains("stale");
        assertThat(archive).doesNotExist();
        // The start goes on without it (and records the new one).
        assertThat(run(rebuilt.javaOptions(), jar)).contains("hello");
        assertThat(ClassDataArchive.usable(JAVA, archive, jar.toString())).isTrue();

        // A stop that did not finish writing it.
        byte[] whole = Files.readAllBytes(archive);
        Files.write(archive, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThat(ClassDataArchive.decide(JAVA, archive, jar.toString()).note()).contains("stale");
    }

    /** Runs the jar's class with these options; its output. */
    private static String run(List<String> options, Path jar) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(JAVA.toString()));
        command.addAll(options);
        command.addAll(List.of("-cp", jar.toString(), "Hello"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** A jar holding one class that prints "hello", its time set (as a build sets it). */
    private static Path jar(Path directory, String name, Instant built) throws Exception {
        Path sources = Files.createDirectories(directory.resolve("src"));
        Files.writeString(sources.resolve(name + ".java"),
                "public class " + name + " { public static void main(String[] a) { System.out.println(\"hello\"); } }");
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", sources.toString(),
                sources.resolve(name + ".java").toString())).isZero();
        Path jar = directory.resolve("app.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
            jarOut.putNextEntry(new JarEntry(name + ".class"));
            jarOut.write(Files.readAllBytes(sources.resolve(name + ".class")));
            jarOut.closeEntry();
        }
        Files.setLastModifiedTime(jar, FileTime.from(built));
        return jar;
    }
}
