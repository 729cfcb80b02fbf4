package dev.kiln.live;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.Access;
import dev.kiln.auth.User;

/**
 * An SSE stream, a long poll or a compatibility request's wait for one job, held open with the
 * caller's credential. When access ends it is woken ({@code end}) and knows what the same request
 * would be answered now: 401 once the token or session ended; after a role change, 403 for a
 * worker, and 404 for a job the new role may not see (as for a job that does not exist). A change
 * that still lets it see the job leaves it alone.
 */
public final class JobWatch implements AccessHolder {

    private final Access access;
    private final String owner;
    private final Runnable end;
    private volatile ApiException ended;

    public JobWatch(Access access, String owner, Runnable end) {
        this.access = access;
        this.owner = owner;
        this.end = end;
    }

    @Override
    public Access access() {
        return access;
    }

    @Override
    public void credentialEnded(String why) {
        end(new ApiException(ErrorCode.UNAUTHENTICATED, "Access ended: " + why + "."));
    }

    @Override
    public void roleChanged(User now) {
        if (now.isWorker()) {
            end(new ApiException(
                    ErrorCode.FORBIDDEN, "Access ended: the user is now a worker, which follows no jobs."));
        } else if (!now.canSee(owner)) {
            end(new ApiException(ErrorCode.JOB_NOT_FOUND, "No job any more: the user's role changed."));
        }
    }

    private void end(ApiException why) {
        ended = why;
        end.run();
    }

    /** Why access ended, to be thrown; null while it lasts. */
    public ApiException ended() {
        return ended;
    }
}
