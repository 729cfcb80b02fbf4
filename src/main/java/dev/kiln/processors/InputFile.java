package dev.kiln.processors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The job's input as a processor sees it.
 *
 * @param path read-only local copy of the content; never write to it
 */
public record InputFile(String id, String mediaType, long size, String name, Path path) {

    public InputStream open() throws IOException {
        return Files.newInputStream(path);
    }
}
