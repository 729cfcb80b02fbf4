package dev.kiln.files;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * Copies of request bodies into storage (and writes of computed response bodies, a batch's zip) run
 * here, on platform threads, while the request's virtual thread waits. A fast client's body is always
 * ready, so copying and hashing it is CPU-bound and might never park; a virtual thread is not
 * preempted, and with one carrier per core a few such copies would hold every other request back,
 * while the OS time-slices a platform thread with the carriers (the copy loops also give way:
 * {@code support.CopyPacing}). At most {@code kiln.files.copy-threads} of them, so stalled bodies
 * cannot pile up threads; a copy beyond them (or after shutdown began) runs on the caller's thread.
 */
@Component
public class BodyCopies implements AutoCloseable {

    /** A copy: what it returns, and the one checked exception it may throw. */
    @FunctionalInterface
    public interface Copy<T, E extends Exception> {
        T run() throws E;
    }

    private final ExecutorService threads;

    BodyCopies(FileSettings settings) {
        this.threads = new ThreadPoolExecutor(
                0,
                settings.copyThreads(),
                1,
                TimeUnit.MINUTES,
                new SynchronousQueue<>(),
                Thread.ofPlatform()
                        .daemon()
                        .name("kiln-body-copy-", 0)
                        .inheritInheritableThreadLocals(false)
                        .factory(),
                (copy, pool) -> copy.run());
    }

    /** Runs {@code copy} on a copy thread and returns its result, or throws what it threw. */
    @SuppressWarnings("unchecked")
    public <T, E extends Exception> T run(Copy<T, E> copy) throws E {
        CompletableFuture<T> done = new CompletableFuture<>();
        Map<String, String> logContext = MDC.getCopyOfContextMap(); // the request's fields on the copy's log lines
        threads.execute(() -> {
            Map<String, String> before = MDC.getCopyOfContextMap(); // the caller's, when it runs the copy itself
            setContext(logContext);
            try {
                done.complete(copy.run());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            } finally {
                setContext(before);
            }
        });
        try {
            return done.join();
        } catch (CompletionException e) {
            Throwable thrown = e.getCause();
            thrown.addSuppressed(new Exception("The copy's caller")); // its stack: the request's side
            if (thrown instanceof Error error) {
                throw error;
            }
            throw (E) thrown; // copy.run throws E or an unchecked exception
        }
    }

    private static void setContext(Map<String, String> context) {
        if (context == null) {
            MDC.clear();
        } else {
            MDC.setContextMap(context);
        }
    }

    @Override
    public void close() {
        threads.shutdown();
    }
}
