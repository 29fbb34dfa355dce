package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFilesTest {
    @TempDir
    Path dir;

    @Test
    void aFileWithAPasswordIsTheOwnersAloneAlsoWhenItReplacesAReadableOne() throws Exception {
        Path file = dir.resolve("sub/secret.properties");
        PrivateFiles.write(file, "a=1\n");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(PrivateFiles.isShared(file));
        PrivateFiles.write(file, "a=2\n");
        assertFalse(PrivateFiles.isShared(file));
        assertEquals("a=2\n", Files.readString(file));
        try (var left = Files.list(file.getParent())) {
            assertEquals(1, left.count(), "no temporary file left beside it");
        }
    }

    @Test
    void generatedPasswordsAreLongRandomAndNeedNoEscaping() {
        String a = PgPasswordFiles.generate();
        String b = PgPasswordFiles.generate();
        assertNotEquals(a, b);
        assertTrue(a.matches("[A-Za-z0-9]{24}"), a);
    }
}
