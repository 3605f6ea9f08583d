package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceProcessesTest {

    @Test
    void aTokenOrSecretsFileIsReadableByItsOwnerOnlyEvenWhenItWasThereBefore(@TempDir Path directory) throws Exception {
        Path token = directory.resolve("admin-token");
        Files.writeString(token, "old");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        ServiceProcesses.writePrivate(token, "a super administrator's token\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(token))).isEqualTo("rw-------");
        assertThat(Files.readString(token)).isEqualTo("a super administrator's token\n");

        Path secrets = ServiceProcesses.secrets(directory, "key-service", "parapet.keys", "");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets))).isEqualTo("rw-------");
        assertThat(Files.readString(secrets)).contains("parapet.keys.current-encryption-key=local1");
    }
}
