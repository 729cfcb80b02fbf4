package dev.kiln.live;

import dev.kiln.auth.Access;
import dev.kiln.auth.User;

/** A WebSocket, SSE stream or long poll held open on behalf of a credential: it ends when that does. */
public interface AccessHolder {

    /** The credential (and user, as this holder knows them) it was opened with. */
    Access access();

    /** Its token or session ended: close with 4001, end the stream, answer 401. Any thread, any number of times. */
    void credentialEnded(String why);

    /** Its user's role changed to {@code now}'s: end what that role may not see (4003), keep the rest. */
    void roleChanged(User now);
}
