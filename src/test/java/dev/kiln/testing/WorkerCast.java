package dev.kiln.testing;

import java.util.UUID;

/**
 * The cast of a worker-protocol test: a worker identity, a processor it declared, and a member who
 * submits to it; names unique to the test, so tests sharing one Kiln never meet.
 */
public record WorkerCast(String worker, String member, String processor) {

    /** Declares {@code declaration} (the body of {@code PUT /worker/processors/{name}}) as a new worker. */
    public static WorkerCast declare(Api api, String name, String declaration) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        WorkerCast cast = new WorkerCast(
                api.newWorker(name + "-worker-" + suffix),
                api.newMember(name + "-owner-" + suffix),
                name + "-" + suffix);
        api.declare(cast.worker(), cast.processor(), declaration);
        return cast;
    }
}
