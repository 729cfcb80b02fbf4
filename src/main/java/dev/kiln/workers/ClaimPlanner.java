package dev.kiln.workers;

import dev.kiln.jobs.JobQueue;
import dev.kiln.processors.ProcessorRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * What this node claims, and when. The outcome writer asks before each of its batches, so that
 * one transaction ends attempts and claims the jobs that take their place: the room of every
 * attempt whose end the batch writes is freed first, then each processor with free slots whose
 * queue may hold work gets a claim for as many jobs as it has room for (reserved until the claim
 * answers). The jobs claimed are handed to the claim loop to start.
 */
final class ClaimPlanner {

    /**
     * A claimed job, to start on the claim loop's thread.
     *
     * @param slotted whether a slot was reserved for it; if not, it waits for one
     */
    record Start(ProcessorRegistry.Registered processor, JobQueue.Claim claim, boolean slotted) {}

    private final ProcessorRegistry registry;
    private final WorkerSettings settings;
    private final String node;
    private final Map<String, Capacity> capacity = new HashMap<>();
    private final Queue<Start> toStart = new ConcurrentLinkedQueue<>();
    /** The slots reserved for each claim of the batch being written (only the writer's thread plans and hears back). */
    private List<Integer> slotsOfBatch = List.of();

    private volatile boolean accepting;

    ClaimPlanner(ProcessorRegistry registry, WorkerSettings settings, String node) {
        this.registry = registry;
        this.settings = settings;
        this.node = node;
        registry.all()
                .forEach(p -> capacity.put(p.name(), new Capacity(p.limits().concurrency())));
    }

    Capacity of(String type) {
        return capacity.get(type);
    }

    void accepting(boolean accepting) {
        this.accepting = accepting;
    }

    boolean accepting() {
        return accepting;
    }

    /**
     * Before a batch: the attempts ending in it no longer wait for the writer ({@code ending} frees
     * their room), then the claims to make in it, their room reserved.
     */
    List<JobQueue.ClaimRequest> plan(List<JobQueue.Write> batch, Consumer<JobQueue.Finish> ending) {
        for (JobQueue.Write write : batch) {
            if (write instanceof JobQueue.Finish finish) {
                ending.accept(finish);
            }
        }
        if (!accepting) {
            return List.of();
        }
        List<JobQueue.ClaimRequest> requests = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        long now = System.nanoTime();
        for (ProcessorRegistry.Registered processor : registry.all()) {
            Capacity room = capacity.get(processor.name());
            int[] reserved = room.mayHaveWork(now, settings.pollInterval())
                    ? room.reserve(settings.claimBatchSize())
                    : new int[2];
            if (reserved[0] > 0) {
                requests.add(new JobQueue.ClaimRequest(processor.name(), reserved[0], node, settings.leaseDuration()));
                slots.add(reserved[1]);
            }
        }
        slotsOfBatch = slots;
        return requests;
    }

    /** After a batch: what each claim got (none if the batch failed); the room not used is given back. */
    void claimed(List<JobQueue.ClaimRequest> requests, List<List<JobQueue.Claim>> claimed) {
        for (int i = 0; i < requests.size(); i++) {
            JobQueue.ClaimRequest request = requests.get(i);
            List<JobQueue.Claim> got = claimed.get(i);
            int slots = slotsOfBatch.get(i);
            Capacity room = capacity.get(request.type());
            room.unreserve(request.limit() - got.size(), Math.max(0, slots - got.size()));
            if (got.size() < request.limit()) {
                room.foundEmpty(System.nanoTime());
            }
            ProcessorRegistry.Registered processor =
                    registry.find(request.type()).orElseThrow();
            for (int j = 0; j < got.size(); j++) {
                toStart.add(new Start(processor, got.get(j), j < slots));
            }
        }
    }

    /** The next claimed job to start, or null. */
    Start nextToStart() {
        return toStart.poll();
    }

    /** Whether a batch now would claim something: a processor with room whose queue may hold work. */
    boolean wantsWork() {
        if (!accepting) {
            return false;
        }
        long now = System.nanoTime();
        int batch = settings.claimBatchSize();
        return capacity.values().stream()
                .anyMatch(room -> room.wanted(batch) > 0 && room.mayHaveWork(now, settings.pollInterval()));
    }
}
