package dev.kiln.extract;

import dev.kiln.processors.JobContext;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Refuses compression bombs before a parser sees them. Office, OpenDocument and EPUB files are
 * zip archives, and parsers buffer what they unpack (Tika holds a whole Word text run in memory),
 * so a 1 MB file that inflates to gigabytes would exhaust the heap. Every entry is inflated once
 * here, counting, without keeping anything: one that grows past {@value #MAX_RATIO} times its
 * compressed size (beyond a small allowance), or an archive past {@link #MAX_TOTAL} in all, is refused.
 */
final class CompressionGuard {

    /** Real documents' XML compresses 5–50 to 1; bombs 1,000 to 1 and more. */
    static final int MAX_RATIO = 200;

    private static final long ALLOWANCE = 10L * 1024 * 1024;
    static final long MAX_TOTAL = 4L * 1024 * 1024 * 1024;

    private CompressionGuard() {}

    static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        }
    }

    static void check(Path file, JobContext context) {
        check(file, context::checkCancelled);
    }

    /** As above; {@code checkCancelled} throws to stop early. */
    static void check(Path file, Runnable checkCancelled) {
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                long limit = Math.max(ALLOWANCE, Math.max(entry.getCompressedSize(), 0) * MAX_RATIO);
                long inflated = 0;
                try (InputStream in = zip.getInputStream(entry)) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        inflated += n;
                        total += n;
                        if (inflated > limit || total > MAX_TOTAL) {
                            throw JobFailure.of(
                                    JobErrorCode.DOCUMENT_TOO_LARGE,
                                    "The document expands to far more than its size "
                                            + "(a compression bomb: " + entry.getName() + " grows past " + MAX_RATIO
                                            + " times its packed size); Kiln refuses to unpack it.");
                        }
                    }
                }
                checkCancelled.run();
            }
        } catch (ZipException e) {
            throw JobFailure.of(JobErrorCode.DOCUMENT_UNREADABLE, "The document is a damaged zip archive.", e);
        } catch (IOException e) {
            throw JobFailure.of(
                    JobErrorCode.DOCUMENT_UNREADABLE, "The document could not be read: it may be damaged.", e);
        }
    }
}
