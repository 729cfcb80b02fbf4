package dev.kiln.transcribe;

import dev.kiln.events.EventKind;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What earlier attempts of a job finished with a remote engine, read back from the job's event log:
 * its {@link ChunkPartial}s. Each attempt publishes its chunks in order, the ones it took over from
 * the attempt before first, so the attempt that got furthest holds every chunk up to its last
 * complete one (a chunk whose {@code chunkEnd} is logged); chunks in between without speech are done too.
 */
@Component
class EarlierChunks {

    /**
     * @param lastChunk  the last chunk known complete; -1 for none
     * @param utterances per chunk up to {@code lastChunk}, those with speech
     * @param ends       per chunk with speech, where it ended (seconds): a chunk planned otherwise is not the same
     */
    record Done(int lastChunk, Map<Integer, List<Utterance>> utterances, Map<Integer, Double> ends) {

        static final Done NONE = new Done(-1, Map.of(), Map.of());
    }

    private static final int PAGE = 1_000;

    private final EventLog events;
    private final JsonMapper json;

    EarlierChunks(EventLog events, JsonMapper json) {
        this.events = events;
        this.json = json;
    }

    /** For an attempt past the first: the furthest any earlier attempt got. */
    Done of(String jobId, int attempt) {
        if (attempt <= 1) {
            return Done.NONE;
        }
        Done best = Done.NONE;
        List<ChunkPartial> run = new ArrayList<>();
        long after = 0;
        List<JobEvent> page;
        do {
            page = events.after(jobId, after, PAGE);
            for (JobEvent event : page) {
                after = event.seq();
                if (startsAttempt(event)) {
                    best = further(best, run);
                    run = new ArrayList<>();
                } else if (event.kind() == EventKind.PARTIAL && event.data().has("chunk")) {
                    run.add(json.treeToValue(event.data(), ChunkPartial.class));
                }
            }
        } while (page.size() == PAGE);
        return further(best, run);
    }

    private static boolean startsAttempt(JobEvent event) {
        JsonNode data = event.data();
        return event.kind() == EventKind.STATE
                && data.path("state").asString("").equals("running")
                && !data.path("cancelRequested").asBoolean(false);
    }

    private static Done further(Done best, List<ChunkPartial> run) {
        int last = run.stream()
                .filter(p -> p.chunkEnd() != null)
                .mapToInt(ChunkPartial::chunk)
                .max()
                .orElse(-1);
        if (last <= best.lastChunk()) {
            return best;
        }
        Map<Integer, List<Utterance>> utterances = new TreeMap<>();
        Map<Integer, Double> ends = new TreeMap<>();
        for (ChunkPartial p : run) {
            if (p.chunk() <= last) {
                utterances.computeIfAbsent(p.chunk(), c -> new ArrayList<>()).add(p.utterance());
                if (p.chunkEnd() != null) {
                    ends.put(p.chunk(), p.chunkEnd());
                }
            }
        }
        return new Done(last, utterances, ends);
    }
}
