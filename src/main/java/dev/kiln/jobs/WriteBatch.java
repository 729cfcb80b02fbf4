package dev.kiln.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Writes of running attempts, folded per attempt for the arrows: its progress and partial results
 * into one REPORT (their events in the order reported), then its end (SUCCEED, RETRY, FAIL, CANCEL_RUNNING or RELEASE), each
 * arrow one statement for all the attempts it applies to. A write that comes after its attempt's
 * end is refused. A batch stops before a write of a job it already holds under another lease
 * token (the rest goes in the next batch, in the same transaction), so each arrow sees a job once.
 */
final class WriteBatch {

    private static final class Attempt {
        final String token;
        final List<JobQueue.Write> reported = new ArrayList<>();
        JobQueue.Finish end;

        Attempt(String token) {
            this.token = token;
        }
    }

    private final Map<String, Attempt> attempts = new LinkedHashMap<>();
    private final List<JobQueue.Write> writes = new ArrayList<>();
    /** Per write, whether it came after its attempt's end (refused without a statement). */
    private final List<Boolean> afterEnd = new ArrayList<>();

    private WriteBatch() {}

    /** The longest run of {@code all} from {@code from} that holds each job under one token. */
    static WriteBatch from(List<? extends JobQueue.Write> all, int from, UnaryOperator<JobQueue.Write> safe) {
        WriteBatch batch = new WriteBatch();
        for (int i = from; i < all.size(); i++) {
            JobQueue.Write write = safe.apply(all.get(i));
            Attempt attempt = batch.attempts.computeIfAbsent(write.jobId(), id -> new Attempt(write.token()));
            if (!attempt.token.equals(write.token())) {
                break;
            }
            batch.writes.add(write);
            batch.afterEnd.add(attempt.end != null);
            if (attempt.end == null) {
                if (write instanceof JobQueue.Finish f) {
                    attempt.end = f;
                } else {
                    attempt.reported.add(write);
                }
            }
        }
        return batch;
    }

    int size() {
        return writes.size();
    }

    /** Runs the arrows; for each write, whether it was accepted. */
    List<Boolean> apply(JobStateMachine arrows, RetryPolicy retryPolicy, Instant now) {
        List<Report> reports = new ArrayList<>();
        Map<Transition, List<JobQueue.Finish>> ends = new EnumMap<>(Transition.class);
        attempts.forEach((job, a) -> {
            if (!a.reported.isEmpty()) {
                reports.add(new Report(job, a.token, a.reported));
            }
            if (a.end != null) {
                ends.computeIfAbsent(arrow(a.end.outcome()), t -> new ArrayList<>())
                        .add(a.end);
            }
        });
        Set<String> reported = reports.isEmpty() ? Set.of() : arrows.report(reports, now);
        Set<String> ended = end(arrows, retryPolicy, ends, now);
        Boolean[] accepted = new Boolean[writes.size()];
        for (int i = 0; i < accepted.length; i++) {
            JobQueue.Write write = writes.get(i);
            accepted[i] =
                    !afterEnd.get(i) && (write instanceof JobQueue.Finish ? ended : reported).contains(write.jobId());
        }
        return Arrays.asList(accepted);
    }

    /** The arrow an attempt's end moves its job along. */
    static Transition arrow(JobQueue.Outcome outcome) {
        return switch (outcome) {
            case JobQueue.Succeeded s -> Transition.SUCCEED;
            case JobQueue.Failed f -> f.target() == JobState.RETRY_SCHEDULED ? Transition.RETRY : Transition.FAIL;
            case JobQueue.Cancelled c -> Transition.CANCEL_RUNNING;
            case JobQueue.Released r -> Transition.RELEASE;
        };
    }

    private static Set<String> end(
            JobStateMachine arrows, RetryPolicy retryPolicy, Map<Transition, List<JobQueue.Finish>> ends, Instant now) {
        Set<String> ended = new HashSet<>();
        List<JobQueue.Finish> missed = new ArrayList<>();
        for (Map.Entry<Transition, List<JobQueue.Finish>> entry : ends.entrySet()) {
            List<JobQueue.Finish> finishes = entry.getValue();
            Set<String> accepted = switch (entry.getKey()) {
                case SUCCEED -> arrows.succeed(finishes, now);
                case RETRY -> arrows.retry(finishes, now);
                case FAIL -> arrows.fail(finishes, now);
                case CANCEL_RUNNING -> arrows.cancelRunning(finishes, now);
                case RELEASE -> arrows.release(finishes, now);
                default -> throw new IllegalArgumentException("an attempt cannot end along " + entry.getKey());
            };
            ended.addAll(accepted);
            finishes.stream().filter(f -> !accepted.contains(f.jobId())).forEach(missed::add);
        }
        // A retry, release or failure that missed may have met a pending cancel: that ends the attempt instead.
        List<JobQueue.Finish> cancels = new ArrayList<>();
        for (JobQueue.Finish f : missed) {
            JobQueue.Cancelled instead = retryPolicy.insteadOfEndingWithoutResult(f.outcome());
            if (instead != null) {
                cancels.add(new JobQueue.Finish(f.jobId(), f.token(), instead, f.expiredBefore()));
            }
        }
        if (!cancels.isEmpty()) {
            ended.addAll(arrows.cancelRunning(cancels, now));
        }
        return ended;
    }
}
