package dev.kiln.workers;

import dev.kiln.files.FileInfo;
import dev.kiln.jobs.JobQueue;
import dev.kiln.processors.InputFile;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import dev.kiln.storage.BlobStore;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/** A claimed job's input as its processor reads it; a file or content gone since submission fails the attempt for good. */
final class InputFiles {

    private final BlobStore blobs;

    InputFiles(BlobStore blobs) {
        this.blobs = blobs;
    }

    /** A claimed job's input with its local copy, held until closed (the attempt's end). */
    record Held(InputFile file, BlobStore.LocalCopy copy) implements AutoCloseable {

        static final Held NONE = new Held(null, null);

        @Override
        public void close() {
            if (copy != null) {
                copy.close();
            }
        }
    }

    /**
     * {@link Held#NONE} for a job whose processor takes no input (it runs from its params alone). A
     * job of one that does, without a file, lost it: a finished job's file deleted (the job kept,
     * detached from it) and the job retried.
     */
    Held hold(JobQueue.Claim claim, boolean takesInput) throws IOException {
        if (claim.inputFileId() == null) {
            if (takesInput) {
                throw JobFailure.of(JobErrorCode.INPUT_MISSING, "The input file was deleted.");
            }
            return Held.NONE;
        }
        FileInfo file = claim.input();
        if (file == null) {
            throw JobFailure.of(
                    JobErrorCode.INPUT_MISSING, "The input file " + claim.inputFileId() + " no longer exists.");
        }
        BlobStore.LocalCopy copy;
        try {
            copy = blobs.localCopy(file.sha256());
        } catch (NoSuchFileException e) {
            throw JobFailure.of(
                    JobErrorCode.INPUT_MISSING, "The content of input file " + file.id() + " is missing from storage.");
        }
        return new Held(new InputFile(file.id(), file.mediaType(), file.size(), file.name(), copy.path()), copy);
    }
}
