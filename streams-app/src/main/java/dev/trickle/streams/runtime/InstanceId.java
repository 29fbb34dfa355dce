package dev.trickle.streams.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/** A random id made on an instance's first start and kept in a file of its state directory, read back on every later start. */
final class InstanceId {
    private InstanceId() {
    }

    static String readOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return parse(file, Files.readString(file, StandardCharsets.UTF_8));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        String id = UUID.randomUUID().toString();
        try {
            // CREATE_NEW: of two processes started at once on one state directory, one keeps its id
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            return id;
        } catch (FileAlreadyExistsException e) {
            return parse(file, Files.readString(file, StandardCharsets.UTF_8));
        }
    }

    private static String parse(Path file, String text) throws IOException {
        String id = text.trim();
        try {
            return UUID.fromString(id).toString();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " does not hold an instance id (a UUID) but \"" + id + "\": delete it to get a "
                    + "new one", e);
        }
    }
}
